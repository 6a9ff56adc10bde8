"""Every occasion of a hao trajectory as a value (programme B), as ``domain.occasion_keys`` for A.

The texts (``c2-plan``, ``goals``, ``dossier-3``) are outbox keys and link refs already stored and
mailed: each ``HaoStep`` holds its exact template. A link's ref is read back once, at the boundary
(``domain.hao.occasions``); the yearly and daily letters to people (intervision, information,
digest, a request's confirmation) belong to no trajectory and keep their own keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from domain.templated import Templated


class HaoStep(Enum):
    """What an occasion of a hao trajectory is about; the value is its key's template."""

    # one conversation
    PLAN = "c{conversation}-plan"  # the mentor plans this conversation
    PLAN_REQUEST = "c{conversation}-plan-request"
    INVITE = "c{conversation}-invite"
    HELD = "c{conversation}-held"  # the mentor says it took place
    CLOSE = "c{conversation}-close"  # the trainer closes the consultation from its invitation
    SIGN = "c{conversation}-sign"  # the trainer signs the conversation's report
    REPORT_SIGN = "c{conversation}-report-sign"
    # the whole trajectory
    REQUEST = "request"  # a mentor is asked for a consultation
    ANSWER = "answer"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CLOSED = "closed"
    COUPLING = "coupling"  # the chairs are asked to couple a mentor
    COUPLE = "couple"
    COUPLED = "coupled"
    GOALS = "goals"
    REPORT_REQUEST = "report-request"
    REPORT = "report"
    DISCUSS = "discuss"
    DISCUSSED = "discussed"
    RELEASED = "released"
    STARTED = "started"  # the institute hears that a guidance started
    FLAG = "flag"  # the institute hears of a progress trajectory short of reports
    DOSSIER = "dossier-{number}"  # the progress dossier reached ``number`` signed reports


@dataclass(frozen=True)
class HaoOccasion(Templated):
    """One occasion of a hao trajectory; exactly the fields its step's template names are set."""

    step: HaoStep
    conversation: int | None = None
    number: int | None = None

    STEPS: ClassVar[type[Enum]] = HaoStep


def conversation(step: HaoStep, number: int) -> HaoOccasion:
    """An occasion of conversation ``number``."""
    return HaoOccasion(step, conversation=number)


def whole(step: HaoStep) -> HaoOccasion:
    """An occasion of the whole trajectory."""
    return HaoOccasion(step)


def parse(text: str) -> HaoOccasion | None:
    """The occasion a hao link's ref names, or ``None``: read at the boundary only."""
    return HaoOccasion.parse(text)


def hao_outbox_key(trajectory_id: int | None, occasion: str, who: str) -> str:
    """A hao message's outbox key (and so its Message-ID): ``h<trajectory>:<occasion>:<who>``, with no
    trajectory for a person's letter. One place for an owed row, a ``HaoMessage`` and a refusal notice."""
    return f"h{trajectory_id if trajectory_id is not None else ''}:{occasion}:{who}"


def addressee(role: str, person_id: int | None) -> str:
    """The ``who`` of a key: the role, and the person when the role has several (``staff-p3``)."""
    return role + (f"-p{person_id}" if person_id is not None else "")
