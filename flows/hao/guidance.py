"""Targeted guidance (gerichte begeleiding), asked by the institute or a colleague.

Waits (suspended, no timeout; all through the portal):
- goals: the trainer signs the described goals;
- conversations: the mentor plans and records them, and says when they are done;
- report: the mentor writes the results report;
- discussion: the trainer signs that it was discussed (optional dissent); only then
  the report is released to the institute's contact persons.
"""

from __future__ import annotations

from prefect import flow

from domain.hao.owed import conversations_owed, discussion_owed, goals_owed, released_owed, report_owed
from domain.hao.trajectory import Guidance, HaoPhase
from flows.hao.common import HaoSnapshot, run_phases, send_owed, staff_ids, wait
from wiring.bootstrap import Services


def goals(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_owed(svc, goals_owed(t, staff_ids(svc)))
    wait(svc, s, "goals")


def conversations(svc: Services, s: HaoSnapshot) -> None:
    send_owed(svc, conversations_owed(s.trajectory))
    wait(svc, s, "conversations")


def report(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_owed(svc, report_owed(t))
    wait(svc, s, "report")


def discussion(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_owed(svc, discussion_owed(t))
    wait(svc, s, "discussion")


def release(svc: Services, s: HaoSnapshot) -> None:
    """The report and any dissent go to the institute: only reached after the trainer's signature."""
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_owed(svc, released_owed(t, staff_ids(svc)))


STEPS = {HaoPhase.GOALS: goals, HaoPhase.CONVERSATIONS: conversations, HaoPhase.REPORT: report,
         HaoPhase.DISCUSSION: discussion}


@flow(name="hao-guidance", log_prints=True, persist_result=True)
def hao_guidance(trajectory_id: int) -> str:
    """Gerichte begeleiding: doelen getekend → gesprekken → resultaatverslag → besproken en getekend → vrijgegeven.

    Waits: the trainer's signature on the goals, the mentor's conversations and report,
    the trainer's signature that the report was discussed (portal, no timeout).
    """
    return run_phases(trajectory_id, STEPS, release)
