"""The cohort of programme A: from the scheduled kickoff to an approved matching.

One flow run per cohort, started by the deployment's Cron schedule (Europe/Amsterdam).
It waits suspended, holding no process, like a trajectory run; the database holds
the key of each wait, and the timer sweep wakes it when a deadline passes.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TypeVar

from prefect import flow
from prefect.flow_runs import suspend_flow_run

from domain.cohort import CohortPlan
from flows.cohort_inputs import CohortWake, MatchingApproval, TrainingAttendance
from mentorschap.bootstrap import services
from tasks.cohort import (
    attendance_recorded,
    deadline_passed,
    hand_out,
    invite_members,
    invite_to_training,
    open_cohort,
    open_cohort_wait,
    propose_matching,
    publish_applications,
    record_cohort_wake,
    record_training,
    settle_matching,
)
from tasks.runs import input_given_at

log = logging.getLogger(__name__)
W = TypeVar("W", bound=CohortWake)

# The timed waits: label -> which deadline of the plan ends it.
DEADLINES = {"mentors-closed": "mentor_deadline", "mentees-closed": "mentee_deadline"}


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
    opened = open_cohort(plan, members_csv)
    if opened is None:
        print(f"{plan.id}: de aanmeldperiode is voorbij; dit cohort wordt niet meer geopend")
        return {"cohort": plan.id, "matched": 0}
    plan = opened
    invite_members(plan)
    publish_applications(plan)
    until(plan, "mentors-closed")
    invite_to_training(plan)
    publish_applications(plan)
    while not attendance_recorded(plan):
        attendance, _ = wait(plan, "training", TrainingAttendance)
        if attendance.attended_mentor_ids:
            record_training(plan, attendance.attended_mentor_ids)
    publish_applications(plan)
    until(plan, "mentees-closed")
    propose_matching(plan)
    while True:
        approval, approved_at = wait(plan, "approval", MatchingApproval)
        if not settle_matching(plan, *_approval(approval), approved_at):
            break
    moved = hand_out(plan, approved_at)
    return {"cohort": plan.id, "matched": moved}


def _approval(received: MatchingApproval) -> tuple[bool, list[dict]]:
    return received.approve, [c.model_dump() for c in received.changes]


def until(plan: CohortPlan, label: str) -> None:
    """Wait, suspended, until the plan's deadline for ``label`` has passed."""
    while not deadline_passed(plan, DEADLINES[label]):
        wait(plan, label, CohortWake)


def wait(plan: CohortPlan, label: str, model: type[W]) -> tuple[W, datetime | None]:
    """Suspend at a key fixed in the database (the same key when the run replays), then record the wake-up.

    Returns the input and the time it was given (a form sent while no worker ran counts from then).
    """
    key = open_cohort_wait(plan.id, label)
    received = suspend_flow_run(wait_for_input=model, key=key, timeout=None)
    given_at = input_given_at(key)
    record_cohort_wake(plan.id, key)
    return received, given_at


def wake_due_cohorts() -> int:
    """For the timer sweep: wake every cohort run whose timed wait has reached its deadline."""
    from adapters.cohort_runs import wake_cohort

    svc = services()
    now = svc.clock.now()
    woken = 0
    for cohort_id, _run_id, key, plan in svc.cohorts.waiting():
        label = next((lbl for lbl in DEADLINES if key.endswith(f"-{lbl}")), None)
        if label and now >= getattr(plan, DEADLINES[label]):
            try:
                woken += wake_cohort(svc.cohorts, cohort_id, label, {"woken_by": "timer", "note": label})
            except Exception as exc:  # the next sweep tries again
                log.warning("cohort %s: wake-up failed: %s", cohort_id, exc)
    return woken
