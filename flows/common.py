"""What every phase does: send what is due, and wait durably for the next event.

A wait suspends the run (no process is held) at a key fixed in the database.
Whoever acts writes the database first and then wakes the run; the run always
re-reads the database, so a wake-up only says "look again".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from prefect import get_run_logger
from prefect.flow_runs import suspend_flow_run

from domain.clock import local_date
from domain.people import Role
from domain.timing import Notice, due_notices
from flows.inputs import Wake
from tasks.messages import Message, send, unsent
from tasks.store import Snapshot, Steering, open_wait, record_wake, steer

W = TypeVar("W", bound=Wake)

# Which portal action a participant's open step links to.
LINK_FOR_STEP = {
    "kennismaking": "kennismaking",
    "plan": "plan",
    "sign": "sign",
    "propose": "propose",
    "confirm": "confirm",
    "topics": "topics",
}

STEP_LABELS = {
    "match": "een mentor kiezen voor deze mentee",
    "kennismaking": "laten weten of u na de kennismaking verder wilt",
    "plan": "het mentorschapsplan (leerdoelen, één A4) opstellen",
    "sign": "de intentieverklaring ondertekenen",
    "propose": "een datum voor de volgende bijeenkomst voorstellen",
    "confirm": "bevestigen dat de bijeenkomst heeft plaatsgevonden",
    "topics": "de onderwerpen voor de bijeenkomst doorgeven",
    "evaluation": "de uitkomst van het evaluatiecontact vastleggen",
}


def send_all(messages: list[Message]) -> None:
    """Send each message whose key is new; known keys cost nothing."""
    for message in unsent(messages) if messages else []:
        send(message)


def notice_message(s: Snapshot, notice: Notice) -> Message:
    t = s.trajectory
    match = t.match
    link = LINK_FOR_STEP.get(notice.step) if notice.to is not Role.FACILITATOR else None
    extra: dict = {}
    if notice.step == "sign" and match and match.plan:
        extra = {"plan_version": match.plan.version}
    elif notice.meeting is not None:
        extra = {"meeting": notice.meeting}
    since = local_date(notice.since) if notice.since else local_date(s.now)
    template_extra = {"step_label": STEP_LABELS.get(notice.step, notice.step), "n": 1, "since": since}
    if notice.template == "reminder":
        template_extra["n"] = int(notice.key.split("reminder-")[1].split(":")[0])
    if notice.template == "escalation":
        template_extra["about_role"] = notice.about.value if notice.about else ""
    return Message(
        trajectory_id=t.id, occasion=notice.key, template=notice.template, to=notice.to,
        link=link, link_ref=notice.ref, link_extra=extra, meeting=notice.meeting, extra=template_extra,
    )


def send_due_notices(s: Snapshot) -> None:
    """Reminders, escalations and requests around meetings that are due now."""
    send_all([notice_message(s, n) for n in due_notices(s.trajectory, s.now)])


def wait(s: Snapshot, label: str, model: type[W] = Wake, handle: Callable[[W], None] | None = None) -> W | None:
    """Suspend until someone wakes the run; ``handle`` writes a facilitator's input first.

    Returns None without waiting when the trajectory changed since ``s`` was read.
    """
    trajectory_id = s.trajectory.id
    key = open_wait(trajectory_id, label, s.version)
    if key is None:
        return None
    received = suspend_flow_run(wait_for_input=model, key=key, timeout=None)
    steering = Steering.model_validate(received.model_dump(include=set(Steering.model_fields)))
    if steering:
        for refusal in steer(trajectory_id, steering):
            get_run_logger().warning("niet uitgevoerd: %s", refusal)
    if handle is not None:
        handle(received)
    record_wake(trajectory_id, key)
    return received
