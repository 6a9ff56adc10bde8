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
from flows.hao.common import HaoSnapshot, conversation_messages, run_phases, staff_messages, wait
from tasks.hao_messages import HaoMessage
from tasks.mail import send_all
from wiring.bootstrap import Services


def goals(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    sign = HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.GOALS).key, template="hao_guidance_goals",
                      to=HaoRole.TRAINER, link="hao_goals", link_ref=whole(HaoStep.GOALS).key)
    send_all(svc, [*staff_messages(svc, t, whole(HaoStep.STARTED), "hao_guidance_started"), sign])
    wait(svc, s, "goals")


def conversations(svc: Services, s: HaoSnapshot) -> None:
    send_all(svc, conversation_messages(s.trajectory))
    wait(svc, s, "conversations")


def report(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    send_all(svc, [HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.REPORT_REQUEST).key,
                              template="hao_report_request", to=HaoRole.MENTOR, link="hao_report",
                              link_ref=whole(HaoStep.REPORT).key)])
    wait(svc, s, "report")


def discussion(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    send_all(svc, [HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.DISCUSS).key,
                              template="hao_discuss_request", to=HaoRole.TRAINER, link="hao_discussed",
                              link_ref=whole(HaoStep.DISCUSSED).key)])
    wait(svc, s, "discussion")


def release(svc: Services, s: HaoSnapshot) -> None:
    """The report and any dissent go to the institute: only reached after the trainer's signature."""
    t = s.trajectory
    assert isinstance(t, Guidance)
    if t.released:
        copy = HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.RELEASED).key, template="hao_report_released",
                          to=HaoRole.MENTOR)
        send_all(svc, [*staff_messages(svc, t, whole(HaoStep.RELEASED), "hao_report_released"), copy])


STEPS = {HaoPhase.GOALS: goals, HaoPhase.CONVERSATIONS: conversations, HaoPhase.REPORT: report,
         HaoPhase.DISCUSSION: discussion}


@flow(name="hao-guidance", log_prints=True, persist_result=True)
def hao_guidance(trajectory_id: int) -> str:
    """Gerichte begeleiding: doelen getekend → gesprekken → resultaatverslag → besproken en getekend → vrijgegeven.

    Waits: the trainer's signature on the goals, the mentor's conversations and report,
    the trainer's signature that the report was discussed (portal, no timeout).
    """
    return run_phases(trajectory_id, STEPS, release)
