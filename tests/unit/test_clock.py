"""The clock protocol's fake and the calendar arithmetic in Amsterdam time."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.clock import AMSTERDAM, FakeClock, add_months, days_between, local_date
from domain.errors import DomainError


def test_fake_clock_refuses_a_naive_start():
    with pytest.raises(ValueError):
        FakeClock(datetime(2021, 2, 1, 9, 0))


def test_fake_clock_stands_still_until_moved():
    start = datetime(2021, 2, 1, 9, 0, tzinfo=AMSTERDAM)
    clock = FakeClock(start)
    assert clock.now() == start
    assert clock.now() == start
    assert clock.advance(days=7, hours=1) == datetime(2021, 2, 8, 10, 0, tzinfo=AMSTERDAM)
    assert clock.now() == datetime(2021, 2, 8, 10, 0, tzinfo=AMSTERDAM)
    later = datetime(2021, 6, 1, 12, 0, tzinfo=UTC)
    clock.set(later)
    assert clock.now() == later


def test_local_date_is_the_amsterdam_date():
    # 22:30 UTC in summer is 00:30 the next day in Amsterdam; in winter 23:30 the same day.
    assert local_date(datetime(2021, 6, 30, 22, 30, tzinfo=UTC)) == date(2021, 7, 1)
    assert local_date(datetime(2021, 1, 30, 22, 30, tzinfo=UTC)) == date(2021, 1, 30)
    assert local_date(datetime(2021, 1, 30, 23, 30, tzinfo=UTC)) == date(2021, 1, 31)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2021, 1, 31), 1, date(2021, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2021, 5, 31), 9, date(2022, 2, 28)),
        (date(2023, 5, 31), 9, date(2024, 2, 29)),
        (date(2021, 3, 15), 4, date(2021, 7, 15)),
        (date(2021, 10, 31), 4, date(2022, 2, 28)),
    ],
)
def test_add_months_counts_calendar_months(start, months, expected):
    instant = datetime(start.year, start.month, start.day, 10, 0, tzinfo=AMSTERDAM)
    assert local_date(add_months(instant, months)) == expected


def test_add_months_keeps_the_local_wall_time_across_dst():
    winter = datetime(2021, 2, 1, 10, 0, tzinfo=AMSTERDAM)  # CET, 09:00 UTC
    summer = add_months(winter, 4)
    assert summer.astimezone(AMSTERDAM).hour == 10
    assert summer.astimezone(UTC).hour == 8  # CEST


def test_add_months_of_an_utc_instant_counts_on_the_amsterdam_date():
    # 23:30 UTC on 31 January is 00:30 on 1 February in Amsterdam: + 1 month = 1 March.
    instant = datetime(2021, 1, 31, 23, 30, tzinfo=UTC)
    assert local_date(add_months(instant, 1)) == date(2021, 3, 1)


def test_days_between_counts_amsterdam_dates():
    late = datetime(2021, 3, 1, 23, 30, tzinfo=AMSTERDAM)
    early_next = datetime(2021, 3, 2, 0, 30, tzinfo=AMSTERDAM)
    assert days_between(late, early_next) == 1
    assert days_between(early_next, late) == -1
    # Same UTC date, different Amsterdam dates.
    assert days_between(datetime(2021, 7, 1, 21, 0, tzinfo=UTC), datetime(2021, 7, 1, 22, 30, tzinfo=UTC)) == 1


def test_an_act_counts_from_when_it_was_given_but_the_history_stays_in_order():
    from domain.clock import act_time

    given = datetime(2021, 10, 3, 9, 0, tzinfo=UTC)
    now = datetime(2021, 10, 20, 9, 0, tzinfo=UTC)  # the run got to it 17 days later (worker down)
    assert act_time(given, datetime(2021, 9, 1, tzinfo=UTC), now) == given
    # A participant's act was recorded in between: the facilitator's comes after it, not before.
    between = datetime(2021, 10, 10, 9, 0, tzinfo=UTC)
    assert act_time(given, between, now) == between
    assert act_time(None, between, now) == now  # no input time known: now
    assert act_time(now.replace(day=25), None, now) == now  # never in the future


def test_the_clocks_tell_their_time_at_a_real_instant():
    from datetime import timedelta

    from adapters.clock import ScaledClock, SystemClock

    anchor = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    start = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)
    scaled = ScaledClock(start, anchor, speed=86400)  # a day per second
    assert scaled.at(anchor + timedelta(seconds=3)) == start + timedelta(days=3)
    assert scaled.at(anchor - timedelta(seconds=30)) == start  # before the anchor the clock stands still
    assert scaled.real_instant(scaled.at(anchor + timedelta(seconds=7))) == anchor + timedelta(seconds=7)
    assert SystemClock().at(anchor) == anchor
    assert FakeClock(start).at(anchor) == start


def test_a_facilitators_time_is_amsterdam_time_unless_she_chose_another_zone():
    """Issue 12: the UI's date picker sent 10:00 UTC for the 10:00 she picked; invitations said 11:00."""
    from domain.clock import AMSTERDAM, facilitator_time

    picked = datetime(2021, 3, 8, 10, 0)
    assert facilitator_time(picked.replace(tzinfo=UTC), "move_to") == picked.replace(tzinfo=AMSTERDAM)
    assert facilitator_time(picked, "move_to") == picked.replace(tzinfo=AMSTERDAM)
    chosen = datetime(2021, 3, 8, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    assert facilitator_time(chosen, "move_to") == chosen
    with pytest.raises(DomainError, match="bestaat niet"):
        facilitator_time(datetime(2021, 3, 28, 2, 30, tzinfo=UTC), "move_to")
