"""Retention: trajectories that ended longer ago than the setting lose their personal data.

Both programmes: a trajectory's free texts are blanked and its Prefect run, inputs,
artifacts, logs and events are deleted; a person of programme A is erased once every
trajectory they were in has expired (an application without a trajectory: once it is
older than the period). Programme B's people (trainers, mentors, staff) are the
institute's roster, not an application: they stay until erased on request.
"""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.personal_data import PersonalData, Rows
from domain.events import Event
from domain.hao.privacy import forget_hao
from domain.hao.trajectory import HaoTrajectory
from domain.hao.trajectory import HistoryEntry as HaoEntry
from domain.privacy import (
    PARTICIPANTS,
    ended_at,
    expired,
    forget_authors,
    retention_done,
    scrub,
)
from domain.trajectory import HistoryEntry, Trajectory
from tasks.privacy import Plan, carry_out, name_words, rewritten, run_scope
from wiring.bootstrap import Services


def retention_plan(svc: Services, now: datetime, keep_days: int) -> tuple[Plan, Rows]:
    """The trajectories past the period, and the people whose every trajectory is."""
    gone: dict[int, Trajectory] = {}
    involved: dict[int, list[bool]] = {}  # person id -> per trajectory: expired (or anonymised already)?
    for tid in svc.repo.trajectory_ids():
        t, _ = svc.repo.trajectory(tid)
        done = retention_done(t.history)
        past = done or expired(ended_at(t), now, keep_days)
        if past and not done:
            gone[tid] = t
        for pid in {t.mentee_id, *(m.mentor_id for m in t.matches)}:
            involved.setdefault(pid, []).append(past)

    def due(person: dict) -> bool:
        if person["id"] in involved:
            return all(involved[person["id"]])
        applied = person["applied_at"]
        return expired(applied if applied.tzinfo else applied.replace(tzinfo=UTC), now, keep_days)

    rows = Rows(people=[p for p in PersonalData(svc.engine).people_applied() if due(p)])
    plan = Plan(names=name_words(*rows.names(), *rows.addresses()))

    def peer(t: Trajectory) -> list[str]:
        texts = forget_authors(t, PARTICIPANTS)
        rewritten(t, scrub(t.model_dump(mode="json"), plan.names))
        t.history.append(HistoryEntry(at=now, phase=t.phase, kind=Event.RETENTION))
        return texts

    def hao(t: HaoTrajectory) -> list[str]:
        texts = forget_hao(t)
        t.history.append(HaoEntry(at=now, kind=Event.RETENTION))
        return texts

    plan.peer = dict.fromkeys(gone, peer)
    for h in svc.hao.repo.all():
        if expired(h.closed_at, now, keep_days) and not retention_done(h.history):
            plan.hao[h.require_id()] = hao
    for t in gone.values():
        plan.texts += forget_authors(t.model_copy(deep=True), PARTICIPANTS)
    for hid in plan.hao:
        plan.texts += forget_hao(svc.hao.repo.trajectory(hid)[0])
    plan.scope = run_scope(svc, plan)
    plan.scope.delete_runs = True
    return plan, rows


def apply_retention(svc: Services, now: datetime, keep_days: int) -> dict[str, int]:
    """Anonymise what expired; counts of what was done (nothing when nothing expired)."""
    plan, rows = retention_plan(svc, now, keep_days)
    if not (plan.peer or plan.hao or rows.people):
        return {"trajectories": 0, "hao_trajectories": 0, "people": 0}
    counts = carry_out(svc, plan, rows)
    counts["people"] = len(rows.people)
    return counts
