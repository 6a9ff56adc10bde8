"""Calendar invitations (iTIP, RFC 5546) for the meetings, made with ``icalendar``.

One meeting keeps one UID for its whole life; every change raises SEQUENCE, so a
calendar replaces the earlier version (REQUEST) or removes it (CANCEL). Attendees
are asked not to reply (RSVP=FALSE): confirming goes through the portal link. The
stamp is passed in, so the same meeting at the same sequence is the same bytes.

``icalendar`` is imported by the functions that write a calendar: most runs send no invitation,
and importing it costs more than writing one.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from domain.clock import AMSTERDAM

if TYPE_CHECKING:
    from icalendar import Timezone, vCalAddress

PRODID = "-//Mentorschap huisartsenkring//mentorschap//NL"
TZID = "Europe/Amsterdam"

Method = Literal["REQUEST", "CANCEL"]

_timezones: dict[int, Timezone] = {}


def _vtimezone(year: int) -> Timezone:
    """Europe/Amsterdam around ``year`` (computing it is slow, so it is cached)."""
    from icalendar import Timezone

    if year not in _timezones:
        _timezones[year] = Timezone.from_tzinfo(
            AMSTERDAM, tzid=TZID, first_date=date(year - 1, 1, 1), last_date=date(year + 2, 1, 1)
        )
    return _timezones[year]


@functools.cache
def _vtimezone_lines(year: int) -> bytes:
    """The VTIMEZONE as written in the calendar (folding its ~35 lines is most of writing an invitation)."""
    return _vtimezone(year).to_ical()


def _address(name: str, email: str, **params: str) -> vCalAddress:
    from icalendar import vCalAddress, vText

    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key] = value
    return address


def meeting_ics(
    uid: str,
    sequence: int,
    method: Method,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    location: str,
    organizer: tuple[str, str],
    attendees: list[tuple[str, str]],
    stamp: datetime,
) -> bytes:
    """A VCALENDAR with one VEVENT, times in Europe/Amsterdam with its VTIMEZONE (written once per year
    and set before the event, as ``Calendar.add_component`` would)."""
    from icalendar import Calendar, Event

    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method!r}")
    for label, value in (("starts_at", starts_at), ("ends_at", ends_at), ("stamp", stamp)):
        if value.tzinfo is None:
            raise ValueError(f"{label} must be timezone-aware")
    if ends_at <= starts_at:
        raise ValueError("a meeting must end after it starts")

    start = starts_at.astimezone(AMSTERDAM)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp)  # icalendar writes it in UTC, as RFC 5545 requires
    event.add("dtstart", start)
    event.add("dtend", ends_at.astimezone(AMSTERDAM))
    event.add("summary", summary)
    event.add("description", description)
    event.add("location", location)
    event.add("status", "CONFIRMED" if method == "REQUEST" else "CANCELLED")
    event.add("transp", "OPAQUE")
    event.add("class", "PRIVATE")
    event["organizer"] = _address(*organizer)
    for name, email in attendees:
        event.add(
            "attendee",
            _address(name, email, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="FALSE", CUTYPE="INDIVIDUAL"),
            encode=False,
        )
    cal.add_component(event)
    head, event_lines = cal.to_ical().split(b"BEGIN:VEVENT\r\n", 1)
    return head + _vtimezone_lines(start.year) + b"BEGIN:VEVENT\r\n" + event_lines  # the zone before the event
