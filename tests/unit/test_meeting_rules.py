"""Hard meeting rules (refused) and guidance (warned), as functions and through the aggregate."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.clock import AMSTERDAM, local_date
from domain.errors import DomainError
from domain.people import Role
from domain.rules import (
    another_meeting_fits,
    check_meeting_start,
    earliest_next_meeting,
    interim_due,
    pattern_notes,
)
from domain.trajectory import MeetingStatus, Trajectory

MENTEE, MENTOR = 11, 21


def at(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=AMSTERDAM)


@dataclass
class Other:
    number: int
    starts_at: datetime


SIGNED = at(2021, 2, 1)
ENDS = at(2021, 11, 1)
NOW = at(2021, 2, 2)


def check(starts_at: datetime, *others: Other, now: datetime = NOW, signed=SIGNED, ends=ENDS) -> None:
    check_meeting_start(starts_at, now, signed, ends, list(others))


def refused(starts_at: datetime, *others: Other, **kw) -> DomainError:
    with pytest.raises(DomainError) as exc:
        check(starts_at, *others, **kw)
    assert exc.value.field == "starts_at"
    return exc.value


def signed_trajectory(signed_at: datetime = SIGNED) -> Trajectory:
    t = Trajectory.apply("2021-02", MENTEE, signed_at - timedelta(days=30))
    t.confirm_application(signed_at - timedelta(days=29))
    t.choose_mentor(MENTOR, signed_at - timedelta(days=28))
    t.answer_kennismaking(Role.MENTEE, True, "", signed_at - timedelta(days=20))
    t.answer_kennismaking(Role.MENTOR, True, "", signed_at - timedelta(days=20))
    plan = t.submit_plan(["leren delegeren"], "Eén A4.", signed_at - timedelta(days=10))
    t.sign(Role.MENTEE, MENTEE, plan.version, signed_at - timedelta(days=1))
    assert t.sign(Role.MENTOR, MENTOR, plan.version, signed_at)
    return t


# --- spacing: at least 42 calendar days on Amsterdam dates ------------------


def test_42_days_apart_is_allowed():
    first = Other(1, at(2021, 3, 1, 14))
    check(at(2021, 4, 12, 9), first)  # 1 March + 42 days, even earlier in the day
    check(at(2021, 1, 18, 9), Other(2, at(2021, 3, 1)), now=at(2021, 1, 2), signed=at(2021, 1, 1))


def test_41_days_apart_is_refused_naming_the_other_meeting_and_the_earliest_date():
    first = Other(1, at(2021, 3, 1, 14))
    error = refused(at(2021, 4, 11, 20), first)
    assert "bijeenkomst 1 op 01-03-2021" in error.reason
    assert "op zijn vroegst 12-04-2021" in error.reason
    assert "6 weken" in error.reason


def test_spacing_holds_in_both_directions_and_against_every_other_meeting():
    others = [Other(1, at(2021, 3, 1)), Other(2, at(2021, 4, 12)), Other(3, at(2021, 6, 1))]
    error = refused(at(2021, 5, 20), *others)  # 38 days after 2, 12 before 3
    assert "bijeenkomst 2" in error.reason
    error = refused(at(2021, 7, 12), *others)  # 41 days after 3
    assert "bijeenkomst 3 op 01-06-2021" in error.reason
    check(at(2021, 7, 13), *others)


def test_same_day_is_refused():
    refused(at(2021, 3, 1, 18), Other(1, at(2021, 3, 1, 9)))


def test_dst_allowed_on_amsterdam_dates_though_utc_dates_are_41_apart():
    # 23:30 CEST on 20 Sep is 21:30 UTC on 20 Sep; 00:30 CET on 1 Nov is 23:30 UTC on 31 Oct.
    earlier = Other(1, datetime(2021, 9, 20, 21, 30, tzinfo=UTC))
    later = at(2021, 11, 1, 0, 30)
    assert (later.astimezone(UTC).date() - earlier.starts_at.date()).days == 41
    check(later, earlier, now=at(2021, 9, 21), signed=at(2021, 6, 1), ends=at(2022, 3, 1))


def test_dst_refused_on_amsterdam_dates_though_utc_dates_are_42_apart():
    # 00:30 CET on 15 Feb is 23:30 UTC on 14 Feb; 23:30 CEST on 28 Mar is 21:30 UTC on 28 Mar.
    earlier = Other(1, at(2021, 2, 15, 0, 30))
    later = at(2021, 3, 28, 23, 30)
    assert (later.astimezone(UTC).date() - earlier.starts_at.astimezone(UTC).date()).days == 42
    error = refused(later, earlier)
    assert "op zijn vroegst 29-03-2021" in error.reason


@pytest.mark.parametrize(
    "stored",
    [
        at(2021, 9, 20, 0, 30),  # as Amsterdam time
        datetime(2021, 9, 19, 22, 30, tzinfo=UTC),  # as UTC, e.g. from the database
        datetime.fromisoformat("2021-09-20T00:30:00+02:00"),  # as a fixed offset, e.g. from JSON
    ],
)
def test_earliest_date_across_the_end_of_summer_time_is_42_amsterdam_days(stored):
    # 00:30 CEST on 20 Sep; 42 days of 24 hours later is 23:30 CET on 31 Oct: the wrong date.
    assert local_date(earliest_next_meeting(stored)) == date(2021, 11, 1)
    error = refused(at(2021, 10, 31, 12), Other(1, stored), now=at(2021, 9, 21), signed=at(2021, 6, 1),
                    ends=at(2022, 3, 1))
    assert "op zijn vroegst 01-11-2021" in error.reason
    assert not another_meeting_fits(stored, at(2021, 10, 31, 23))
    assert another_meeting_fits(stored, at(2021, 11, 1, 9))


# --- end, past, signing ------------------------------------------------------


@pytest.mark.parametrize(
    ("signed", "end"),
    [(at(2021, 5, 31), date(2022, 2, 28)), (at(2023, 5, 31), date(2024, 2, 29))],
)
def test_no_meeting_after_nine_calendar_months(signed, end):
    t = signed_trajectory(signed)
    assert local_date(t.match.ends_by) == end
    now = signed + timedelta(days=1)
    after = datetime(end.year, 3, 1, 9, tzinfo=AMSTERDAM)
    with pytest.raises(DomainError) as exc:
        t.propose_meeting(after, now)
    assert exc.value.field == "starts_at"
    assert f"uiterlijk {end:%d-%m-%Y}" in exc.value.reason
    # On the end date itself, even later in the day than the signing, is allowed.
    meeting = t.propose_meeting(datetime(end.year, end.month, end.day, 20, tzinfo=AMSTERDAM), now)
    assert meeting.number == 1


def test_past_dates_are_refused():
    assert "verleden" in refused(at(2021, 2, 1, 9)).reason
    assert "verleden" in refused(NOW).reason
    check(NOW + timedelta(minutes=1))


def test_naive_dates_are_refused():
    refused(datetime(2021, 3, 1, 10))


def test_before_signing_is_refused():
    assert "ondertekenen" in refused(at(2021, 3, 1), signed=None, ends=None).reason
    t = Trajectory.apply("2021-02", MENTEE, at(2021, 1, 1))
    t.confirm_application(at(2021, 1, 1))
    t.choose_mentor(MENTOR, at(2021, 1, 2))
    t.answer_kennismaking(Role.MENTEE, True, "", at(2021, 1, 10))
    t.answer_kennismaking(Role.MENTOR, True, "", at(2021, 1, 10))
    plan = t.submit_plan(["leren delegeren"], "Eén A4.", at(2021, 1, 15))
    t.sign(Role.MENTEE, MENTEE, plan.version, at(2021, 1, 16))  # the mentor has not signed
    with pytest.raises(DomainError) as exc:
        t.propose_meeting(at(2021, 3, 1), NOW)
    assert exc.value.field == "meeting"
    assert t.match.meetings == []


# --- through the aggregate ---------------------------------------------------


def test_propose_then_spacing_against_a_held_meeting():
    t = signed_trajectory()
    m1 = t.propose_meeting(at(2021, 3, 1, 14), NOW)
    t.confirm_meeting(m1.number, at(2021, 3, 1, 16))
    with pytest.raises(DomainError) as exc:
        t.propose_meeting(at(2021, 4, 11, 14), at(2021, 3, 2))
    assert "bijeenkomst 1 op 01-03-2021" in exc.value.reason
    assert "12-04-2021" in exc.value.reason
    m2 = t.propose_meeting(at(2021, 4, 12, 14), at(2021, 3, 2))
    assert m2.number == 2
    assert [m.number for m in t.match.active_meetings()] == [1, 2]


def test_a_second_planned_meeting_is_refused_while_one_is_planned():
    t = signed_trajectory()
    t.propose_meeting(at(2021, 3, 1, 14), NOW)
    with pytest.raises(DomainError) as exc:
        t.propose_meeting(at(2021, 6, 1, 14), NOW)
    assert exc.value.field == "starts_at"
    assert "al een bijeenkomst gepland" in exc.value.reason
    assert len(t.match.meetings) == 1


def test_a_cancelled_meeting_does_not_count_for_spacing():
    t = signed_trajectory()
    m1 = t.propose_meeting(at(2021, 3, 1, 14), NOW)
    t.cancel_meeting(m1.number, NOW)
    m2 = t.propose_meeting(at(2021, 3, 5, 14), NOW)
    assert m2.number == 2
    assert t.match.meeting(1).status is MeetingStatus.CANCELLED


def test_rescheduling_keeps_spacing_and_raises_sequence():
    t = signed_trajectory()
    m1 = t.propose_meeting(at(2021, 3, 1, 14), NOW)
    t.confirm_meeting(1, at(2021, 3, 1, 16))
    m2 = t.propose_meeting(at(2021, 5, 1, 14), at(2021, 3, 2))
    assert m2.sequence == 0
    with pytest.raises(DomainError) as exc:
        t.reschedule_meeting(2, at(2021, 4, 11, 14), at(2021, 3, 3))
    assert "bijeenkomst 1" in exc.value.reason
    assert m2.starts_at == at(2021, 5, 1, 14) and m2.sequence == 0  # unchanged on refusal
    moved = t.reschedule_meeting(2, at(2021, 4, 12, 9), at(2021, 3, 3))
    assert moved.starts_at == at(2021, 4, 12, 9)
    assert moved.sequence == 1
    t.reschedule_meeting(2, at(2021, 4, 20, 9), at(2021, 3, 4))
    assert moved.sequence == 2
    # A meeting is not spaced against itself: moving by a day is fine.
    t.reschedule_meeting(2, at(2021, 4, 21, 9), at(2021, 3, 4))
    assert moved.sequence == 3
    assert m1.status is MeetingStatus.HELD


def test_rescheduling_a_held_meeting_or_into_the_past_is_refused():
    t = signed_trajectory()
    t.propose_meeting(at(2021, 3, 1, 14), NOW)
    with pytest.raises(DomainError) as exc:
        t.reschedule_meeting(1, at(2021, 2, 10), at(2021, 2, 20))
    assert "verleden" in exc.value.reason
    t.confirm_meeting(1, at(2021, 3, 1, 16))
    with pytest.raises(DomainError) as exc:
        t.reschedule_meeting(1, at(2021, 3, 8), at(2021, 3, 2))
    assert exc.value.field == "meeting"
    with pytest.raises(DomainError):
        t.reschedule_meeting(9, at(2021, 6, 8), at(2021, 3, 2))


# --- interim and guidance ----------------------------------------------------


def test_interim_due_four_calendar_months_after_the_first_meeting():
    assert interim_due(at(2021, 3, 1, 14)) == at(2021, 7, 1, 14)
    assert local_date(interim_due(at(2021, 10, 31, 14))) == date(2022, 2, 28)


def test_interim_counts_from_the_first_held_meeting_by_date():
    t = signed_trajectory()
    assert t.match.interim_due() is None
    t.propose_meeting(at(2021, 3, 1, 14), NOW)
    assert t.match.interim_due() is None  # planned, not held
    t.cancel_meeting(1, NOW)
    t.propose_meeting(at(2021, 3, 15, 14), NOW)
    t.confirm_meeting(2, at(2021, 3, 15, 16))
    assert t.match.interim_due() == at(2021, 7, 15, 14)
    t.propose_meeting(at(2021, 4, 26, 14), at(2021, 3, 16))
    t.confirm_meeting(3, at(2021, 4, 26, 16))
    assert t.match.interim_due() == at(2021, 7, 15, 14)  # still the first one


@pytest.mark.parametrize(
    ("before", "after", "warned"),
    [
        (1, None, ["1 bijeenkomst(en) vóór"]),
        (2, None, []),
        (3, None, []),
        (4, None, ["4 bijeenkomst(en) vóór"]),
        (3, 2, ["2 bijeenkomst(en) na"]),
        (3, 3, []),
        (3, 4, []),
        (3, 5, ["5 bijeenkomst(en) na"]),
        (1, 5, ["1 bijeenkomst(en) vóór", "5 bijeenkomst(en) na"]),
        (0, 0, ["0 bijeenkomst(en) vóór", "0 bijeenkomst(en) na"]),
    ],
)
def test_pattern_notes_warn_outside_the_usual_counts(before, after, warned):
    notes = pattern_notes(before, after)
    assert len(notes) == len(warned)
    for note, start in zip(notes, warned, strict=True):
        assert note.startswith(start)
        assert "gebruikelijk" in note


def test_the_usual_pattern_is_guidance_not_a_rule():
    # A fourth meeting before the interim is allowed by the aggregate (only warned about).
    t = signed_trajectory()
    now = NOW
    for i, day in enumerate([at(2021, 2, 15), at(2021, 3, 29), at(2021, 5, 10), at(2021, 6, 21)], start=1):
        t.propose_meeting(day, now)
        now = day + timedelta(hours=2)
        t.confirm_meeting(i, now)
    assert len(t.match.held_meetings()) == 4
    assert pattern_notes(len(t.match.held_meetings()), None)
