"""Phases 4 and 5, plan and sign-off: the mentee writes the plan, both sign.

Waits: the plan (mentee, portal), then both signatures on the same plan version
(portal). The mentee may revise the plan until both have signed (a link on her signing
page and in the facilitator's comment); each version gets new signing links. The
facilitator's comment is optional, at the mentee's wish: only then does signing wait
for it (``PlanReview``), and it reaches the mentee by mail.
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
    send_all(plan_messages(s))

    def record(review: PlanReview, given_at: datetime | None) -> list[str]:
        if review.comment.strip():
            return comment_plan(s.id, review.comment, given_at)
        return []

    wait(s, "plan", PlanReview, record)


def plan_messages(s: Snapshot) -> list[Message]:
    """The plan's requests: write it; the facilitator's review and her comment when the mentee asked
    for them; the signatures of the current version once no comment is awaited."""
    t = s.trajectory
    match = t.require_match()
    k = f"k{match.number}"
    messages = [Message(trajectory_id=s.id, occasion=f"{k}-plan-request", template="plan_request", to=Role.MENTEE,
                        link="plan", link_ref=f"{k}-plan")]
    plan = match.plan
    if plan is not None:
        v = plan.version
        if plan.review_wanted:
            messages.append(Message(trajectory_id=s.id, occasion=f"{k}-plan-v{v}-review", template="plan_for_review",
                                    to=Role.FACILITATOR))
        if plan.commented_at is not None:  # her comment, with a link to revise the plan into version v + 1
            messages.append(Message(trajectory_id=s.id, occasion=f"{k}-plan-v{v}-comment", template="plan_comment",
                                    to=Role.MENTEE, link="plan", link_ref=f"{k}-plan-v{v + 1}",
                                    extra={"comment": plan.facilitator_comment, "version": v}))
        messages += sign_requests(s)
    return messages


def sign_requests(s: Snapshot) -> list[Message]:
    """A signing link for each who has not signed the current version (none while a comment is awaited)."""
    match = s.trajectory.require_match()
    plan = match.plan
    if plan is None or plan.awaiting_review:
        return []
    v = plan.version
    return [
        Message(trajectory_id=s.id, occasion=f"{sign_ref(match.number, v)}-request", template="sign_request",
                to=role, link="sign", link_ref=sign_ref(match.number, v), link_extra={"plan_version": v})
        for role in (Role.MENTEE, Role.MENTOR)
        if role not in match.current_signatures()
    ]
