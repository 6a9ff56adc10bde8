"""Reminders for a consultation the mentor has not answered (a minimal hook in the hao sweep).

Programme B's reminder policy (``domain.reminders``: 5 and 10 days, then 14) read for
this one wait: the mentor gets the answer link again, and after that only the trainer
hears that no answer came (with the mentor list to ask someone else); for a
consultation nobody else may. Each notice's outbox key makes it go out once. The
general reminders for every hao wait are to replace this hook.
"""

from __future__ import annotations

import logging

from domain.hao.people import HaoRole
from domain.hao.requests import answer_notices
from domain.hao.trajectory import Consultation, HaoPhase, Kind
from domain.reminders import policy_for
from tasks.hao_messages import HaoMessage, deliver_hao
from wiring.bootstrap import Services, services

log = logging.getLogger(__name__)


def notice_messages(t: Consultation, now_notices: list[tuple[str, int]]) -> list[HaoMessage]:
    messages = []
    for what, n in now_notices:
        if what == "reminder":
            messages.append(HaoMessage(trajectory_id=t.id, occasion=f"answer-reminder-{n}",
                                       template="hao_answer_reminder", to=HaoRole.MENTOR, link="hao_answer",
                                       link_ref="answer", extra={"n": n}))
        else:
            messages.append(HaoMessage(trajectory_id=t.id, occasion="answer-escalation",
                                       template="hao_answer_waiting", to=HaoRole.TRAINER))
    return messages


def remind_unanswered(svc: Services | None = None) -> int:
    """Send what is due for each consultation waiting for its mentor's answer; forget stale list requests.

    Plain sends (no task run per mail): the sweep's run shows a count, nothing of whom it reminded."""
    svc = svc or services()
    now = svc.clock.now()
    policy = policy_for("hao")
    sent = 0
    for t in svc.hao.repo.all(Kind.CONSULTATION):
        if not isinstance(t, Consultation) or t.phase is not HaoPhase.ANSWER:
            continue
        for message in notice_messages(t, answer_notices(t.opened_at, now, policy)):
            try:
                sent += deliver_hao(svc, message, now)
            except Exception as exc:  # stored, or not: the next sweep tries again; the others go on
                log.warning("hao sweep: consultation %s: %s", t.id, type(exc).__name__)
    svc.hao.requests.purge(now)
    return sent
