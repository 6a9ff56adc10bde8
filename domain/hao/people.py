"""The people of the hao-mentor programme and the mentor directory (seed 001)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


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
    id: int | None = None
    role: HaoRole
    name: str
    email: str
    language: str = "nl"
    practice: str = ""
    region: str = ""
    expertise: str = ""  # what the directory shows of a mentor
    available: bool = True


def directory(people: list[HaoPerson]) -> list[HaoPerson]:
    """The mentors a trainer may choose from, by name."""
    return sorted((p for p in people if p.role is HaoRole.MENTOR and p.available), key=lambda p: p.name)
