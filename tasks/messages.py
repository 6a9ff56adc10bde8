"""Sending one message: render, record in the outbox (once per key), deliver.

The outbox key is ``t<trajectory>:<occasion>:<recipient role>``; the Message-ID is
derived from it. A replayed run, a task retry or a second process that asks for the
same key again never creates a second message; one crashed between the SMTP
hand-off and the record re-sends the stored message, with the same Message-ID.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any, Literal, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from pydantic import BaseModel, Field

from domain.clock import local_date
from domain.owed import Owed
from domain.people import Person, Role
from domain.rules import earliest_next_meeting
from domain.status import step_label
from domain.trajectory import Match, Trajectory
from wiring.bootstrap import Services, services


class Message(BaseModel):
    """One message to one participant (or the facilitator) about one occasion."""

    trajectory_id: int
    occasion: str = Field(description="unique within the trajectory, e.g. 'k1-sign-v2-request'")
    template: str
    to: Role
    link: str | None = Field(None, description="portal action for a personal link")
    link_ref: str = ""
    link_extra: dict[str, Any] = Field(default_factory=dict)
    meeting: int | None = None
    calendar: Literal["REQUEST", "CANCEL"] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"t{self.trajectory_id}:{self.occasion}:{self.to.value}"

    @classmethod
    def of(cls, owed: Owed) -> Message:
        """The message a state owes (``domain.owed``)."""
        return cls.model_validate(owed.message_fields())


@dataclass(frozen=True)
class PersonView:
    id: int | None
    name: str
    email: str
    phone: str = ""
    practice_name: str = ""
    address: str = ""
    language: str = "nl"


def _view(p: Person) -> PersonView:
    address = p.practice_address.one_line() if p.practice_address else ""
    return PersonView(p.id, p.name, p.email, p.phone, p.practice_name, address, p.language.value)


@task(name="send message", cache_policy=NO_CACHE, retries=4, retry_delay_seconds=[2, 10, 30, 120])
def send(message: Message) -> str:
    """Render and record the message (once), then deliver it; returns the outbox key."""
    svc = services()
    log = _logger()
    now = svc.clock.now()
    if not svc.outbox.known([message.key]):
        mime = compose(svc, message, now)
        if svc.outbox.enqueue(message.key, mime, message.trajectory_id, message.template, now):
            log.info("bericht %s (%s) klaargezet voor %s", message.template, message.occasion, message.to.value)
    deliver_now(svc, message.key, message.template, now)
    return message.key


def deliver_now(svc: Services, key: str, template: str, now: datetime) -> str:
    """Hand the stored message to SMTP; the row's status afterwards.

    A server that cannot take it now (down, slow, 4xx) leaves it pending in the outbox, due again
    after its backoff, and the timer sweep sends it: no run fails or waits on a mail outage. The
    log names the template and the SMTP code, never the key (a letter's key holds the address).
    """
    from adapters.mail import TemporaryMailError

    try:
        return _run(svc.outbox.deliver(key, svc.mailer, now))
    except TemporaryMailError as exc:
        _logger().warning("bericht %s wacht op de mailserver (%s); de timer-sweep verstuurt het", template, exc.code)
        return "pending"


def compose(svc: Services, message: Message, now: datetime) -> EmailMessage:
    """Build the complete MIME message for ``message`` from the database's current state."""
    from adapters.calendar import meeting_ics
    from adapters.mail import build_message, message_id_for

    s = svc.settings
    t, _ = svc.repo.trajectory(message.trajectory_id)
    p = parties(svc, t, message)
    match, mentee, mentor, recipient = p.match, p.mentee, p.mentor, p.recipient
    context = _context(svc, t, message, p)
    rendered = svc.renderer.render(message.template, recipient.language, context)
    ics = None
    if message.calendar and match and message.meeting is not None:
        meeting = match.meeting(message.meeting)
        ics = meeting_ics(
            uid=f"mentorschap-t{t.id}-k{match.number}-m{meeting.number}@{s.message_domain}",
            sequence=meeting.sequence,
            method=message.calendar,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            summary=f"Mentorschap: bijeenkomst {meeting.number} ({mentee.name} en {mentor.name})"
            if mentor else f"Mentorschap: bijeenkomst {meeting.number}",
            description=rendered.text,
            location=(f"{mentor.practice_name}, {mentor.address}" if mentor else ""),
            organizer=(s.sender_name, s.sender_address),
            attendees=[(mentee.name, mentee.email)] + ([(mentor.name, mentor.email)] if mentor else []),
            stamp=now,
        )
    return build_message(
        rendered,
        sender=(s.sender_name, s.sender_address),
        to=(recipient.name, recipient.email),
        message_id=message_id_for(message.key, s.message_domain),
        ics=ics,
        ics_method=message.calendar,
        date=now,
    )


@dataclass(frozen=True)
class Parties:
    match: Match | None
    mentee: PersonView
    mentor: PersonView | None
    facilitator: PersonView
    recipient: PersonView


def parties(svc: Services, t: Trajectory, message: Message) -> Parties:
    """Who the message is about and to whom it goes, read from the database now."""
    s = svc.settings
    mentee = _view(svc.repo.person(t.mentee_id))
    match = _relevant_match(t, message)
    mentor = _view(svc.repo.person(match.mentor_id)) if match else None
    facilitator = PersonView(None, s.facilitator_name, s.facilitator_address, language=s.language)
    recipient = {Role.MENTEE: mentee, Role.MENTOR: mentor, Role.FACILITATOR: facilitator}[message.to]
    if recipient is None:
        raise ValueError(f"{message.key}: no {message.to.value} to send to")
    return Parties(match, mentee, mentor, facilitator, recipient)


def personal_link(svc: Services, t: Trajectory, message: Message, recipient: PersonView) -> str | None:
    if not message.link:
        return None
    return svc.links.make(_participant_id(message, recipient), message.to.value, t.require_id(), message.link,
                          message.link_ref or message.occasion, message.link_extra)


def withdraw_link(svc: Services, t: Trajectory, message: Message, recipient: PersonView) -> str | None:
    """Every mail to a participant of a running trajectory says how to stop, with a personal link."""
    if message.to is Role.FACILITATOR or t.phase.ended or (message.to is Role.MENTOR and t.match is None):
        return None
    return svc.links.make(_participant_id(message, recipient), message.to.value, t.require_id(), "withdraw", "withdraw")


def _participant_id(message: Message, recipient: PersonView) -> int:
    """A personal link is for a participant, who has an id; the facilitator (no id) gets none."""
    if recipient.id is None:
        raise ValueError(f"{message.key}: no personal link for the {message.to.value}")
    return recipient.id


def _relevant_match(t: Trajectory, message: Message) -> Match | None:
    """The match the message is about: the current one, or the last one for after-the-fact news."""
    if t.match is not None:
        return t.match
    return t.matches[-1] if t.matches else None


def _context(svc: Services, t: Trajectory, message: Message, p: Parties) -> dict:
    """Everything a template may use; more than one template needs, so every template can render."""
    s = svc.settings
    match, mentee, mentor, recipient = p.match, p.mentee, p.mentor, p.recipient
    plan = match.plan if match else None
    meeting = match.meeting(message.meeting) if (match and message.meeting is not None) else None
    held = match.held_meetings() if match else []
    ends_by: date | None = local_date(match.ends_by) if match and match.ends_by else None
    earliest = local_date(earliest_next_meeting(held[-1].starts_at)) if held else None
    people = {Role.MENTEE: mentee, Role.MENTOR: mentor}
    signatures = []
    if match:
        for role, sig in match.current_signatures().items():
            signer = people[role]
            signatures.append({"name": signer.name if signer else "", "role": role.value,
                               "signed_at": sig.signed_at})
    return {
        "person": recipient,
        "programme_name": s.sender_name,
        "facilitator": p.facilitator,
        "portal_url": s.portal_url,
        "action_url": personal_link(svc, t, message, recipient),
        "withdraw_url": withdraw_link(svc, t, message, recipient),
        "trajectory_id": t.id,
        "cohort": t.cohort,
        "role": message.to.value,
        "mentee": mentee,
        "mentor": mentor,
        "other": mentor if message.to is Role.MENTEE else mentee,
        "plan": plan,
        "meeting": meeting,
        "changed_by": (p.facilitator.name if meeting.changed_by is Role.FACILITATOR else
                       getattr(people.get(meeting.changed_by), "name", "")) if meeting and meeting.changed_by else "",
        "location": f"{mentor.practice_name}, {mentor.address}" if mentor else "",
        "ends_by": ends_by,
        "earliest": earliest,
        "signatures": signatures,
        "meetings_held": len(held),
        "about": people.get(Role(message.extra["about_role"])) if message.extra.get("about_role") else None,
        "ui_hint": f"in de Prefect UI (het wachtende traject {t.id}) of met `mentorschap` op de opdrachtregel",
        **message.extra,
        **({"step_label": step_label(message.extra["step"], recipient.language)} if "step" in message.extra else {}),
    }


def _logger() -> logging.Logger | logging.LoggerAdapter:
    """The run's logger inside Prefect, a plain one when called without a run (sweep_now)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


R = TypeVar("R")


def _run(coro: Coroutine[Any, Any, R]) -> R:
    """Run a coroutine to completion from sync code, whether or not a loop is running here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def unsent(messages: list[Message]) -> list[Message]:
    """The messages whose key the outbox does not know yet (saves a task run per known one)."""
    known = services().outbox.known([m.key for m in messages])
    return [m for m in messages if m.key not in known]


def undelivered(svc: Services, cohort: str) -> list[dict[str, Any]]:
    """The cohort's mail a server refused for good (5xx), for the board and the digest: the message's
    number (for ``mentorschap mail retry``), trajectory, template, the address to correct, the answer."""
    ids = set(svc.repo.trajectory_ids(cohort))
    return [{"nummer": row["id"], "traject": row["trajectory_id"], "bericht": row["template"],
             "adres": row["recipient_email"], "fout": " ".join(row["last_error"].split())[:160]}
            for row in svc.outbox.failed() if row["trajectory_id"] in ids or row["key"].startswith(f"c:{cohort}:")]


def undelivered_line(item: dict[str, Any]) -> str:
    """One refused message as the facilitator reads it, with the command that sends it again."""
    about = f"{item['bericht']}, traject {item['traject']}" if item["traject"] else item["bericht"]
    return (f"bericht {item['nummer']} ({about}) aan {item['adres']} geweigerd: {item['fout']}. Verbeter het adres: "
            f"`mentorschap mail retry {item['nummer']} --to JUIST-ADRES`")
