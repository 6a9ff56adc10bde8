"""Tasks that read and change the record of truth.

Each change is a domain method applied through a conditional update, so a replayed
run that calls it again changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from domain.clock import act_time, facilitator_time
from domain.errors import DomainError
from domain.people import Role
from domain.timing import evaluation_due_since
from domain.trajectory import EvaluationKind, Trajectory
from wiring.bootstrap import Services


class Snapshot(BaseModel):
    """The trajectory as the database has it now, and the clock's now."""

    trajectory: Trajectory
    version: int
    now: datetime

    @property
    def id(self) -> int:
        """The trajectory's id, which a trajectory read from the store always has."""
        return self.trajectory.require_id()


def given_or_now(t: Trajectory, given: datetime | None, now: datetime) -> datetime:
    """When to record an act given at ``given``: see ``domain.clock.act_time``."""
    return act_time(given, t.history[-1].at if t.history else None, now)


def load(svc: Services, trajectory_id: int) -> Snapshot:
    """Read the trajectory; every decision of the flow starts from this (a plain read, no task run)."""
    t, version = svc.repo.trajectory(trajectory_id)
    return Snapshot(trajectory=t, version=version, now=svc.clock.now())


def forget_topics(svc: Services, trajectory_id: int, meetings: set[int], keys: list[str]) -> None:
    """Clear the topics of ``meetings`` once every one of their messages (``keys``) is in the outbox."""
    if set(keys) <= svc.outbox.known(keys):
        svc.repo.change(trajectory_id, lambda t: t.forget_topics(meetings), svc.clock.now())


@task(name="confirm application", cache_policy=NO_CACHE)
def confirm_application(svc: Services, trajectory_id: int) -> None:
    svc.repo.change(trajectory_id, lambda t: t.confirm_application(svc.clock.now()), svc.clock.now())


@task(name="comment on plan", cache_policy=NO_CACHE)
def comment_plan(svc: Services, trajectory_id: int, comment: str, given_at: datetime | None = None) -> list[str]:
    """Her comment on the plan (mailed to the mentee by the flow); a refusal under the form's label, or []."""
    now = svc.clock.now()
    try:
        svc.repo.change(trajectory_id, lambda t: t.comment_plan(comment, given_or_now(t, given_at, now)), now)
    except DomainError as exc:
        return [f"Commentaar op het plan: {exc.reason}"]
    return []


@task(name="start evaluation", cache_policy=NO_CACHE)
def start_evaluation(svc: Services, trajectory_id: int, kind: EvaluationKind) -> None:
    """Enter the evaluation phase, dated when the rules made it due (the run may wake later)."""
    now = svc.clock.now()
    svc.repo.change(
        trajectory_id, lambda t: t.start_evaluation(kind, given_or_now(t, evaluation_due_since(t, kind), now)), now
    )


@task(name="record evaluation", cache_policy=NO_CACHE)
def record_evaluation(svc: Services, trajectory_id: int, kind: EvaluationKind, contact: str, outcome: str,
                      given_at: datetime | None = None) -> str:
    """Write the facilitator's record of the evaluation contact; returns a refusal reason or ''."""
    now = svc.clock.now()
    try:
        svc.repo.change(
            trajectory_id, lambda t: t.record_evaluation(kind, contact, outcome, given_or_now(t, given_at, now)), now
        )
    except DomainError as exc:
        return f"{exc.field}: {exc.reason}"
    return ""


class Steering(BaseModel):
    """The facilitator's steering acts that any waiting run's form offers."""

    move_meeting: int | None = None
    move_to: datetime | None = None
    rematch_reason: str = ""
    end_reason: str = ""

    def __bool__(self) -> bool:
        return bool(self.move_meeting is not None or self.move_to is not None or self.rematch_reason.strip()
                    or self.end_reason.strip())


MOVE, REMATCH, END = "Bijeenkomst verzetten", "Nieuwe match starten", "Traject beëindigen"  # the form's labels


def steer(svc: Services, trajectory_id: int, steering: Steering, given_at: datetime | None = None) -> list[str]:
    """Apply each steering act through the domain's rules; returns the refusals, each under the
    form's label. Nothing asked, nothing done (and no task run)."""
    if not steering:
        return []
    return apply_steering(svc, trajectory_id, steering, given_at)


@task(name="facilitator steers", cache_policy=NO_CACHE)
def apply_steering(svc: Services, trajectory_id: int, steering: Steering,
                   given_at: datetime | None = None) -> list[str]:
    now = svc.clock.now()
    refusals: list[str] = []
    acts: list[tuple[str, Callable[[Trajectory], object]]] = []
    number, moved_to = steering.move_meeting, steering.move_to
    if number is None and moved_to is not None:
        refusals.append(f"{MOVE}: vul ook het nummer van de bijeenkomst in")
    elif number is not None and moved_to is None:
        refusals.append(f"{MOVE}: vul ook de nieuwe datum en tijd in")
    elif number is not None and moved_to is not None:
        try:
            when = facilitator_time(moved_to, "move_to")
        except DomainError as exc:
            refusals.append(f"{MOVE}: {exc.reason}")
        else:
            acts.append((MOVE, lambda t: t.reschedule_meeting(number, when, given_or_now(t, given_at, now),
                                                              by=Role.FACILITATOR)))
    if steering.rematch_reason.strip() and steering.end_reason.strip():  # which did she mean?
        refusals.append(f"{REMATCH} en {END}: kies één van beide; geen van beide is gedaan")
    elif steering.rematch_reason.strip():
        acts.append((REMATCH, lambda t: t.withdraw(Role.MENTOR, steering.rematch_reason,
                                                   given_or_now(t, given_at, now))))
    elif steering.end_reason.strip():
        acts.append((END, lambda t: t.withdraw(Role.FACILITATOR, steering.end_reason,
                                               given_or_now(t, given_at, now))))
    for label, act in acts:
        try:
            svc.repo.change(trajectory_id, act, now)
        except DomainError as exc:
            refusals.append(f"{label}: {exc.reason}")
    return refusals


@task(name="facilitator's note", cache_policy=NO_CACHE)
def record_note(svc: Services, trajectory_id: int, note: str, given_at: datetime | None = None) -> list[str]:
    """Her note into the trajectory's history, as the form promises; a refusal, or []."""
    now = svc.clock.now()
    try:
        svc.repo.change(trajectory_id, lambda t: t.add_note(note, Role.FACILITATOR, given_or_now(t, given_at, now)),
                        now)
    except DomainError as exc:
        return [f"Toelichting: {exc.reason}"]
    return []


def cohort_will_propose(svc: Services, cohort: str) -> bool:
    """True while the cohort's own run has still to propose and approve the first matching.

    Until then a mentee's first match is not the facilitator's to make one by one, so no
    'matching needed' mail and no reminders about it.
    """
    return svc.cohorts.plan(cohort) is not None and svc.cohorts.stage(cohort) not in ("approved", "matched")
