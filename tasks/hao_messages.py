"""Programme B's (hao) composer: every hao mail, rendered from the database when it is composed.

A ``HaoMessage`` carries ids and an occasion only, never a name, an address or
what was said: it is a Prefect task's input, and a consultation must leave nothing
in Prefect but its pseudonym. Everything shown in the mail is read from the
database when the mail is composed. Outbox key: ``h<trajectory>:<occasion>:<role>``
(with ``-p<person>`` for mails to every staff member, mentor or trainer; ``programme`` for
the programme's own address); the outbox row carries no trajectory id, since those ids are
programme A's.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, Field

from adapters.calendar import meeting_ics
from adapters.mail import Envelope, Invitation, message_id_for
from adapters.rendering import Rendered
from domain.clock import local_date
from domain.hao.acts import HaoActStep, role_label, step_label
from domain.hao.occasion_keys import addressee, hao_outbox_key
from domain.hao.people import HaoPerson, HaoRole, directory
from domain.hao.trajectory import FORMS, REASONS, TASK_AREAS, Conversation, HaoTrajectory, Progress
from domain.hao.undelivered import Refusal
from tasks.contexts import Facts
from tasks.hao_contexts import HAO_CONTEXTS, HaoContext
from wiring.bootstrap import Services

PROGRAMME = {"nl": "Hao-mentoren huisartsopleiding", "en": "Hao mentors, GP training institute"}


class HaoMessage(BaseModel):
    trajectory_id: int | None = None
    occasion: str
    template: str
    to: HaoRole
    person_id: int | None = Field(None, description="the recipient, when the role has several people")
    link: str | None = None
    link_ref: str = ""
    link_extra: dict[str, Any] = Field(default_factory=dict)
    conversation: int | None = None
    calendar: Literal["REQUEST", "CANCEL"] | None = None
    extra: dict[str, Any] = Field(default_factory=dict, description="numbers and flags only, never names or text")
    programme: bool = Field(False, description="to the programme's own address (the sender's), not to a person")

    @property
    def key(self) -> str:
        who = "programme" if self.programme else addressee(self.to.value, self.person_id)
        return hao_outbox_key(self.trajectory_id, self.occasion, who)


def recipient(svc: Services, t: HaoTrajectory | None, message: HaoMessage) -> HaoPerson:
    hao = svc.hao.repo
    if message.programme:
        return HaoPerson(role=message.to, name=PROGRAMME["nl"], email=svc.settings.sender_address)
    if message.person_id is not None:
        return hao.person(message.person_id)
    if t is None:
        raise ValueError(f"{message.key}: a message without trajectory needs a person")
    person_id = {HaoRole.TRAINER: t.trainer_id, HaoRole.MENTOR: t.mentor_id}.get(message.to)
    if person_id is None:
        raise ValueError(f"{message.key}: no {message.to.value} to send to")
    return hao.person(person_id)


class HaoFacts(Facts):
    """What a hao template may say, read from the database when a template asks; the request
    carries numbers and flags only."""

    def __init__(self, svc: Services, t: HaoTrajectory | None, message: HaoMessage, language: str) -> None:
        super().__init__(message.extra)
        self.trajectory, self.message, self.language = t, message, language
        self.hao, self.outbox = svc.hao.repo, svc.outbox

    def worded(self) -> dict[str, Any]:
        """A reminder's or an escalation's step and whom it is about, in the recipient's language."""
        if "step" not in self.extra:
            return {}
        worded = {"step_label": step_label(HaoActStep(self.extra["step"]), self.language)}
        if "about_role" in self.extra:
            about_role = HaoRole(self.extra["about_role"])
            worded |= {"about_label": role_label(about_role, self.language), "about_role": about_role.value}
        return worded

    @cached_property
    def t(self) -> HaoTrajectory | None:
        return self.trajectory

    @cached_property
    def trainer(self) -> HaoPerson | None:
        return self.hao.person(self.t.trainer_id) if self.t else None

    @cached_property
    def mentor(self) -> HaoPerson | None:
        return self.hao.person(self.t.mentor_id) if (self.t and self.t.mentor_id) else None

    @cached_property
    def conversation(self) -> Conversation | None:
        number = self.message.conversation
        return self.t.conversation(number) if (self.t and number is not None) else None

    @cached_property
    def kind_label(self) -> str:
        return self.t.kind.label if self.t else ""

    @cached_property
    def forms(self) -> dict[str, str]:
        return {str(form): label for form, label in FORMS.items()}

    @cached_property
    def reasons(self) -> dict[str, str]:
        return {str(reason): label for reason, label in REASONS.items()}

    @cached_property
    def areas(self) -> dict[int, str]:
        return TASK_AREAS

    @cached_property
    def mentors(self) -> list[HaoPerson]:
        return directory(self.hao.people(HaoRole.MENTOR))

    @cached_property
    def due_by(self) -> date | None:
        return local_date(self.t.due_by) if isinstance(self.t, Progress) else None

    @cached_property
    def institute(self) -> dict[str, Any]:
        from adapters.hao_views import institute_export

        return institute_export(self.hao)

    @cached_property
    def undelivered(self) -> list[Refusal]:
        """The refusals the request names by number, as the outbox keeps them now (addresses never
        travel in the request)."""
        from adapters.hao_views import hao_refusals

        numbers = set(self.extra.get("refused", []))
        return [r for r in hao_refusals(self.outbox, self.hao)[0] if r.number in numbers]

    @cached_property
    def about(self) -> HaoPerson | None:
        if "about_role" not in self.extra:
            return None
        about_role = HaoRole(self.extra["about_role"])
        about_id = {HaoRole.TRAINER: self.t.trainer_id, HaoRole.MENTOR: self.t.mentor_id}.get(about_role) \
            if self.t else None
        return self.hao.person(about_id) if about_id is not None else None


