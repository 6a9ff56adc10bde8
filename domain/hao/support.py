"""Support for the hao-mentors: the yearly intervision date and the reimbursement of claims.

Consultations are confidential: the finance office sees, for them, only one sum per mentor
per calendar year that has ended: no trainer, date, kind, distance, hours or count, and
nothing that changes during the year (totals that moved from one export to the next would
date a consultation, and its kilometres could point at a practice).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from domain.clock import AMSTERDAM
from domain.hao.trajectory import Consultation, HaoTrajectory, Kind

KM_RATE_EUR = 0.23  # travel allowance per km (assumed tariff)
HOUR_RATE_EUR = 60.0  # extra hours (assumed tariff)
INTERVISION_MINUTES = 150


def intervision_start(year: int) -> datetime:
    """The yearly intervision: the second Thursday of March, 17:00 Amsterdam time."""
    first = date(year, 3, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 7)
    return datetime.combine(thursday, time(17, 0), tzinfo=AMSTERDAM)


def next_intervision(now: datetime) -> datetime:
    """The coming intervision: this year's, or next year's once this year's has begun."""
    this_year = intervision_start(now.astimezone(AMSTERDAM).year)
    return this_year if this_year > now else intervision_start(this_year.year + 1)


def amount(km: float, hours: float) -> float:
    return round(km * KM_RATE_EUR + hours * HOUR_RATE_EUR, 2)


def finance_lines(trajectories: list[HaoTrajectory], now: datetime) -> tuple[list[dict], dict[int, dict],
                                                                          dict[tuple[int, int], float]]:
    """(detail lines of guidance and progress claims, per-mentor totals of those lines, and per
    (mentor, year) the amount of consultations, for the years that ended before ``now``).

    Claims covered by leergang 5 are left out.
    """
    details: list[dict] = []
    totals: dict[int, dict] = {}
    confidential: dict[tuple[int, int], float] = {}
    this_year = now.astimezone(AMSTERDAM).year
    for t in trajectories:
        if t.mentor_id is None:
            continue
        for c in t.held():
            claim = c.claim
            if claim is None or not claim.reimbursable:
                continue
            if isinstance(t, Consultation) or t.kind is Kind.CONSULTATION:
                year = c.starts_at.astimezone(AMSTERDAM).year
                if year < this_year:
                    key = (t.mentor_id, year)
                    confidential[key] = round(confidential.get(key, 0.0) + amount(claim.km, claim.hours), 2)
                continue
            total = totals.setdefault(t.mentor_id, {"km": 0.0, "hours": 0.0, "amount_eur": 0.0})
            total["km"] += claim.km
            total["hours"] += claim.hours
            total["amount_eur"] = round(total["amount_eur"] + amount(claim.km, claim.hours), 2)
            details.append({"mentor_id": t.mentor_id, "trainer_id": t.trainer_id, "kind": t.kind.value,
                            "reference": t.pseudonym, "conversation": c.number,
                            "date": c.starts_at.astimezone(AMSTERDAM).date().isoformat(),
                            "km": claim.km, "hours": claim.hours, "amount_eur": amount(claim.km, claim.hours)})
    return details, totals, confidential
