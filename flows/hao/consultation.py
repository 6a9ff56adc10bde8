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

from domain.hao.owed import answer_owed, consultation_closed_owed, consultation_conversations_owed
from domain.hao.trajectory import Consultation, HaoPhase
from flows.hao.common import HaoSnapshot, run_phases, send_owed, wait
from wiring.bootstrap import Services


def answer(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Consultation)
    send_owed(svc, answer_owed(t))
    wait(svc, s, "answer")


def conversations(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Consultation)
    send_owed(svc, consultation_conversations_owed(t))
    wait(svc, s, "conversations")


def close(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Consultation)
    send_owed(svc, consultation_closed_owed(t))


STEPS = {HaoPhase.ANSWER: answer, HaoPhase.CONVERSATIONS: conversations}


@flow(name="hao-consultation", log_prints=True, persist_result=True)
def hao_consultation(trajectory_id: int) -> str:
    """Vertrouwelijke consultatie: verzoek → antwoord van de mentor → gesprekken (één of een reeks) →
    afgesloten door opleider of mentor (of afgewezen, met een voorstel voor een collega-mentor).

    Waits: the mentor's answer, the mentor's planning and record of each conversation, the trainer's
    close (portal).
    """
    return run_phases(trajectory_id, STEPS, close)
