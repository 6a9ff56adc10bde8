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

from domain.hao.occasion_keys import HaoStep, whole
from domain.hao.people import HaoRole
from domain.hao.trajectory import Guidance, HaoPhase
from flows.hao.common import HaoSnapshot, conversation_messages, load, send_all, staff_messages, wait
from tasks.hao_messages import HaoMessage


def goals(s: HaoSnapshot) -> None:
    t = s.trajectory
    sign = HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.GOALS).key, template="hao_guidance_goals",
                      to=HaoRole.TRAINER, link="hao_goals", link_ref=whole(HaoStep.GOALS).key)
    send_all([*staff_messages(t, whole(HaoStep.STARTED), "hao_guidance_started"), sign])
    wait(s, "goals")


def conversations(s: HaoSnapshot) -> None:
    send_all(conversation_messages(s.trajectory))
    wait(s, "conversations")


def report(s: HaoSnapshot) -> None:
    t = s.trajectory
    send_all([HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.REPORT_REQUEST).key, template="hao_report_request",
                         to=HaoRole.MENTOR, link="hao_report", link_ref=whole(HaoStep.REPORT).key)])
    wait(s, "report")


def discussion(s: HaoSnapshot) -> None:
    t = s.trajectory
    send_all([HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.DISCUSS).key, template="hao_discuss_request",
                         to=HaoRole.TRAINER, link="hao_discussed", link_ref=whole(HaoStep.DISCUSSED).key)])
    wait(s, "discussion")


def release(s: HaoSnapshot) -> None:
    """The report and any dissent go to the institute: only reached after the trainer's signature."""
    t = s.trajectory
    assert isinstance(t, Guidance)
    if t.released:
        copy = HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.RELEASED).key, template="hao_report_released",
                          to=HaoRole.MENTOR)
        send_all([*staff_messages(t, whole(HaoStep.RELEASED), "hao_report_released"), copy])


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
