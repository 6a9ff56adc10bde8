"""Phases 4 and 5, plan and sign-off: the mentee writes the plan, both sign.

Waits: the plan (mentee, portal), then both signatures on the same plan version
(portal); the facilitator may comment through ``PlanReview``. A changed plan
voids earlier signatures and sends new signing links.
"""

from __future__ import annotations

from datetime import datetime

from domain.people import Role
from domain.timing import sign_ref
from flows.common import send_all, wait
from flows.inputs import PlanReview
from tasks.messages import Message
from tasks.store import Snapshot, comment_plan


def write_and_sign(s: Snapshot) -> None:
    t = s.trajectory
    match = t.require_match()
    k = f"k{match.number}"
    messages = [Message(trajectory_id=s.id, occasion=f"{k}-plan-request", template="plan_request", to=Role.MENTEE,
                        link="plan", link_ref=f"{k}-plan")]
    if match.plan is not None:
        v = match.plan.version
        messages.append(Message(trajectory_id=s.id, occasion=f"{k}-plan-v{v}-review", template="plan_for_review",
                                to=Role.FACILITATOR))
        messages += [
            Message(trajectory_id=s.id, occasion=f"{sign_ref(match.number, v)}-request", template="sign_request",
                    to=role, link="sign", link_ref=sign_ref(match.number, v), link_extra={"plan_version": v})
            for role in (Role.MENTEE, Role.MENTOR)
            if role not in match.current_signatures()
        ]
    send_all(messages)

    def record(review: PlanReview, given_at: datetime | None) -> list[str]:
        if review.comment.strip():
            comment_plan(s.id, review.comment, given_at)
        return []

    wait(s, "plan", PlanReview, record)
