"""The mentee trajectory: one long-lived flow run from application to final evaluation."""

from __future__ import annotations

from collections.abc import Callable

from prefect import flow

from domain.phases import Phase
from flows import application, closure, evaluation, kennismaking, matching, meetings, plan
from tasks.runs import name_run, run_label
from tasks.store import Snapshot, load
from wiring.bootstrap import Services, run_services

STEPS: dict[Phase, Callable[[Services, Snapshot], None]] = {
    Phase.MATCHING: matching.find_mentor,
    Phase.KENNISMAKING: kennismaking.meet,
    Phase.PLAN: plan.write_and_sign,
    Phase.MEETINGS: meetings.hold,
    Phase.INTERIM_EVALUATION: evaluation.evaluate,
    Phase.FURTHER_MEETINGS: meetings.hold,
    Phase.FINAL_EVALUATION: evaluation.evaluate,
}


@flow(name="mentee-trajectory", log_prints=True, persist_result=True)
def mentee_trajectory(trajectory_id: int) -> str:
    """Eén mentee-traject: aanmelding → matching → kennismaking → plan en ondertekening →
    bijeenkomsten → tussenevaluatie → vervolgbijeenkomsten → eindevaluatie → afgesloten.

    Waits (the run is suspended; no process is held; no timeout, the sweep sends reminders):
    - matching: the facilitator's MentorChoice (this run's input form, or `mentorschap match`);
    - kennismaking: both participants' answers (portal);
    - plan: the mentee's plan, then both signatures on one plan version (portal);
    - meetings: a proposed date, then the confirmation after the meeting (portal);
    - interim and final evaluation: the facilitator's EvaluationRecord.
    Every wait's form also lets the facilitator move a meeting within the rules, start a
    rematch or end the trajectory early. Every wake-up re-reads the database, which is the
    record of truth; a withdrawal or a mentor who leaves is seen at the next wake-up.
    """
    with run_services() as svc:
        application.confirm(svc, load(svc, trajectory_id))
        while not (s := load(svc, trajectory_id)).trajectory.phase.ended:
            name_run(*run_label(svc, s))
            if s.trajectory.phase is Phase.APPLICATION:
                application.confirm(svc, s)
                continue
            STEPS[s.trajectory.phase](svc, s)
        name_run(*run_label(svc, s))
        closure.close(svc, s)
        return s.trajectory.phase.value
