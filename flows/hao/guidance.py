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
from flows.hao.common import HaoSnapshot, load, send_all, staff, wait


def goals(s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_all(goals_owed(t, staff()))
    wait(s, "goals")


def conversations(s: HaoSnapshot) -> None:
    send_all(conversations_owed(s.trajectory))
    wait(s, "conversations")


def report(s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_all(report_owed(t))
    wait(s, "report")


def discussion(s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_all(discussion_owed(t))
    wait(s, "discussion")


def release(s: HaoSnapshot) -> None:
    """The report and any dissent go to the institute: only reached after the trainer's signature."""
    t = s.trajectory
    assert isinstance(t, Guidance)
    send_all(released_owed(t, staff()))


STEPS = {HaoPhase.GOALS: goals, HaoPhase.CONVERSATIONS: conversations, HaoPhase.REPORT: report,
         HaoPhase.DISCUSSION: discussion}


@flow(name="hao-guidance", log_prints=True, persist_result=True)
def hao_guidance(trajectory_id: int) -> str:
    """Gerichte begeleiding: doelen getekend → gesprekken → resultaatverslag → besproken en getekend → vrijgegeven.

    Waits: the trainer's signature on the goals, the mentor's conversations and report,
    the trainer's signature that the report was discussed (portal, no timeout).
    """
    while (s := load(trajectory_id)).trajectory.phase is not HaoPhase.CLOSED:
        STEPS[s.trajectory.phase](s)
    release(s)
    return s.trajectory.phase.value
