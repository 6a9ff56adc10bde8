"""Mail about the cohort rather than one trajectory: the members' invitation, the mentor
training, a mentor's confirmation or the reason they cannot take part, the proposal.

A ``Letter`` is sent like every mail (``tasks.mail``) and composed by programme A's composer
(``tasks.messages``). Its key is ``c:<cohort>:<occasion>:<recipient e-mail>``; the Message-ID is
derived from it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


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
