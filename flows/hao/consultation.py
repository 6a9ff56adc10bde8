"""A consultation (vrijblijvende consultatie), started by a trainer: confidential.

The run's name is "consultatie <pseudonym>", its tags "hao" and "hao:consultation",
its one parameter the trajectory id; it logs templates and ids only. The institute
gets nothing.

Waits (suspended, no timeout): the mentor plans a conversation (portal); after it the
mentor records it (claim, next date, or done); the trainer may close at any time (portal).
"""

from __future__ import annotations

from prefect import flow

from domain.hao.people import HaoRole
from domain.hao.trajectory import HaoPhase
from flows.hao.common import BOTH, HaoSnapshot, conversation_messages, load, send_all, wait
from tasks.hao_messages import HaoMessage


def conversations(s: HaoSnapshot) -> None:
    t = s.trajectory
    request = HaoMessage(trajectory_id=t.id, occasion="request", template="hao_consultation_request",
                         to=HaoRole.MENTOR)
    send_all([request, *conversation_messages(t)])
    wait(s, "conversations")


def close(s: HaoSnapshot) -> None:
    t = s.trajectory
    send_all([HaoMessage(trajectory_id=t.id, occasion="closed", template="hao_consultation_closed", to=role)
              for role in BOTH])


@flow(name="hao-consultation", log_prints=True, persist_result=True)
def hao_consultation(trajectory_id: int) -> str:
    """Vertrouwelijke consultatie: verzoek → gesprekken (één of een reeks) → afgesloten door opleider of mentor.

    Waits: the mentor's planning and record of each conversation, the trainer's close (portal).
    """
    while (s := load(trajectory_id)).trajectory.phase is not HaoPhase.CLOSED:
        conversations(s)
    close(s)
    return s.trajectory.phase.value
