"""A cohort of programme A: its dates, its application windows and its mentor training (seed 000).

A cohort opens applications for mentors and mentees together; mentor applications close
first, so that mentees can name up to three preferred mentors from the (known) list.
Eligible mentors attend a 3-hour training (3 accreditation points); only those who
attended are matched. All dates are settings of the cohort; every check takes ``now``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.clock import AMSTERDAM, local_date
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
# Which date each date must follow (the fields are validated in this order).
ORDER = {
    "mentor_deadline": ("opens_at", "het begin van de aanmeldperiode"),
    "mentee_deadline": ("mentor_deadline", "de sluiting van de aanmelding voor mentoren"),
    "training_at": ("mentor_deadline", "de sluiting van de aanmelding voor mentoren"),
}


class CohortPlan(BaseModel):
    """The settings of one cohort; the deployment's Cron schedule starts its kickoff run."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="kenmerk van het cohort, bv. 'zob-2021'")
    programme: str = Field("peer", description="programma (A: 'peer')")
    name: str = Field(description="naam voor mails en de Prefect UI")
    kickoff_cron: str = Field("", description="Cron (Europe/Amsterdam) van de kickoff; leeg: op het begin van de "
                                                  "aanmeldperiode")
    opens_at: datetime = Field(description="aanmelden kan vanaf")
    mentor_deadline: datetime = Field(description="aanmelden als mentor kan tot")
    mentee_deadline: datetime = Field(description="aanmelden als mentee kan tot")
    training_at: datetime = Field(description="begin van de mentortraining (3 uur)")
    training_location: str = Field(description="waar de mentortraining is")
    trajectories_start: date = Field(description="de trajecten beginnen in deze maand")
    contribution_eur: Decimal = Field(Decimal("0"), ge=0, description="bijdrage in de kosten per mentee")

    @field_validator("opens_at", "mentor_deadline", "mentee_deadline", "training_at")
    @classmethod
    def _in_order(cls, value: datetime, info: ValidationInfo) -> datetime:
        """Each date after the one it follows, checked at its own field so a refusal names it."""
        if value.tzinfo is None:
            raise ValueError("geef een tijdzone (Europe/Amsterdam)")
        after = ORDER.get(info.field_name or "")
        earlier = info.data.get(after[0]) if after else None
        if after and earlier is not None and not value > earlier:
            raise ValueError(f"moet na {after[1]} liggen ({local_date(earlier):%d-%m-%Y})")
        return value

    @property
    def schedule(self) -> str:
        """The kickoff's Cron (Europe/Amsterdam): as declared, or the minute the window opens, each year
        (a kickoff after its window has passed opens nothing, so the later years are harmless)."""
        if self.kickoff_cron:
            return self.kickoff_cron
        opens = self.opens_at.astimezone(AMSTERDAM)
        return f"{opens.minute} {opens.hour} {opens.day} {opens.month} *"

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

    def attendance_refusal(self, now: datetime) -> str:
        """Why the training's attendance cannot be recorded at ``now`` ('' when it can): who was there
        is known only once the training has begun (a list typed in beforehand would earn points unearned)."""
        if now < self.training_at:
            return (f"de mentortraining is op {local_date(self.training_at):%d-%m-%Y}; "
                    "wie er was kan pas vanaf dan worden vastgelegd")
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


def offered(plans: list[CohortPlan], now: datetime) -> CohortPlan | None:
    """The cohort the application form offers at ``now``: the one whose window is open (the latest to
    open when two are), else the next to open (the form says from when), else the last to close."""
    open_now = [p for p in plans if p.opens_at <= now < p.mentee_deadline]
    if open_now:
        return max(open_now, key=lambda p: p.opens_at)
    coming = [p for p in plans if now < p.opens_at]
    if coming:
        return min(coming, key=lambda p: p.opens_at)
    return max(plans, key=lambda p: p.mentee_deadline, default=None)


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
