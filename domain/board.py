"""The facilitator's overview of a cohort: one row per trajectory, what is overdue first."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.clock import local_date
from domain.people import Role
from domain.phases import Phase
from domain.rules import pattern_notes
from domain.status import describe
from domain.timing import REMINDER_DAYS, next_due, open_acts
from domain.trajectory import EvaluationKind, Trajectory

WHO = {Role.MENTEE: "mentee", Role.MENTOR: "mentor", Role.FACILITATOR: "facilitator"}


def overdue(t: Trajectory, now: datetime) -> list[str]:
    """Open acts older than the first reminder, e.g. 'mentor: sign (12 dagen)'."""
    late = []
    for act in open_acts(t):
        days = (now - act.since) // timedelta(days=1)
        if days >= REMINDER_DAYS[0]:
            late.append(f"{WHO[act.role]}: {act.step.value} ({days} dagen)")
    return late


def guidance(t: Trajectory) -> list[str]:
    match = t.match
    if match is None or match.signed_at is None:
        return []
    interim = match.evaluations.get(EvaluationKind.INTERIM)
    held = match.held_meetings()
    if interim is None or interim.recorded_at is None:
        return pattern_notes(len(held), None) if t.phase is Phase.INTERIM_EVALUATION else []
    before = [m for m in held if m.starts_at < interim.recorded_at]
    after = len(held) - len(before)
    return pattern_notes(len(before), after if t.phase in (Phase.FINAL_EVALUATION, Phase.CLOSED) else None)


def board_row(t: Trajectory, mentee: str, mentor: str, now: datetime, refused: str = "") -> dict[str, str]:
    """One pair's row; ``refused``: why her last form to its run was not carried out."""
    last = t.history[-1] if t.history else None
    due = next_due(t, now)
    return {
        "traject": str(t.id),
        "mentee": mentee,
        "mentor": mentor or "-",
        "fase": t.phase.label,
        "status": describe(t),
        "laatste actie": f"{local_date(last.at):%d-%m-%Y} {last.what}" if last else "",
        "volgende": f"{local_date(due):%d-%m-%Y}" if due else "",
        "achterstand": "; ".join(overdue(t, now)),
        "let op": "; ".join(guidance(t)),
        "niet uitgevoerd": refused,
    }


def sort_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """A form of hers that was refused first, then what is overdue, then by trajectory."""
    return sorted(rows, key=lambda r: (r.get("niet uitgevoerd", "") == "", r["achterstand"] == "", int(r["traject"])))
