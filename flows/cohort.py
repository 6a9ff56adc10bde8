"""The cohort of programme A: from the scheduled kickoff to an approved matching.

One flow run per cohort, started by the deployment's Cron schedule (Europe/Amsterdam).
It waits suspended, holding no process, like a trajectory run (``flows.waiting``); the
sweep wakes it when a deadline passes or when an act was written while it waited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from prefect import flow

from domain.cohort import APPROVAL, MENTEES_CLOSED, MENTORS_CLOSED, TRAINING, WAITS_FOR, CohortPlan
from domain.waits import Subject
from flows import waiting
from flows.cohort_inputs import CohortWake, MatchingApproval, TrainingAttendance
from tasks.cohort import (
    hand_out,
    invite_members,
    invite_to_training,
    look,
    open_cohort,
    propose_matching,
    publish_applications,
    record_training,
    settle_matching,
)
from tasks.runs import name_run
from wiring.bootstrap import Services, run_services

W = TypeVar("W", bound=CohortWake)


@flow(name="cohort", log_prints=True, persist_result=True)
def cohort(plan: CohortPlan, members_csv: str = "") -> dict:
    """Een cohort: aanmeldperiode open → leden uitgenodigd → mentoraanmelding dicht → mentortraining
    (uitnodigingen, aanwezigheid) → menteeaanmelding dicht → matchingsvoorstel → goedkeuring →
    elk wachtend mentee-traject krijgt zijn mentor.

    Waits (the run is suspended; no process is held):
    - until mentor applications close (the timer sweep wakes it at ``mentor_deadline``);
    - for the training attendance: the ``TrainingAttendance`` form on this run, or `mentorschap attendance`;
    - until mentee applications close (``mentee_deadline``);
    - for the facilitator's ``MatchingApproval`` of the proposal (artifact on this run); a refused
      change asks again.
    """
    with run_services() as svc:
        opened = open_cohort(svc, plan, members_csv)
        if opened is None:
            print(f"{plan.id}: de aanmeldperiode is voorbij; dit cohort wordt niet meer geopend")
            return {"cohort": plan.id, "matched": 0}
        plan = opened
        invite_members(svc, plan)
        publish_applications(svc, plan)
        until(svc, plan, MENTORS_CLOSED)
        invite_to_training(svc, plan)
        publish_applications(svc, plan)
        while not (c := look(svc, plan)).attendance_recorded:
            wait(svc, plan, TRAINING, TrainingAttendance, c.version, lambda form, _: attended(svc, plan, form))
        publish_applications(svc, plan)
        until(svc, plan, MENTEES_CLOSED)
        propose_matching(svc, plan)
        approved_at: datetime | None = None
        while not (c := look(svc, plan)).approved:
            decided = wait(svc, plan, APPROVAL, MatchingApproval, c.version, lambda form, at: settle_matching(
                svc, plan, form.approve, [change.model_dump() for change in form.changes], at))
            if decided is not None:
                approved_at = decided[1]
        moved = hand_out(svc, plan, approved_at)
        return {"cohort": plan.id, "matched": moved}


def attended(svc: Services, plan: CohortPlan, form: TrainingAttendance) -> list[str]:
    """Record who attended; an empty list from her form is refused (a timer's wake-up asks nothing)."""
    if form.attended_mentor_ids:
        return record_training(svc, plan, form.attended_mentor_ids)
    return ["Aanwezige mentoren: vul de ids in van de mentoren die er waren"] if form.woken_by == "facilitator" else []


def until(svc: Services, plan: CohortPlan, label: str) -> None:
    """Wait, suspended, until the plan's deadline for ``label`` has passed."""
    deadline = plan.deadline(label)
    assert deadline is not None
    while (c := look(svc, plan)).now < deadline:
        wait(svc, plan, label, CohortWake, c.version)


def wait(svc: Services, plan: CohortPlan, label: str, model: type[W], seen: int,
         handle: Callable[[W, datetime | None], list[str]] | None = None) -> tuple[W, datetime | None] | None:
    """Wait at the cohort's ``label``; None (look again) when an act landed since version ``seen``,
    which the flow read before it looked at the cohort. ``handle``'s refusals are kept where she looks.
    The run's name says what it waits for, as a trajectory run's does."""
    name_run(f"{plan.name} · {WAITS_FOR[label]}", ["programma:peer", f"cohort:{plan.id}", f"wacht:{label}"])
    return waiting.wait(svc, Subject.cohort(plan.id), label, seen, model, handle)
