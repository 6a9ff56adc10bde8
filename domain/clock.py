"""Time is an input: the domain and the flows ask a ``Clock``, never the system.

The real and the compressed (demo) clocks live in ``adapters.clock``; this module
holds the protocol, the fake for tests and the calendar arithmetic in Amsterdam time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from domain.errors import DomainError

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


def amsterdam_instant(wall: datetime, field: str) -> datetime:
    """The instant of a wall-clock time in Amsterdam. A time the clock skips (02:30 on the last Sunday
    of March) or shows twice (02:30 on the last Sunday of October) is refused: guessing would put a
    meeting an hour off, and no one means to meet then."""
    first, second = wall.replace(tzinfo=AMSTERDAM, fold=0), wall.replace(tzinfo=AMSTERDAM, fold=1)
    if first.astimezone(UTC).astimezone(AMSTERDAM).replace(tzinfo=None) != wall:
        raise DomainError(field, f"{wall:%H:%M} bestaat niet op {wall:%d-%m-%Y}: de klok gaat dan een uur vooruit; "
                                 "kies een ander tijdstip")
    if first.utcoffset() != second.utcoffset():
        raise DomainError(field, f"{wall:%H:%M} komt op {wall:%d-%m-%Y} twee keer voor: de klok gaat dan een uur "
                                 "terug; kies een ander tijdstip")
    return first


def facilitator_time(value: datetime, field: str) -> datetime:
    """A moment from the facilitator's form in the Prefect UI. She thinks in Amsterdam time: a time
    without a zone, or in UTC as the UI's date picker sends what she picked, is read as Amsterdam's."""
    if value.tzinfo is not None and value.utcoffset() != timedelta(0):
        return value  # a zone she chose on purpose
    return amsterdam_instant(value.replace(tzinfo=None), field)
