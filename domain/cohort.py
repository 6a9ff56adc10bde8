"""A cohort of programme A: its dates, its application windows and its mentor training (seed 000).

A cohort opens applications for mentors and mentees together; mentor applications close
first, so that mentees can name up to three preferred mentors from the (known) list.
Eligible mentors attend a 3-hour training (3 accreditation points); only those who
attended are matched. All dates are settings of the cohort; every check takes ``now``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.clock import local_date
from domain.people import Role

TRAINING_MINUTES = 180
TRAINING_POINTS = 3


# The cohort run's waits: two until a deadline, two for the facilitator's forms.
MENTORS_CLOSED, MENTEES_CLOSED, TRAINING, APPROVAL = "mentors-closed", "mentees-closed", "training", "approval"
WAITS_FOR = {  # what the cohort run's name in the Prefect UI says it waits for
    MENTORS_CLOSED: "wacht tot de aanmelding van mentoren sluit",
    TRAINING: "wacht op de aanwezigheid bij de mentortraining",
    MENTEES_CLOSED: "wacht tot de aanmelding van mentees sluit",
    APPROVAL: "wacht op goedkeuring van het matchingsvoorstel",
}


class CohortPlan(BaseModel):
    """The settings of one cohort; the deployment's Cron schedule starts its kickoff run."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="kenmerk van het cohort, bv. 'zob-2021'")
    programme: str = Field("peer", description="programma (A: 'peer')")
    name: str = Field(description="naam voor mails en de Prefect UI")
    kickoff_cron: str = Field(description="Cron (Europe/Amsterdam) van de kickoff: opent de aanmeldperiode")
    opens_at: datetime = Field(description="aanmelden kan vanaf")
    mentor_deadline: datetime = Field(description="aanmelden als mentor kan tot")
    mentee_deadline: datetime = Field(description="aanmelden als mentee kan tot")
    training_at: datetime = Field(description="begin van de mentortraining (3 uur)")
    training_location: str = Field(description="waar de mentortraining is")
    trajectories_start: date = Field(description="de trajecten beginnen in deze maand")
    contribution_eur: Decimal = Field(Decimal("0"), ge=0, description="bijdrage in de kosten per mentee")

    @model_validator(mode="after")
    def _in_order(self) -> CohortPlan:
        for name in ("opens_at", "mentor_deadline", "mentee_deadline", "training_at"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name}: give a time zone (Europe/Amsterdam)")
        if not self.opens_at < self.mentor_deadline < self.mentee_deadline:
            raise ValueError("the window opens, then mentor applications close, then mentee applications close")
        if self.training_at < self.mentor_deadline:
            raise ValueError("the mentor training comes after mentor applications close")
        return self

    @property
    def training_ends_at(self) -> datetime:
        return self.training_at + timedelta(minutes=TRAINING_MINUTES)

    @property
    def training_date(self) -> date:
        return local_date(self.training_at)

    def closes_at(self, role: Role) -> datetime:
        return self.mentor_deadline if role is Role.MENTOR else self.mentee_deadline

    def refusal(self, role: Role, now: datetime) -> str:
        """Why an application of ``role`` is not accepted at ``now`` ('' when it is)."""
        if now < self.opens_at:
            return f"aanmelden voor {self.name} kan vanaf {local_date(self.opens_at):%d-%m-%Y}"
        closes = self.closes_at(role)
        if now >= closes:
            who = "mentoren" if role is Role.MENTOR else "mentees"
            return f"de aanmeldperiode voor {who} van {self.name} is gesloten sinds {local_date(closes):%d-%m-%Y}"
        return ""

    def deadline(self, wait: str) -> datetime | None:
        """When the cohort run's timed wait ``wait`` ends (None: the wait is not timed)."""
        return {MENTORS_CLOSED: self.mentor_deadline, MENTEES_CLOSED: self.mentee_deadline}.get(wait)

    def mentors_known(self, now: datetime) -> bool:
        """Mentor applications have closed: mentees can choose from the list."""
        return now >= self.mentor_deadline

    def contribution_text(self) -> str:
        """'€ 150,00' (Dutch notation)."""
        whole, cents = f"{self.contribution_eur:.2f}".split(".")
        return f"€ {whole},{cents}"


class Attendance(BaseModel):
    """One mentor's attendance of the training, as the accreditation body wants it."""

    person_id: int
    name: str
    big_number: str | None
    date: date
    points: int = TRAINING_POINTS


def matchable_mentors(eligible: list[int], attended: set[int]) -> list[int]:
    """Only mentors who attended the training are matched (in the order given)."""
    return [mentor_id for mentor_id in eligible if mentor_id in attended]
