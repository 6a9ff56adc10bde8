"""Phases 6 and 8, meetings: at most once per six weeks, within nine months of signing.

Waits: the mentee proposes a date (portal), confirms afterwards that it took place
and proposes the next one in the same form, or reschedules; either participant may
move or call off a planned meeting beforehand (the link in every invitation), and the
facilitator may move one. The timer sweep sends the topics request five days before a meeting, the
confirmation request when it has ended and the reminders, and wakes this run when
the interim (or final) evaluation is due.
"""

from __future__ import annotations

from domain.owed import meeting_owed, meetings_phase_owed
from domain.timing import due_evaluation
from flows.common import wait
from tasks.artifacts import publish_documents
from tasks.mail import send_all
from tasks.messages import Message
from tasks.store import Snapshot, forget_topics, start_evaluation
from wiring.bootstrap import Services


def meeting_messages(s: Snapshot) -> list[Message]:
    """Invitations (a new one for every change), cancellations and topics (``domain.owed.meeting_owed``)."""
    return [Message.of(o) for o in meeting_owed(s.trajectory)]


def attend(svc: Services, s: Snapshot) -> None:
    """Everything the meeting phases send: news of the signing, invitations, requests."""
    messages = phase_messages(s)
    send_all(svc, messages)
    forget_sent_topics(svc, s, [m for m in messages if m.template == "topics_for_mentor"])
    publish_documents(svc, s.trajectory)


def phase_messages(s: Snapshot) -> list[Message]:
    """News of the signing, invitations, requests to plan, and a changed plan's signatures
    (``domain.owed.meetings_phase_owed``)."""
    return [Message.of(o) for o in meetings_phase_owed(s.trajectory)]


def forget_sent_topics(svc: Services, s: Snapshot, topics: list[Message]) -> None:
    """A mentee's topics are kept only until their mail to the mentor is in the outbox (a plain call)."""
    if topics:
        forget_topics(svc, s.id, {m.meeting for m in topics if m.meeting is not None}, [m.key for m in topics])


def hold(svc: Services, s: Snapshot) -> None:
    attend(svc, s)
    kind = due_evaluation(s.trajectory, s.now)
    if kind is not None:
        start_evaluation(svc, s.id, kind)
        return
    wait(svc, s, "meetings")
