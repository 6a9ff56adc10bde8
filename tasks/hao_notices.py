"""Reminders and escalations for every wait of the three hao kinds, sent by the hao sweep.

The open acts and what is due come from the domain (``domain.hao.acts``) on programme B's one
policy; this sends them as plain mails (no task run per mail: the sweep's run shows a count,
nothing of whom it reminded). A reminder carries the personal link that does the act; an
escalation goes to whoever can act (for a consultation only the trainer). The outbox key of
each makes it go out once.
"""

from __future__ import annotations

import logging

from domain.hao.acts import STAFF, HaoActStep, HaoNotice, due_notices
from domain.hao.people import HaoRole
from domain.hao.trajectory import Consultation, HaoTrajectory
from domain.reminders import policy_for
from tasks.hao_messages import HaoMessage
from tasks.mail import post
from wiring.bootstrap import Services

log = logging.getLogger(__name__)


def notice_messages(t: HaoTrajectory, notice: HaoNotice, staff: list[int], chairs: list[int]) -> list[HaoMessage]:
    """One message per recipient: the contact persons and the chairs each get their own."""
    act = notice.act
    extra = {"step": act.step.value, "n": notice.number, "since": act.since.isoformat(), "about_role": act.role.value}
    link, link_ref, link_extra = (None, "", {}) if notice.escalation else (act.link, act.ref.key, act.link_extra)
    answer = act.step is HaoActStep.ANSWER
    if notice.escalation:
        template = "hao_answer_waiting" if isinstance(t, Consultation) and answer else "hao_escalation"
    else:
        template = "hao_answer_reminder" if answer else "hao_reminder"
    groups: dict[HaoRole, list[int | None]] = {STAFF: [*staff], HaoRole.CHAIR: [*chairs]}
    people = groups.get(notice.to, [None])
    return [HaoMessage(trajectory_id=t.id, occasion=notice.occasion, template=template, to=notice.to,
                       person_id=pid, link=link, link_ref=link_ref, link_extra=link_extra,
                       conversation=act.conversation, extra=extra) for pid in people]


def send_hao_notices(svc: Services) -> int:
    """Send every reminder and escalation due now, for every open hao trajectory; returns how many."""
    now = svc.clock.now()
    policy = policy_for("hao")
    if not policy.may_send(now):
        return 0
    hao = svc.hao.repo
    staff = [p.id for p in hao.people(HaoRole.STAFF) if p.id is not None]
    chairs = [p.id for p in hao.people(HaoRole.CHAIR) if p.id is not None]
    sent = 0
    for t in hao.all():
        notices = due_notices(t, now, policy)
        messages = [m for n in notices for m in notice_messages(t, n, staff, chairs)]
        known = svc.outbox.known([m.key for m in messages]) if messages else set()
        for message in (m for m in messages if m.key not in known):
            try:
                sent += post(svc, message, now)
            except Exception as exc:  # stored, or not: the next sweep tries again; the others go on
                log.warning("hao herinnering: traject %s: %s", t.id, type(exc).__name__)
    return sent
