"""Every occasion of programme A as a value: built here, and read back from text only at the boundary.

An occasion names what a message, a personal link or an open act is about: ``k2-plan-v3-review``
is the facilitator's review of version 3 of match 2's plan. Its text is an outbox key, a
Message-ID and a link's ref, already stored and mailed, so each ``Step`` holds the text's exact
template; ``Occasion.key`` fills it in and ``parse`` (for a link's ref or a stored row) reads it
back by the same template. Inside ``domain/`` code compares the values, never the text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar

from domain.people import Role
from domain.templated import Templated, names
from domain.trajectory import EvaluationKind


class Step(Enum):
    """What an occasion of one match is about; the value is the key's template after ``k{match}-``."""

    MATCH = "match"  # the facilitator chooses a mentor (its reminders)
    MATCHING = "matching"  # the facilitator hears that a mentor is needed
    DECLINED = "declined"  # the kennismaking did not lead to a match
    MENTOR_LEFT = "mentor-left"
    KENNISMAKING = "kennismaking"  # the pair says whether to go on
    KENNISMAKING_INVITE = "kennismaking-invite"
    PLAN = "plan"  # the mentee writes the plan
    PLAN_REQUEST = "plan-request"
    PLAN_VERSION = "plan-v{version}"  # the mentee makes this next version of the plan
    PLAN_REVIEWS = "plan-review"  # the series of review requests
    PLAN_REVIEW = "plan-v{version}-review"
    PLAN_COMMENT = "plan-v{version}-comment"
    SIGN = "sign-v{version}"  # both sign this version
    SIGN_REQUEST = "sign-v{version}-request"
    SIGN_SERIES = "sign-{role}"  # the series of one role's signing requests
    SIGNED = "signed"
    SIGNED_AGAIN = "signed-v{version}"  # a plan changed after the start was signed by both
    MEETING = "m{meeting}"  # a meeting's series; its topics request
    MEETING_INVITE = "m{meeting}-invite-s{sequence}"
    MEETING_CHANGE = "m{meeting}-s{sequence}-change"  # move or call off this version of the meeting
    MEETING_CANCEL = "m{meeting}-cancel"
    MEETING_TOPICS = "m{meeting}-topics"
    MEETING_CONFIRM = "m{meeting}-confirm"
    PROPOSE = "propose-after-m{after}"  # the mentee proposes the next meeting
    PROPOSE_AGAIN = "propose-after-m{after}-c{cancelled}"  # ... after ``cancelled`` were called off
    PROPOSE_REQUEST = "propose-after-m{after}-request"
    PROPOSE_AGAIN_REQUEST = "propose-after-m{after}-c{cancelled}-request"
    EVALUATION = "{kind}-evaluation"


# The message that asks for an act (``{ref}-request``), by the act's step.
REQUESTS = {Step.PLAN: Step.PLAN_REQUEST, Step.SIGN: Step.SIGN_REQUEST, Step.PROPOSE: Step.PROPOSE_REQUEST,
            Step.PROPOSE_AGAIN: Step.PROPOSE_AGAIN_REQUEST, Step.KENNISMAKING: Step.KENNISMAKING_INVITE}


@dataclass(frozen=True)
class Occasion(Templated):
    """One occasion of one match; exactly the fields its step's template names are set."""

    match: int
    step: Step
    version: int | None = None
    meeting: int | None = None
    sequence: int | None = None
    after: int | None = None
    cancelled: int | None = None
    kind: EvaluationKind | None = None
    role: Role | None = None

    PREFIX: ClassVar[str] = "k{match}-"
    STEPS: ClassVar[type[Enum]] = Step
    READ: ClassVar[Mapping[str, tuple[str, Callable[[str], Any]]]] = {
        "kind": ("|".join(EvaluationKind), EvaluationKind), "role": ("mentee|mentor", Role)}

    def request(self) -> Occasion:
        """The occasion of the message that asks for this act (``k1-plan`` -> ``k1-plan-request``)."""
        return Occasion(self.match, REQUESTS[self.step], **{n: getattr(self, n) for n in names(self.step.value)})


# --- building ----------------------------------------------------------------


def propose(match: int, after: int, cancelled: int = 0) -> Occasion:
    """The mentee proposes the meeting after meeting ``after`` (0: the first); again after a call-off."""
    if cancelled:
        return Occasion(match, Step.PROPOSE_AGAIN, after=after, cancelled=cancelled)
    return Occasion(match, Step.PROPOSE, after=after)


def parse(text: str) -> Occasion | None:
    """The occasion a link's ref names, or ``None``: read at the boundary only."""
    return Occasion.parse(text)


def read(text: str) -> Occasion:
    """The occasion of a key we stored ourselves (``adapters.owed``)."""
    return Occasion.read(text)


# --- what a notice is keyed by ------------------------------------------------


class Notice(Enum):
    """What a timed message about an open act is (the part of its key after the occasion)."""

    REQUEST = "request"  # a meeting's confirmation request
    REMINDER = "reminder"
    ESCALATION = "escalation"
    TOPICS = "topics"  # the mentee's topics before a meeting


@dataclass(frozen=True)
class NoticeKey:
    """``k1-m2-confirm:reminder-1:mentee``: the notice, its number (reminders) and whom it is about."""

    occasion: Occasion
    notice: Notice
    role: Role
    number: int = 0

    @property
    def key(self) -> str:
        what = f"{self.notice.value}-{self.number}" if self.notice is Notice.REMINDER else self.notice.value
        return f"{self.occasion.key}:{what}:{self.role.value}"

    def __str__(self) -> str:
        return self.key


class Whole(Enum):
    """The occasions of a whole trajectory rather than one match (the value is the key)."""

    APPLICATION = "application"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
