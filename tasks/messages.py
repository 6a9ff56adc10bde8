"""Programme A's composer: a trajectory's messages, the cohort's letters and the sweep's own mail.

Each is asked for by a small request (``Message``: ids and an occasion; ``Letter``; ``Direct``) and
sent through the one mail pipeline (``tasks.mail``). The composer reads what the template says from
the database when the mail is composed, fills the template's typed context (``tasks.contexts``) on
programme A's base, renders it and addresses the envelope. The outbox key of a trajectory's message
is ``t<trajectory>:<occasion>:<recipient role>``; the Message-ID is derived from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, Field

from adapters.calendar import meeting_ics
from adapters.mail import Envelope, Invitation, message_id_for
from adapters.rendering import Rendered
from domain.clock import local_date
from domain.owed import Owed, outbox_key
from domain.people import Person, Role
from domain.rules import earliest_next_meeting
from domain.status import step_label
from domain.timing import ActStep
from domain.trajectory import Match, Meeting, Plan, Trajectory
from tasks.contexts import CONTEXTS, Facts, PeerContext, PersonView, context_for
from tasks.letters import Letter
from wiring.bootstrap import Services


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
        return outbox_key(self.trajectory_id, self.occasion, self.to)

    @classmethod
    def of(cls, owed: Owed) -> Message:
        """The message a state owes (``domain.owed``)."""
        return cls.model_validate(owed.message_fields())


@dataclass(frozen=True)
class Direct:
    """A mail of the sweep's own about no single trajectory (a combined reminder, the weekly digest):
    its key, template, recipient and the template's fields, validated by the template's context."""

    key: str
    template: str
    to: PersonView
    fields: dict[str, Any]


def _view(p: Person) -> PersonView:
    address = p.practice_address.one_line() if p.practice_address else ""
    return PersonView(p.id, p.name, p.email, p.phone, p.practice_name, address, p.language.value)


def compose_peer(svc: Services, mail: Message | Letter | Direct, now: datetime) -> Envelope:
    """Programme A's composer: the envelope of a trajectory's message, a cohort's letter or the
    sweep's own mail, from the database's current state."""
    if isinstance(mail, Message):
        return _trajectory_mail(svc, mail, now)
    if isinstance(mail, Letter):
        return _letter(svc, mail, now)
    return envelope(svc, mail.key, mail.template, mail.to, _context(svc, mail.template, mail.to, None, mail.fields),
                    now)


def envelope(svc: Services, key: str, template: str, to: PersonView, context: PeerContext, now: datetime,
             invitation: Callable[[Rendered], Invitation | None] = lambda _: None,
             trajectory_id: int | None = None) -> Envelope:
    """Render ``context`` and address it: programme A's sender, the key's Message-ID, the invitation
    (made from the rendered text, which it repeats)."""
    s = svc.settings
    rendered = svc.renderer.render(template, context.language, context.variables())
    return Envelope(key=key, message_id=message_id_for(key, s.message_domain), sender=(s.sender_name, s.sender_address),
                    to=(to.name, to.email), rendered=rendered, template=template, date=now,
                    invitation=invitation(rendered), trajectory_id=trajectory_id)


def _context(svc: Services, template: str, to: PersonView, action_url: str | None, fields: dict[str, Any],
             trajectory_id: int | None = None, withdraw_url: str | None = None) -> PeerContext:
    """``template``'s context on programme A's base (validated here, before rendering)."""
    s = svc.settings
    facilitator = PersonView(None, s.facilitator_name, s.facilitator_address, language=s.language)
    return context_for(template, {
        "person": to, "language": to.language, "programme_name": s.sender_name, "portal_url": s.portal_url,
        "action_url": action_url, "facilitator": facilitator, "trajectory_id": trajectory_id,
        "withdraw_url": withdraw_url, **fields})


def _own_fields(template: str) -> list[str]:
    """The fields ``template``'s context adds to programme A's base."""
    return [name for name in CONTEXTS[template].model_fields if name not in PeerContext.model_fields]


def _letter(svc: Services, letter: Letter, now: datetime) -> Envelope:
    s = svc.settings
    recipient = PersonView(None, letter.name, letter.email, language=letter.language)
    facts: dict[str, Callable[[], Any]] = {"cohort": lambda: letter.cohort,
                                           "plan": lambda: svc.cohorts.plan(letter.cohort)}
    fields = {**{name: facts[name]() for name in _own_fields(letter.template) if name in facts
                 and name not in letter.extra}, **letter.extra}
    context = _context(svc, letter.template, recipient, letter.action_url, fields)

    def training(rendered: Rendered) -> Invitation | None:
        plan = svc.cohorts.plan(letter.cohort) if letter.training else None
        if plan is None:
            return None
        return Invitation(meeting_ics(
            uid=f"mentorschap-{plan.id}-training@{s.message_domain}", sequence=0, method="REQUEST",
            starts_at=plan.training_at, ends_at=plan.training_ends_at,
            summary=f"Mentortraining {plan.name} (3 uur, 3 accreditatiepunten)", description=rendered.text,
            location=plan.training_location, organizer=(s.sender_name, s.sender_address),
            attendees=[(letter.name, letter.email)], stamp=now), "REQUEST")

    return envelope(svc, letter.key, letter.template, recipient, context, now, training)


def _trajectory_mail(svc: Services, message: Message, now: datetime) -> Envelope:
    """A trajectory's message: its template's facts read now, the personal links, the invitation."""
    s = svc.settings
    t, _ = svc.repo.trajectory(message.trajectory_id)
    p = parties(svc, t, message)
    fields = TrajectoryFacts(t, message, p).fields(_own_fields(message.template))
    context = _context(svc, message.template, p.recipient, personal_link(svc, t, message, p.recipient), fields,
                       t.id, withdraw_link(svc, t, message, p.recipient))
    mentee, mentor, match = p.mentee, p.mentor, p.match

    def meeting_invitation(rendered: Rendered) -> Invitation | None:
        if not (message.calendar and match and message.meeting is not None):
            return None
        meeting = match.meeting(message.meeting)
        return Invitation(meeting_ics(
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
        ), message.calendar)

    return envelope(svc, message.key, message.template, p.recipient, context, now, meeting_invitation, t.id)


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
    match = _relevant_match(t, message)
    found = svc.repo.people_by_id([t.mentee_id, match.mentor_id] if match else [t.mentee_id])
    mentee = _view(found[t.mentee_id])
    mentor = _view(found[match.mentor_id]) if match else None
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


class TrajectoryFacts(Facts):
    """What a trajectory's templates may say, read from the trajectory when a template asks."""

    def __init__(self, t: Trajectory, message: Message, p: Parties) -> None:
        super().__init__(message.extra)
        self.t, self.message, self.p = t, message, p
        self.people = {Role.MENTEE: p.mentee, Role.MENTOR: p.mentor}

    def worded(self) -> dict[str, Any]:
        """A reminder's step, named in the recipient's language."""
        if "step" not in self.extra:
            return {}
        return {"step_label": step_label(ActStep(self.extra["step"]), self.p.recipient.language)}

    @cached_property
    def mentee(self) -> PersonView:
        return self.p.mentee

    @cached_property
    def mentor(self) -> PersonView | None:
        return self.p.mentor

    @cached_property
    def other(self) -> PersonView | None:
        return self.p.mentor if self.message.to is Role.MENTEE else self.p.mentee

    @cached_property
    def role(self) -> str:
        return self.message.to.value

    @cached_property
    def cohort(self) -> str:
        return self.t.cohort

    @cached_property
    def plan(self) -> Plan | None:
        return self.p.match.plan if self.p.match else None

    @cached_property
    def meeting(self) -> Meeting | None:
        match, number = self.p.match, self.message.meeting
        return match.meeting(number) if (match and number is not None) else None

    @cached_property
    def location(self) -> str:
        mentor = self.p.mentor
        return f"{mentor.practice_name}, {mentor.address}" if mentor else ""

    @cached_property
    def ends_by(self) -> date | None:
        match = self.p.match
        return local_date(match.ends_by) if match and match.ends_by else None

    @cached_property
    def earliest(self) -> date | None:
        held = self.p.match.held_meetings() if self.p.match else []
        return local_date(earliest_next_meeting(held[-1].starts_at)) if held else None

    @cached_property
    def meetings_held(self) -> int:
        return len(self.p.match.held_meetings()) if self.p.match else 0

    @cached_property
    def signatures(self) -> list[dict[str, Any]]:
        match = self.p.match
        if not match:
            return []
        return [{"name": signer.name if (signer := self.people[role]) else "", "role": role.value,
                 "signed_at": sig.signed_at} for role, sig in match.current_signatures().items()]

    @cached_property
    def changed_by(self) -> str:
        meeting = self.meeting
        if not meeting or not meeting.changed_by:
            return ""
        if meeting.changed_by is Role.FACILITATOR:
            return self.p.facilitator.name
        return getattr(self.people.get(meeting.changed_by), "name", "")

    @cached_property
    def about(self) -> PersonView | None:
        about_role = self.message.extra.get("about_role")
        return self.people.get(Role(about_role)) if about_role else None

    @cached_property
    def ui_hint(self) -> str:
        return f"in de Prefect UI (het wachtende traject {self.t.id}) of met `mentorschap` op de opdrachtregel"


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