def hao_context(svc: Services, t: HaoTrajectory | None, message: HaoMessage, person: HaoPerson,
                action_url: str | None) -> HaoContext:
    """The template's context on programme B's base, validated before rendering."""
    language = person.language if person.language in PROGRAMME else "nl"
    model = HAO_CONTEXTS[message.template]
    own = [name for name in model.model_fields if name not in HaoContext.model_fields]
    return model.model_validate({
        "person": person, "language": person.language, "programme_name": PROGRAMME[language],
        "portal_url": svc.settings.portal_url, "action_url": action_url,
        "contacts": svc.hao.repo.people(HaoRole.STAFF), **HaoFacts(svc, t, message, language).fields(own)})


def compose_hao(svc: Services, message: HaoMessage, now: datetime) -> Envelope:
    """Programme B's composer: the envelope of ``message``, everything in it read from the database now."""
    s = svc.settings
    t = svc.hao.repo.trajectory(message.trajectory_id)[0] if message.trajectory_id is not None else None
    person = recipient(svc, t, message)
    action_url = None
    if message.link:
        action_url = svc.hao.links.make(person.require_id(), message.to.value, message.trajectory_id or 0, message.link,
                                        message.link_ref or message.occasion, message.link_extra)
    context = hao_context(svc, t, message, person, action_url)
    rendered = svc.renderer.render(message.template, context.language, context.variables())
    return Envelope(key=message.key, message_id=message_id_for(message.key, s.message_domain),
                    sender=(PROGRAMME["nl"], s.sender_address), to=(person.name, person.email), rendered=rendered,
                    template=message.template, date=now, invitation=_invitation(svc, t, message, person, rendered, now))


def _invitation(svc: Services, t: HaoTrajectory | None, message: HaoMessage, person: HaoPerson, rendered: Rendered,
                now: datetime) -> Invitation | None:
    """A conversation's invitation to trainer and mentor, or the intervision's to one mentor."""
    s = svc.settings
    if not message.calendar:
        return None
    if t is not None and message.conversation is not None:
        c = t.conversation(message.conversation)
        if t.mentor_id is None:
            raise ValueError(f"{message.key}: an invitation to a conversation without a mentor")
        trainer, mentor = svc.hao.repo.person(t.trainer_id), svc.hao.repo.person(t.mentor_id)
        return Invitation(meeting_ics(
            uid=f"hao-{t.pseudonym}-c{c.number}@{s.message_domain}", sequence=0, method=message.calendar,
            starts_at=c.starts_at, ends_at=c.ends_at,
            summary=f"Hao-mentor: {FORMS[c.form]} ({trainer.name} en {mentor.name})",
            description=rendered.text, location=f"{FORMS[c.form]}; {trainer.practice}".strip("; "),
            organizer=(s.sender_name, s.sender_address),
            attendees=[(trainer.name, trainer.email), (mentor.name, mentor.email)], stamp=now,
        ), message.calendar)
    if "starts_at" in message.extra:
        return Invitation(meeting_ics(
            uid=f"hao-{message.occasion}@{s.message_domain}", sequence=0, method=message.calendar,
            starts_at=datetime.fromisoformat(message.extra["starts_at"]),
            ends_at=datetime.fromisoformat(message.extra["ends_at"]), summary="Intervisie hao-mentoren",
            description=rendered.text, location=message.extra.get("location", ""),
            organizer=(s.sender_name, s.sender_address), attendees=[(person.name, person.email)], stamp=now,
        ), message.calendar)
    return None
