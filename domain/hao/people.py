"""The people of the hao-mentor programme and the mentor directory (seed 001)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, Field

from domain.text import FreeText, Line, OptionalLine

_ADDRESS = re.compile(r"[^\s@<>(),;:\"\[\]\\]+@[^\s@<>(),;:\"\[\]\\]+")
NOT_AN_ADDRESS = "geen geldig e-mailadres (bijvoorbeeld naam@praktijk.nl)"


def is_address(value: str) -> bool:
    return len(value) <= 320 and _ADDRESS.fullmatch(value) is not None


def _address(value: str) -> str:
    """One plain address (it goes into a To: header); no names, lists or comments."""
    if not _ADDRESS.fullmatch(value):
        raise ValueError(NOT_AN_ADDRESS)
    return value


Email = Annotated[Line, AfterValidator(_address)]


class HaoRole(StrEnum):
    TRAINER = "trainer"  # huisartsopleider (hao)
    MENTOR = "mentor"  # hao-mentor, an experienced trainer
    STAFF = "staff"  # one of the institute's two contact persons
    CHAIR = "chair"  # chair of COMO, couples mentors to starting trainers

    @property
    def label(self) -> str:
        return {"trainer": "opleider", "mentor": "hao-mentor", "staff": "contactpersoon instituut",
                "chair": "voorzitter COMO"}[self]


class HaoPerson(BaseModel):
    """A person of the programme; name, address and practice reach mail headers, so they are checked
    with the same rules as an application of programme A (``domain.text``)."""

    id: int | None = None
    role: HaoRole
    name: Line
    email: Email
    language: Literal["nl", "en"] = "nl"
    practice: OptionalLine = ""
    region: OptionalLine = ""
    expertise: FreeText = ""  # what the directory shows of a mentor
    available: bool = True
    capacity: int = Field(2, ge=0, le=50)  # starting trainers a mentor takes on at once (progress)

    def require_id(self) -> int:
        """The id the store gave; a person read from the store always has one."""
        if self.id is None:
            raise ValueError("the person has not been stored yet")
        return self.id


def directory(people: list[HaoPerson]) -> list[HaoPerson]:
    """The mentors a trainer may choose from, by name."""
    return sorted((p for p in people if p.role is HaoRole.MENTOR and p.available), key=lambda p: p.name)


class Place(NamedTuple):
    """A mentor as the COMO chair sees them: how many starting trainers they have now."""

    mentor: HaoPerson
    coupled: int

    @property
    def free(self) -> bool:
        return self.coupled < self.mentor.capacity


def places(people: list[HaoPerson], coupled: Mapping[int, int]) -> list[Place]:
    """The directory's mentors with their open progress couplings (never a consultation: the chair is
    the institute's)."""
    return [Place(m, coupled.get(m.require_id(), 0)) for m in directory(people)]
