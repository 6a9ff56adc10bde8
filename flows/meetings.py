"""Phases 6 and 8, meetings: at most once per six weeks, within nine months of signing.

Waits: the mentee proposes a date (portal), confirms afterwards that it took place
and proposes the next one in the same form, or reschedules; either participant may
move or call off a planned meeting beforehand (the link in every invitation), and the
facilitator may move one. The timer sweep sends the topics request five days before a meeting, the
confirmation request when it has ended and the reminders, and wakes this run when
the interim (or final) evaluation is due.
"""

from __future__ import annotations

from domain.people import Role
from domain.timing import due_evaluation, open_acts
from domain.trajectory import MeetingStatus
from flows.common import send_all, wait
from flows.plan import sign_requests
from tasks.artifacts import publish_documents
from tasks.messages import Message
from tasks.store import Snapshot, forget_topics, start_evaluation

BOTH = (Role.MENTEE, Role.MENTOR)


def meeting_messages(s: Snapshot) -> list[Message]:
    """Invitations (a new one for every change), cancellations and topics for the mentor."""
    t = s.trajectory
    match = t.matches[-1] if t.matches else None
    if match is None or match.signed_at is None:
        return []
    k = f"k{match.number}"
    messages: list[Message] = []
    for m in match.meetings:
        if m.status is MeetingStatus.CANCELLED:
            messages += [Message(trajectory_id=s.id, occasion=f"{k}-m{m.number}-cancel", template="meeting_cancelled",
                                 to=role, meeting=m.number, calendar="CANCEL") for role in BOTH]
            continue
        template = "meeting_invitation" if m.sequence == 0 else "meeting_updated"
        # Each invitation carries the recipient's link to move or call off this version of the meeting.
        messages += [Message(trajectory_id=s.id, occasion=f"{k}-m{m.number}-invite-s{m.sequence}", template=template,
                             to=role, meeting=m.number, calendar="REQUEST", link="meeting",
                             link_ref=f"{k}-m{m.number}-s{m.sequence}-change",
                             link_extra={"meeting": m.number, "sequence": m.sequence}) for role in BOTH]
        if m.topics:
            messages.append(Message(trajectory_id=s.id, occasion=f"{k}-m{m.number}-topics",
                                    template="topics_for_mentor", to=Role.MENTOR, meeting=m.number,
                                    extra={"topics": m.topics}))
    return messages


def attend(s: Snapshot) -> None:
    """Everything the meeting phases send: news of the signing, invitations, requests."""
    messages = phase_messages(s)
    send_all(messages)
    forget_sent_topics(s, [m for m in messages if m.template == "topics_for_mentor"])
    publish_documents(s.trajectory)


def phase_messages(s: Snapshot) -> list[Message]:
    """News of the signing, invitations, requests to plan, and a changed plan's signatures."""
    t = s.trajectory
    match = t.require_match()
    k = f"k{match.number}"
    messages = [
        Message(trajectory_id=s.id, occasion=f"{k}-signed", template="signed", to=role) for role in BOTH
    ] + [Message(trajectory_id=s.id, occasion=f"{k}-signed", template="signed_plan", to=Role.FACILITATOR)]
    messages += meeting_messages(s)
    if match.signed_at is not None:
        messages += sign_requests(s)  # a plan the mentee changed after the start: both sign it again
    current = match.current_signatures()
    if (match.plan is not None and match.signed_at is not None and not match.plan_unsigned
            and max(sig.signed_at for sig in current.values()) > match.signed_at):  # signed again, after the start
        messages.append(Message(trajectory_id=s.id, occasion=f"{k}-signed-v{match.plan.version}",
                                template="signed_plan", to=Role.FACILITATOR, extra={"changed": True}))
    for act in open_acts(t):
        if act.step == "propose":
            messages.append(Message(trajectory_id=s.id, occasion=f"{act.ref}-request",
                                    template="meeting_propose_request", to=Role.MENTEE, link="propose",
                                    link_ref=act.ref))
    return messages


def forget_sent_topics(s: Snapshot, topics: list[Message]) -> None:
    """A mentee's topics are kept only until their mail to the mentor is in the outbox (a plain call)."""
    if topics:
        forget_topics(s.id, {m.meeting for m in topics if m.meeting is not None}, [m.key for m in topics])


def hold(s: Snapshot) -> None:
    attend(s)
    kind = due_evaluation(s.trajectory, s.now)
    if kind is not None:
        start_evaluation(s.id, kind)
        return
    wait(s, "meetings")
