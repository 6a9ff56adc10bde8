"""Phases 4 and 5, plan and sign-off: the mentee writes the plan, both sign.

Waits: the plan (mentee, portal), then both signatures on the same plan version
(portal). The mentee may revise the plan until both have signed (a link on her signing
page and in the facilitator's comment); each version gets new signing links. The
facilitator's comment is optional, at the mentee's wish: only then does signing wait
for it (``PlanReview``), and it reaches the mentee by mail.
"""

from __future__ import annotations

from datetime import datetime

from domain.owed import plan_owed
from flows.common import wait
from flows.inputs import PlanReview
from tasks.mail import send_all
from tasks.messages import Message
from tasks.store import Snapshot, comment_plan
from wiring.bootstrap import Services


def write_and_sign(svc: Services, s: Snapshot) -> None:
    send_all(svc, plan_messages(s))

    def record(review: PlanReview, given_at: datetime | None) -> list[str]:
        if review.comment.strip():
            return comment_plan(svc, s.id, review.comment, given_at)
        return []

    wait(svc, s, "plan", PlanReview, record)


def plan_messages(s: Snapshot) -> list[Message]:
    """The plan's requests (``domain.owed.plan_owed``)."""
    return [Message.of(o) for o in plan_owed(s.trajectory)]

