"""The end: thank both after the final evaluation, or tell the others of a withdrawal."""

from __future__ import annotations

from domain.occasion_keys import Whole
from domain.people import Role
from domain.phases import Phase
from flows.meetings import meeting_messages
from tasks.artifacts import publish_documents
from tasks.mail import send_all
from tasks.messages import Message
from tasks.store import Snapshot
from wiring.bootstrap import Services


def close(svc: Services, s: Snapshot) -> None:
    t = s.trajectory
    messages = meeting_messages(s)  # cancellations of meetings still planned
    if t.phase is Phase.CLOSED:
        messages += [Message(trajectory_id=s.id, occasion=Whole.CLOSED.value, template="closed", to=role)
                     for role in (Role.MENTEE, Role.MENTOR)]
    elif t.phase is Phase.WITHDRAWN and t.withdrawal is not None:
        by = t.withdrawal.by
        told = [Role.FACILITATOR] + [r for r in (Role.MENTEE, Role.MENTOR) if r is not by]
        if t.match is None:
            told = [r for r in told if r is not Role.MENTOR]
        extra = {"reason": t.withdrawal.reason, "by_role": by.value}
        messages += [Message(trajectory_id=s.id, occasion=Whole.WITHDRAWN.value, template="withdrawn", to=role,
                             extra=extra) for role in told]
    send_all(svc, messages)
    publish_documents(svc, s.trajectory)
