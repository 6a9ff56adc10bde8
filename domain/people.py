"""Participants, their applications and the mentor eligibility rule (seed 000)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from dateutil.relativedelta import relativedelta
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from domain.availability import DAYPARTS
from domain.text import FreeText, Line, Remark, dutch_date, plain_number, text_refusal
from domain.topics import check_topics

MIN_MENTOR_YEARS = 5
MAX_YEARS_SINCE_STOPPING = 2
MAX_PREFERRED_MENTORS = 3
MAX_CAPACITY = 4
INVALID_EMAIL = "geen geldig e-mailadres (bijvoorbeeld naam@praktijk.nl)"


_POSTCODE = re.compile(r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")
_PHONE = re.compile(r"^(\+31|0031|0)[1-9][0-9]{8}$")
_BIG = re.compile(r"^[0-9]{11}$")


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"
    FACILITATOR = "facilitator"

    @property
    def label(self) -> str:
        return {"mentor": "mentor", "mentee": "mentee", "facilitator": "procesfacilitator"}[self]


class Language(StrEnum):
    NL = "nl"
    EN = "en"


class Address(BaseModel):
    model_config = ConfigDict(frozen=True)

    street: Line
    postcode: str
    city: Line

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        value = value.strip().upper()
        if not _POSTCODE.match(value):
            raise ValueError("geen geldige Nederlandse postcode (bijvoorbeeld 5611 AB)")
        return f"{value[:4]} {value[-2:]}"

    def one_line(self) -> str:
        return f"{self.street}, {self.postcode} {self.city}"


class Application(BaseModel):
    """What a GP fills in on the application form (aanmeldformulier). Its validator is built when the
    first application is checked (``defer_build``): ``EmailStr`` loads ``email_validator``, which compiles
    its patterns, and a run that reads no application needs neither."""

    model_config = ConfigDict(str_strip_whitespace=True, defer_build=True)

    role: Role
    name: Line
    email: EmailStr
    phone: str
    practice_name: Line
    practice_address: Address
    big_number: str | None = Field(None, description="BIG-registratienummer, 11 cijfers")
    years_experience: float = Field(ge=0, le=60, description="jaren ervaring als huisarts")
    stopped_on: Annotated[date | None, BeforeValidator(dutch_date)] = Field(
        None, description="gestopt als huisarts per")
    learning_goals: FreeText = ""
    topics: FreeText = ""
    consent: bool
    language: Language = Language.NL
    # For matching (all optional, so older applications stay valid): topic ids from
    # domain.topics (a mentee's learning goals, a mentor's topics), day-parts such as
    # 'di-avond', a mentee's preferred mentors (best first) and declared conflicts.
    topic_ids: list[str] = Field(default_factory=list, description="onderwerpen uit de vaste lijst")
    availability: list[str] = Field(default_factory=list, description="dagdelen, bv. 'di-avond'")
    preferred_mentor_ids: list[int] = Field(default_factory=list, description="voorkeursmentoren, beste eerst")
    conflict_mentor_ids: list[int] = Field(default_factory=list, description="mentoren met een conflict")
    conflicts: Remark = Field("", description="zelfde praktijk, persoonlijke relatie, ...")
    capacity: int = Field(1, description="hoeveel mentees een mentor tegelijk begeleidt")

    @field_validator("topic_ids")
    @classmethod
    def _topic_ids(cls, value: list[str]) -> list[str]:
        return check_topics(value)

    @field_validator("availability")
    @classmethod
    def _availability(cls, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in DAYPARTS]
        if unknown:
            raise ValueError(f"onbekend dagdeel: {', '.join(unknown)} (bijvoorbeeld 'di-avond')")
        return [d for d in DAYPARTS if d in value]

    @field_validator("preferred_mentor_ids")
    @classmethod
    def _preferences(cls, value: list[int]) -> list[int]:
        if len(value) > MAX_PREFERRED_MENTORS:
            raise ValueError(f"noem hooguit {MAX_PREFERRED_MENTORS} voorkeursmentoren")
        if len(set(value)) != len(value):
            raise ValueError("een mentor staat meer dan eens bij de voorkeuren")
        return value

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, value: int) -> int:
        if not 1 <= value <= MAX_CAPACITY:
            raise ValueError(f"een mentor begeleidt 1 tot en met {MAX_CAPACITY} mentees tegelijk")
        return value

    @field_validator("role")
    @classmethod
    def _participant_role(cls, value: Role) -> Role:
        if value is Role.FACILITATOR:
            raise ValueError("aanmelden kan als mentor of als mentee")
        return value

    @field_validator("email", mode="wrap")
    @classmethod
    def _email(cls, value: object, handler: ValidatorFunctionWrapHandler) -> str:
        if isinstance(value, str) and (reason := text_refusal(value, one_line=True)):
            raise ValueError(reason)  # the address goes into the To: header
        try:
            return handler(value)
        except ValidationError:
            raise ValueError(INVALID_EMAIL) from None

    @field_validator("years_experience", mode="wrap")
    @classmethod
    def _years(cls, value: object, handler: ValidatorFunctionWrapHandler) -> float:
        """A plain number of years: '10', '2,5'; not '1_0' or '1e1', which float() would read."""
        try:
            return handler(plain_number(value))
        except (ValidationError, ValueError):
            raise ValueError("vul het aantal jaren ervaring als huisarts in (0 tot en met 60)") from None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        compact = re.sub(r"[\s\-().]", "", value)
        if not _PHONE.match(compact):
            raise ValueError("geen geldig Nederlands telefoonnummer (10 cijfers, bv. 040-1234567)")
        return compact

    @field_validator("big_number")
    @classmethod
    def _big(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _BIG.match(value.strip()):
            raise ValueError("een BIG-nummer bestaat uit 11 cijfers")
        return value.strip()

    @field_validator("consent")
    @classmethod
    def _consent(cls, value: bool) -> bool:
        if not value:
            raise ValueError("zonder instemming met de privacyverklaring kunnen wij u niet inschrijven")
        return value

    def completeness_errors(self) -> dict[str, str]:
        """Role-specific required fields, named as the form names them."""
        errors: dict[str, str] = {}
        topic_ids = getattr(self, "topic_ids", None) or []
        if self.role is Role.MENTEE and not self.learning_goals.strip() and not topic_ids:
            errors["learning_goals"] = "beschrijf kort uw leerdoelen"
        if self.role is Role.MENTOR and not self.topics.strip() and not topic_ids:
            errors["topics"] = "noem de onderwerpen waarbij u kunt helpen"
        preferred = getattr(self, "preferred_mentor_ids", None) or []
        conflicting = set(preferred) & set(getattr(self, "conflict_mentor_ids", None) or [])
        if conflicting:
            errors["preferred_mentor_ids"] = "een voorkeursmentor kan niet ook bij de conflicten staan"
        return errors


class Person(BaseModel):
    """A participant as the store keeps them."""

    id: int
    role: Role
    name: str
    email: str
    phone: str = ""
    practice_name: str = ""
    practice_address: Address | None = None
    big_number: str | None = None
    language: Language = Language.NL


def mentor_ineligibility(years_experience: float, stopped_on: date | None, today: date) -> list[str]:
    """Why a GP may not be a mentor (empty: eligible).

    At least five years of (recent) experience as a GP; a GP who stopped may still
    take part when that was at most two years ago (seed 000).
    """
    reasons: list[str] = []
    if years_experience < MIN_MENTOR_YEARS:
        reasons.append(
            f"een mentor heeft minimaal {MIN_MENTOR_YEARS} jaar ervaring als huisarts "
            f"(opgegeven: {years_experience:g})"
        )
    if stopped_on is not None:
        if stopped_on > today:
            return reasons
        if stopped_on + relativedelta(years=MAX_YEARS_SINCE_STOPPING) < today:
            reasons.append(
                f"wie gestopt is als huisarts kan mentor zijn tot {MAX_YEARS_SINCE_STOPPING} "
                f"jaar na het stoppen (gestopt per {stopped_on:%d-%m-%Y})"
            )
    return reasons
