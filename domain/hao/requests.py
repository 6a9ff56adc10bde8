"""A consultation asked from the mentor list (its reminders are those of every hao wait: ``domain.hao.acts``).

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
