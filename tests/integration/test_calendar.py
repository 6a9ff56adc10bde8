"""Calendar invitations, parsed back with icalendar and with vobject (an independent parser)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import vobject
from icalendar import Calendar

from adapters.calendar import meeting_ics
from domain.clock import AMSTERDAM

STARTS = datetime(2021, 3, 9, 14, 0, tzinfo=AMSTERDAM)  # 13:00 UTC (winter time)
ENDS = STARTS + timedelta(minutes=90)
STAMP = datetime(2021, 2, 20, 8, 30, tzinfo=UTC)
ORGANIZER = ("Mentorschap Zuidoost-Brabant", "mentorschap@example.org")
ATTENDEES = [("Anna de Vries", "anna@example.org"), ("Bram Bakker, huisarts", "bram@example.org")]
LOCATION = "Huisartsenpraktijk Bakker, Markt 1, 5611 AB Eindhoven"


def invitation(method: str = "REQUEST", sequence: int = 0, starts_at: datetime = STARTS) -> bytes:
    return meeting_ics(
        uid="t7-k1-m1@mentorschap.example.org", sequence=sequence, method=method,  # type: ignore[arg-type]
        starts_at=starts_at, ends_at=starts_at + timedelta(minutes=90),
        summary="Mentorschap: bijeenkomst 1", description="Bevestigen via het portaal; geen reactie nodig.",
        location=LOCATION, organizer=ORGANIZER, attendees=ATTENDEES, stamp=STAMP,
    )


def test_icalendar_reads_back_the_invitation() -> None:
    cal = Calendar.from_ical(invitation())
    assert str(cal["METHOD"]) == "REQUEST"
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Amsterdam"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == "t7-k1-m1@mentorschap.example.org"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert start == STARTS and start.astimezone(UTC) == datetime(2021, 3, 9, 13, 0, tzinfo=UTC)
    assert (start.hour, start.minute) == (14, 0)
    assert event.decoded("DTEND") == ENDS
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["LOCATION"]) == LOCATION
    assert str(event["ORGANIZER"]) == "mailto:mentorschap@example.org"
    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:anna@example.org", "mailto:bram@example.org"]
    for attendee, (name, _email) in zip(attendees, ATTENDEES, strict=True):
        assert attendee.params["CN"] == name
        assert attendee.params["RSVP"] == "FALSE"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"


def test_vobject_reads_back_the_invitation() -> None:
    cal = vobject.readOne(invitation().decode())
    assert cal.method.value == "REQUEST"
    event = cal.vevent
    assert event.uid.value == "t7-k1-m1@mentorschap.example.org"
    assert int(event.sequence.value) == 0
    assert event.dtstart.value == STARTS
    assert event.dtstart.value.utcoffset() == timedelta(hours=1)
    assert event.dtstart.value.astimezone(UTC).hour == 13
    assert event.dtend.value == ENDS
    assert event.dtstamp.value == STAMP
    assert event.location.value == LOCATION
    assert event.organizer.value == "mailto:mentorschap@example.org"
    assert event.organizer.params["CN"] == [ORGANIZER[0]]
    assert [a.value for a in event.attendee_list] == ["mailto:anna@example.org", "mailto:bram@example.org"]
    assert all(a.params["RSVP"] == ["FALSE"] for a in event.attendee_list)
    assert event.attendee_list[1].params["CN"] == ["Bram Bakker, huisarts"]


def test_summer_time_is_two_hours_ahead_of_utc() -> None:
    summer = datetime(2021, 7, 6, 14, 0, tzinfo=AMSTERDAM)
    event = vobject.readOne(invitation(starts_at=summer).decode()).vevent
    assert event.dtstart.value.astimezone(UTC) == datetime(2021, 7, 6, 12, 0, tzinfo=UTC)
    [ical_event] = Calendar.from_ical(invitation(starts_at=summer)).walk("VEVENT")
    assert ical_event.decoded("DTSTART").astimezone(UTC).hour == 12


def test_a_cancellation_keeps_the_uid_and_raises_the_sequence() -> None:
    request = Calendar.from_ical(invitation("REQUEST", 0))
    cancel = Calendar.from_ical(invitation("CANCEL", 2))
    [first], [last] = request.walk("VEVENT"), cancel.walk("VEVENT")
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(last["UID"]) == str(first["UID"])
    assert int(last["SEQUENCE"]) > int(first["SEQUENCE"])
    assert str(last["STATUS"]) == "CANCELLED"
    second = vobject.readOne(invitation("CANCEL", 2).decode())
    assert second.method.value == "CANCEL" and second.vevent.status.value == "CANCELLED"
    assert int(second.vevent.sequence.value) == 2


def test_the_same_meeting_gives_the_same_bytes() -> None:
    assert invitation() == invitation()


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        invitation(starts_at=datetime(2021, 3, 9, 14, 0))
