"""Progress conversations with a starting trainer (voortgangsgesprekken).

Waits (suspended, no timeout):
- coupling: the COMO chair chooses a mentor through the personal link in her mail (portal),
  or with the ``MentorCoupling`` form on this run (Prefect UI); the first one counts;
- conversations: the mentor plans each, records it with a short report (signing it),
  and the trainer signs the report (portal). Two reports signed by both meet the minimum:
  the contact persons and both participants hear so, and the mentor may plan more (each
  signed report goes to the dossier and to the contact persons). It closes when the mentor
  says the last one was the last, or at the due date (``Progress._close_if_done``).
The hao sweep acts at the due date: it flags fewer than two signed reports (the run then
tells the contact persons) or closes a trajectory that met the minimum and is idle.
"""

from __future__ import annotations

from datetime import datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from domain.clock import act_time
from domain.errors import DomainError
from domain.hao.owed import coupling_owed, dossier_owed, progress_conversations_owed
from domain.hao.people import HaoRole
from domain.hao.trajectory import HaoPhase, Progress, as_progress
from flows.hao.common import HaoSnapshot, messages, run_phases, send_owed, staff_ids, wait
from flows.hao.inputs import MentorCoupling
from tasks.hao_messages import HaoMessage
from wiring.bootstrap import Services


@task(name="couple mentor", cache_policy=NO_CACHE, persist_result=False)
def couple(svc: Services, trajectory_id: int, mentor_id: int, given_at: datetime | None = None) -> str:
    """Record the chair's choice; a refusal is returned as its reason."""
    mentors = {p.id for p in svc.hao.repo.people(HaoRole.MENTOR) if p.available}
    chairs = [p.id for p in svc.hao.repo.people(HaoRole.CHAIR) if p.id is not None]
    if mentor_id not in mentors:
        return f"{mentor_id} is geen beschikbare hao-mentor"
    try:
        now = svc.clock.now()
        chair = chairs[0] if chairs else 0
        svc.hao.repo.change(trajectory_id, lambda t: as_progress(t).couple(
            mentor_id, chair, act_time(given_at, t.history[-1].at if t.history else None, now)), now)
    except DomainError as exc:
        return exc.reason
    return ""


def coupling(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Progress)
    send_owed(svc, coupling_owed(t, chair_ids(svc), staff_ids(svc)))

    def record(choice: MentorCoupling, given_at: datetime | None) -> list[str]:
        if choice.mentor_id is not None and (refusal := couple(svc, t.require_id(), choice.mentor_id, given_at)):
            return [f"Hao-mentor: {refusal}"]
        return []

    wait(svc, s, "coupling", MentorCoupling, record)


def chair_ids(svc: Services) -> list[int]:
    """The COMO chair(s) (a plain read, no task run)."""
    return [p.id for p in svc.hao.repo.people(HaoRole.CHAIR) if p.id is not None]


def dossier_messages(svc: Services, t: Progress) -> list[HaoMessage]:
    """The dossier's mail as it now is (``domain.hao.owed.dossier_owed``)."""
    return messages(dossier_owed(t, staff_ids(svc)))


def conversations(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Progress)
    send_owed(svc, progress_conversations_owed(t, staff_ids(svc)))
    wait(svc, s, "conversations")


def close(svc: Services, s: HaoSnapshot) -> None:
    t = s.trajectory
    assert isinstance(t, Progress)
    send_owed(svc, dossier_owed(t, staff_ids(svc)))


STEPS = {HaoPhase.COUPLING: coupling, HaoPhase.CONVERSATIONS: conversations}


@flow(name="hao-progress", log_prints=True, persist_result=True)
def hao_progress(trajectory_id: int) -> str:
    """Voortgangsgesprekken met een startende opleider: koppeling door de voorzitter COMO → minstens twee
    gesprekken (meer mag), elk met een kort verslag dat beiden tekenen → in het hao-dossier.

    Waits: the chair's MentorCoupling (this run's form), the mentor's and the trainer's acts (portal);
    the hao sweep wakes it at the due date if fewer than two reports are signed (flag to the institute).
    """
    return run_phases(trajectory_id, STEPS, close)
