"""A consultation (vrijblijvende consultatie), started by a trainer: confidential.

The run's name is "consultatie <pseudonym>", its tags "hao" and "hao:consultation",
its one parameter the trajectory id; it logs templates and ids only. The institute
gets nothing.

Waits (suspended, no timeout):
- answer: the mentor accepts or declines (proposing a colleague) through the request
  mail's link; the hao sweep reminds the mentor and, after that, tells the trainer
  (``tasks.hao_notices``, as for every hao wait); a decline ends the run with word to the trainer;
- conversations: the mentor plans a conversation (portal); after it the mentor records it
  (claim, next date, or done); the trainer may close at any time (portal).
"""

from __future__ import annotations

from prefect import flow

from domain.hao.occasion_keys import HaoStep, whole
from domain.hao.people import HaoRole
from domain.hao.trajectory import Consultation, HaoPhase
from flows.hao.common import BOTH, HaoSnapshot, conversation_messages, run_phases, wait
from tasks.hao_messages import HaoMessage
from tasks.mail import send_all
from wiring.bootstrap import Services


def answer(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    send_all(svc, [HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.REQUEST).key,
                              template="hao_consultation_request", to=HaoRole.MENTOR, link="hao_answer",
                              link_ref=whole(HaoStep.ANSWER).key)])
    wait(svc, s, "answer")


def conversations(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Consultation)
    accepted = [HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.ACCEPTED).key,
                           template="hao_consultation_accepted", to=HaoRole.TRAINER)
                ] if t.accepted_at is not None else []  # (not one asked before)
    send_all(svc, [*accepted, *conversation_messages(t)])
    wait(svc, s, "conversations")


def close(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Consultation)
    if t.declined is not None:
        send_all(svc, [HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.DECLINED).key,
                                  template="hao_consultation_declined", to=HaoRole.TRAINER,
                                  extra={"proposed_mentor_id": t.declined.proposed_mentor_id})])
        return
    send_all(svc, [HaoMessage(trajectory_id=t.id, occasion=whole(HaoStep.CLOSED).key,
                              template="hao_consultation_closed", to=role) for role in BOTH])


STEPS = {HaoPhase.ANSWER: answer, HaoPhase.CONVERSATIONS: conversations}


@flow(name="hao-consultation", log_prints=True, persist_result=True)
def hao_consultation(trajectory_id: int) -> str:
    """Vertrouwelijke consultatie: verzoek → antwoord van de mentor → gesprekken (één of een reeks) →
    afgesloten door opleider of mentor (of afgewezen, met een voorstel voor een collega-mentor).

    Waits: the mentor's answer, the mentor's planning and record of each conversation, the trainer's
    close (portal).
    """
    return run_phases(trajectory_id, STEPS, close)
