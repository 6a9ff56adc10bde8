"""Time is an input: the domain and the flows ask a ``Clock``, never the system.

The real and the compressed (demo) clocks live in ``adapters.clock``; this module
holds the protocol, the fake for tests and the calendar arithmetic in Amsterdam time.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def at(self, real: datetime) -> datetime:
        """The clock's time at a real (system) instant, e.g. when a form was sent."""
        ...


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def at(self, real: datetime) -> datetime:
        """A fake clock has no tie to real time: whatever happened, happened at its now."""
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = instant


def act_time(given: datetime | None, last_event: datetime | None, now: datetime) -> datetime:
    """The moment to record an act that was given at ``given`` and is processed ``now``.

    A run may start seconds (or, with its worker down, hours) after the facilitator sent
    its form: the act counts from when it was given, but never before the last event
    already recorded (the history stays in order) and never after now.
    """
    if given is None:
        return now
    return min(now, max(given, last_event or given))


def local_date(instant: datetime) -> date:
    """The calendar date of an instant in the Netherlands."""
    return instant.astimezone(AMSTERDAM).date()


def add_months(instant: datetime, months: int) -> datetime:
    """Calendar months in Amsterdam time (31 Jan + 1 month = 28/29 Feb)."""
    local = instant.astimezone(AMSTERDAM)
    return (local.replace(tzinfo=None) + relativedelta(months=months)).replace(tzinfo=AMSTERDAM)


def days_between(earlier: datetime, later: datetime) -> int:
    """Whole calendar days between two instants, counted on Amsterdam dates."""
    return (local_date(later) - local_date(earlier)).days
