"""A consultation asked from the mentor list, and the reminders while the mentor has not answered.

Anyone can fill in the list's form with any address, so the form never says whether the
address is a trainer's, mails only an address on file, and is bounded per trainer (one
open request, a cooldown, a daily cap): it cannot be used to learn who is a trainer or
to flood a trainer's mailbox. The trainer confirms through the link in that mail; only
then does a consultation exist (and the mentor hear of it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel

from domain.reminders import ReminderPolicy

REQUEST_VALID = timedelta(days=7)  # the confirmation link's occasion
COOLDOWN = timedelta(hours=1)  # between two confirmation mails to one trainer
DAILY_MAILS = 3  # confirmation mails to one trainer in 24 hours


class ConsultationRequest(BaseModel):
    """What the list's form asked, waiting for the trainer's confirmation (kept outside any trajectory)."""

    id: int | None = None
    trainer_id: int
    mentor_id: int
    question: str = ""
    requested_at: datetime
    confirmed_at: datetime | None = None

    def require_id(self) -> int:
        if self.id is None:
            raise ValueError("the request has not been stored yet")
        return self.id

    def open(self, now: datetime) -> bool:
        return self.confirmed_at is None and now < self.requested_at + REQUEST_VALID


def may_mail(earlier: Sequence[datetime], now: datetime) -> bool:
    """Whether another confirmation mail may go to a trainer who was mailed at ``earlier``."""
    recent = [at for at in earlier if now - at < timedelta(days=1)]
    return len(recent) < DAILY_MAILS and all(now - at >= COOLDOWN for at in recent)


def request_refusal(r: ConsultationRequest, person_id: int, newest_id: int | None, now: datetime) -> str | None:
    """Why a confirmation link may not act on request ``r`` now (a reason of ``adapters.links``), or None."""
    if r.trainer_id != person_id:
        return "not_yours"
    if r.confirmed_at is not None:
        return "used"
    if r.id != newest_id:
        return "replaced"  # one open request per trainer: the newest one
    return None if r.open(now) else "expired"


def answer_notices(asked_at: datetime, now: datetime, policy: ReminderPolicy) -> list[tuple[str, int]]:
    """The reminder to the mentor (``("reminder", n)``) and the word to the trainer (``("escalation", 0)``)
    due ``now`` for a request the mentor has not answered since ``asked_at`` (the latest reminder
    only: after a quiet spell, not two at once).

    A minimal hook on the programme's policy (``domain.reminders``, 5 and 10 days, then 14);
    the outbox key of each makes it go out once. For a consultation only the trainer hears
    that no answer came, never the institute.
    """
    if not policy.may_send(now):
        return []
    waited = now - asked_at
    due = [("reminder", n) for n, days in enumerate(policy.intervals, 1) if waited >= timedelta(days=days)][-1:]
    if waited >= timedelta(days=policy.escalate_after):
        due.append(("escalation", 0))
    return due
