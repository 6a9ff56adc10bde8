"""The hard rules and the guidance of programme A, as plain functions.

Hard (refused): meetings at least 42 calendar days apart (Amsterdam dates) and no
meeting after the end, nine calendar months after both signed. Guidance (shown,
never refused): usually 2-3 meetings before the interim evaluation and 3-4 after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from domain.clock import AMSTERDAM, add_months, local_date
from domain.errors import DomainError

MIN_DAYS_BETWEEN_MEETINGS = 42
MAX_MONTHS = 9
INTERIM_AFTER_MONTHS = 4
MEETING_MINUTES = 90  # the seed's "mooi uitgangspunt", not a rule: the length is chosen when a meeting is planned
MEETING_LENGTHS = (60, 75, 90, 105, 120, 150, 180)  # what the planning form offers, in minutes
USUAL_BEFORE_INTERIM = (2, 3)
USUAL_AFTER_INTERIM = (3, 4)


class HasStart(Protocol):
    number: int
    starts_at: datetime


def interim_due(first_meeting: datetime) -> datetime:
    """The interim evaluation is due four calendar months after the first meeting."""
    return add_months(first_meeting, INTERIM_AFTER_MONTHS)


def check_meeting_minutes(minutes: int) -> None:
    """A meeting's length: one the planning form offers."""
    if minutes not in MEETING_LENGTHS:
        raise DomainError("minutes", "kies een duur van " + ", ".join(map(str, MEETING_LENGTHS)) + " minuten")


def earliest_next_meeting(previous: datetime) -> datetime:
    # Add days on the Amsterdam wall clock: 42 x 24 hours from a UTC or fixed-offset
    # time lands on the day before when summer time ends in between.
    return previous.astimezone(AMSTERDAM) + timedelta(days=MIN_DAYS_BETWEEN_MEETINGS)


def check_meeting_start(
    starts_at: datetime,
    now: datetime,
    signed_at: datetime | None,
    ends_by: datetime | None,
    others: Sequence[HasStart],
) -> None:
    """Refuse a meeting date that breaks a hard rule, naming the reason."""
    if starts_at.tzinfo is None:
        raise DomainError("starts_at", "geef een tijd met tijdzone")
    if signed_at is None or ends_by is None:
        raise DomainError("starts_at", "bijeenkomsten volgen pas na het ondertekenen van de intentieverklaring")
    if starts_at <= now:
        raise DomainError("starts_at", "deze datum ligt in het verleden")
    if local_date(starts_at) > local_date(ends_by):
        raise DomainError(
            "starts_at",
            f"na het einde van het mentorschap: uiterlijk {local_date(ends_by):%d-%m-%Y} "
            f"({MAX_MONTHS} maanden na het ondertekenen)",
        )
    for other in others:
        gap = abs((local_date(starts_at) - local_date(other.starts_at)).days)
        if gap < MIN_DAYS_BETWEEN_MEETINGS:
            earliest = local_date(earliest_next_meeting(other.starts_at))
            raise DomainError(
                "starts_at",
                f"minder dan 6 weken ({MIN_DAYS_BETWEEN_MEETINGS} dagen) van bijeenkomst "
                f"{other.number} op {local_date(other.starts_at):%d-%m-%Y}; "
                f"op zijn vroegst {earliest:%d-%m-%Y}",
            )


def another_meeting_fits(last: datetime | None, ends_by: datetime) -> bool:
    """Whether a further meeting can still be held before the end."""
    if last is None:
        return True
    return local_date(earliest_next_meeting(last)) <= local_date(ends_by)


def pattern_notes(before_interim: int, after_interim: int | None) -> list[str]:
    """Guidance on the usual number of meetings; a warning, never a refusal."""
    notes: list[str] = []
    low, high = USUAL_BEFORE_INTERIM
    if not low <= before_interim <= high:
        notes.append(
            f"{before_interim} bijeenkomst(en) vóór de tussenevaluatie; gebruikelijk is {low} à {high}"
        )
    if after_interim is not None:
        low, high = USUAL_AFTER_INTERIM
        if not low <= after_interim <= high:
            notes.append(
                f"{after_interim} bijeenkomst(en) na de tussenevaluatie; gebruikelijk is {low} à {high}"
            )
    return notes
