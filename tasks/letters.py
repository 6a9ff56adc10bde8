"""Mail about the cohort rather than one trajectory: the members' invitation, the mentor
training, a mentor's confirmation or the reason they cannot take part, the proposal.

Same outbox, same once-only rule as ``tasks.messages``: the key is
``c:<cohort>:<occasion>:<recipient e-mail>`` and the Message-ID is derived from it.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from tasks.messages import PersonView, _logger, deliver_now
from wiring.bootstrap import Services, services


class Letter(BaseModel):
    """One message to one person (a member, an applicant, the facilitator) about the cohort."""

    cohort: str
    occasion: str
    template: str
    name: str
    email: str
    language: str = "nl"
    action_url: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    training: bool = Field(False, description="attach the calendar invitation for the mentor training")

    @property
    def key(self) -> str:
        return f"c:{self.cohort}:{self.occasion}:{self.email.lower()}"


def compose_letter(svc: Services, letter: Letter, now: datetime) -> EmailMessage:
    from adapters.calendar import meeting_ics
    from adapters.mail import build_message, message_id_for

    s = svc.settings
    recipient = PersonView(None, letter.name, letter.email, language=letter.language)
    facilitator = PersonView(None, s.facilitator_name, s.facilitator_address, language=s.language)
    plan = svc.cohorts.plan(letter.cohort)
    context = {
        "person": recipient, "programme_name": s.sender_name, "facilitator": facilitator,
        "portal_url": s.portal_url, "action_url": letter.action_url, "trajectory_id": None,
        "cohort": letter.cohort, "plan": plan, **letter.extra,
    }
    rendered = svc.renderer.render(letter.template, letter.language, context)
    ics = None
    if letter.training and plan is not None:
        ics = meeting_ics(
            uid=f"mentorschap-{plan.id}-training@{s.message_domain}", sequence=0, method="REQUEST",
            starts_at=plan.training_at, ends_at=plan.training_ends_at,
            summary=f"Mentortraining {plan.name} (3 uur, 3 accreditatiepunten)", description=rendered.text,
            location=plan.training_location, organizer=(s.sender_name, s.sender_address),
            attendees=[(letter.name, letter.email)], stamp=now,
        )
    return build_message(
        rendered, sender=(s.sender_name, s.sender_address), to=(letter.name, letter.email),
        message_id=message_id_for(letter.key, s.message_domain), ics=ics,
        ics_method="REQUEST" if ics else None, date=now,
    )


def post(svc: Services, letter: Letter, now: datetime, deliver: bool = True) -> bool:
    """Put the letter in the outbox (once) and try to deliver it; False if its key was known.

    Delivery failures are left to the timer sweep, which delivers pending mail.
    """
    fresh = False
    if not svc.outbox.known([letter.key]):
        fresh = svc.outbox.enqueue(letter.key, compose_letter(svc, letter, now), None, letter.template, now)
    if deliver:
        try:
            deliver_now(svc, letter.key, letter.template, now)
        except Exception as exc:
            _logger().warning("bezorging van %s mislukt (de sweep probeert het opnieuw): %s", letter.key, exc)
    return fresh


@task(name="send letter", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=[2, 10, 30])
def send_letter(letter: Letter) -> str:
    svc = services()
    if post(svc, letter, svc.clock.now()):
        _logger().info("bericht %s (%s) klaargezet voor %s", letter.template, letter.occasion, letter.email)
    return letter.key


@task(name="send letters", cache_policy=NO_CACHE)
def send_letters(letters: list[Letter]) -> int:
    """Every letter whose key is new (one task for a whole mailing; known keys cost nothing)."""
    svc = services()
    known = svc.outbox.known([letter.key for letter in letters])
    sent = 0
    for letter in letters:
        if letter.key not in known:
            sent += post(svc, letter, svc.clock.now())
    return sent
