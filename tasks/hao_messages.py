"""Sending one hao-programme message: render from the database at send time, outbox, deliver.

A ``HaoMessage`` carries ids and an occasion only, never a name, an address or
what was said: it is a Prefect task's input, and a consultation must leave nothing
in Prefect but its pseudonym. Everything shown in the mail is read from the
database when the mail is composed. Outbox key: ``h<trajectory>:<occasion>:<role>``
(with ``-p<person>`` for mails to every staff member, mentor or trainer); the
outbox row carries no trajectory id, since those ids are programme A's.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import Any, Literal

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from domain.clock import local_date
from domain.hao.acts import role_label, step_label
from domain.hao.people import HaoPerson, HaoRole, directory
from domain.hao.trajectory import FORMS, REASONS, TASK_AREAS, HaoTrajectory, Progress
from tasks.messages import _logger, deliver_now
from wiring.bootstrap import Services, services

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

    @property
    def key(self) -> str:
        who = self.to.value + (f"-p{self.person_id}" if self.person_id is not None else "")
        return f"h{self.trajectory_id if self.trajectory_id is not None else ''}:{self.occasion}:{who}"


@task(name="send hao message", cache_policy=NO_CACHE, persist_result=False, retries=4,
      retry_delay_seconds=[2, 10, 30, 120])
def send_hao(message: HaoMessage) -> str:
    """Render and record the message (once), then deliver it; logs the template only."""
    svc = services()
    try:
        if deliver_hao(svc, message, svc.clock.now()):
            _logger().info("bericht %s klaargezet (%s)", message.template, message.to.value)
    except Exception as exc:
        # An SMTP refusal can quote the address: Prefect keeps only the kind of error (the outbox row the text).
        raise HaoSendError(f"{message.template}: {type(exc).__name__}") from None
    return message.key


def deliver_hao(svc: Services, message: HaoMessage, now: datetime) -> bool:
    """Compose and record the message once, then deliver it; True if it was new. No Prefect here:
    the portal sends a request's confirmation with it (the timer sweep delivers what stays pending)."""
    new = False
    if not svc.outbox.known([message.key]):
        new = svc.outbox.enqueue(message.key, compose_hao(svc, message, now), None, message.template, now)
    deliver_now(svc, message.key, message.template, now)
    return new


class HaoSendError(RuntimeError):
    """A hao message could not be sent; the task retries. Carries no address or text."""


def unsent_hao(messages: list[HaoMessage]) -> list[HaoMessage]:
    known = services().outbox.known([m.key for m in messages])
    return [m for m in messages if m.key not in known]


def send_all_hao(messages: list[HaoMessage]) -> None:
    for message in unsent_hao(messages) if messages else []:
        send_hao(message)


def recipient(svc: Services, t: HaoTrajectory | None, message: HaoMessage) -> HaoPerson:
    hao = svc.hao.repo
    if message.person_id is not None:
        return hao.person(message.person_id)
    if t is None:
        raise ValueError(f"{message.key}: a message without trajectory needs a person")
    person_id = {HaoRole.TRAINER: t.trainer_id, HaoRole.MENTOR: t.mentor_id}.get(message.to)
    if person_id is None:
        raise ValueError(f"{message.key}: no {message.to.value} to send to")
    return hao.person(person_id)


def context(svc: Services, t: HaoTrajectory | None, message: HaoMessage, person: HaoPerson,
            action_url: str | None) -> dict[str, Any]:
    hao = svc.hao.repo
    language = person.language if person.language in PROGRAMME else "nl"
    conversation = t.conversation(message.conversation) if (t and message.conversation is not None) else None
    institute = None
    if message.template == "hao_institute_digest":
        from adapters.hao_views import institute_export

        institute = institute_export(svc.hao.repo)
    return {
        "institute": institute,
        "person": person,
        "programme_name": PROGRAMME[language],
        "contacts": hao.people(HaoRole.STAFF),
        "facilitator": {"name": PROGRAMME[language], "email": svc.settings.sender_address},
        "portal_url": svc.settings.portal_url,
        "action_url": action_url,
        "trajectory_id": None,  # programme A's footer reference; hao mails show none
        "t": t,
        "kind_label": t.kind.label if t else "",
        "trainer": hao.person(t.trainer_id) if t else None,
        "mentor": hao.person(t.mentor_id) if (t and t.mentor_id) else None,
        "conversation": conversation,
        "forms": FORMS,
        "reasons": REASONS,
        "areas": TASK_AREAS,
        "mentors": directory(hao.people(HaoRole.MENTOR)),
        "due_by": local_date(t.due_by) if isinstance(t, Progress) else None,
        **message.extra,
        **(notice_context(svc, t, message.extra, language) if "step" in message.extra else {}),
    }


def notice_context(svc: Services, t: HaoTrajectory | None, extra: dict[str, Any], language: str) -> dict[str, Any]:
    """What a reminder or an escalation says: what is awaited, from whom, since when."""
    about_role = HaoRole(extra["about_role"])
    about_id = {HaoRole.TRAINER: t.trainer_id, HaoRole.MENTOR: t.mentor_id}.get(about_role) if t else None
    return {"step_label": step_label(extra["step"], language), "about_label": role_label(about_role, language),
            "about_role": about_role.value, "since": datetime.fromisoformat(extra["since"]),
            "about": svc.hao.repo.person(about_id) if about_id is not None else None}


def compose_hao(svc: Services, message: HaoMessage, now: datetime) -> EmailMessage:
    from adapters.calendar import meeting_ics
    from adapters.mail import build_message, message_id_for

    s = svc.settings
    t = svc.hao.repo.trajectory(message.trajectory_id)[0] if message.trajectory_id is not None else None
    person = recipient(svc, t, message)
    action_url = None
    if message.link:
        action_url = svc.hao.links.make(person.require_id(), message.to.value, message.trajectory_id or 0, message.link,
                                        message.link_ref or message.occasion, message.link_extra)
    ctx = context(svc, t, message, person, action_url)
    rendered = svc.renderer.render(message.template, person.language, ctx)
    ics = None
    if message.calendar and t is not None and message.conversation is not None:
        c = t.conversation(message.conversation)
        trainer, mentor = ctx["trainer"], ctx["mentor"]
        ics = meeting_ics(
            uid=f"hao-{t.pseudonym}-c{c.number}@{s.message_domain}", sequence=0, method=message.calendar,
            starts_at=c.starts_at, ends_at=c.ends_at,
            summary=f"Hao-mentor: {FORMS[c.form]} ({trainer.name} en {mentor.name})",
            description=rendered.text, location=f"{FORMS[c.form]}; {trainer.practice}".strip("; "),
            organizer=(s.sender_name, s.sender_address),
            attendees=[(trainer.name, trainer.email), (mentor.name, mentor.email)], stamp=now,
        )
    elif message.calendar and "starts_at" in message.extra:
        starts = datetime.fromisoformat(message.extra["starts_at"])
        ends = datetime.fromisoformat(message.extra["ends_at"])
        ics = meeting_ics(
            uid=f"hao-{message.occasion}@{s.message_domain}", sequence=0, method=message.calendar,
            starts_at=starts, ends_at=ends, summary="Intervisie hao-mentoren", description=rendered.text,
            location=message.extra.get("location", ""), organizer=(s.sender_name, s.sender_address),
            attendees=[(person.name, person.email)], stamp=now,
        )
    return build_message(rendered, sender=(PROGRAMME["nl"], s.sender_address), to=(person.name, person.email),
                         message_id=message_id_for(message.key, s.message_domain), ics=ics,
                         ics_method=message.calendar, date=now)
