"""What can wake a waiting cohort run: typed inputs, shown as forms in the Prefect UI."""

from __future__ import annotations

from prefect.input import RunInput
from pydantic import BaseModel, Field

from flows.inputs import WokenBy


class CohortWake(RunInput):
    """Wake the cohort run so it looks at the database (and the clock) again."""

    woken_by: WokenBy = Field("timer", description="Wie maakt de cohort-run wakker")
    note: str = Field("", description="Toelichting (optioneel)")


class TrainingAttendance(CohortWake):
    """Wie waren er bij de mentortraining? Vul de ids in van de mentoren die er waren (zie het artefact
    'mentoren' of `mentorschap applications`). Alleen zij worden gematcht en krijgen 3 accreditatiepunten."""

    woken_by: WokenBy = Field("facilitator", description="Wie maakt de cohort-run wakker")
    attended_mentor_ids: list[int] = Field(default_factory=list, description="Ids van de aanwezige mentoren")


class PairChange(BaseModel):
    trajectory_id: int = Field(description="Traject van de mentee (kolom 'traject' in het voorstel)")
    mentor_id: int | None = Field(None, description="Id van de mentor; leeg: deze mentee (nog) niet koppelen")


class MatchingApproval(CohortWake):
    """Keur het matchingsvoorstel (artefact bij deze run) goed, eventueel met gewijzigde koppels.
    Elke goedgekeurde koppeling zet het traject van de mentee door naar de kennismaking."""

    woken_by: WokenBy = Field("facilitator", description="Wie maakt de cohort-run wakker")
    approve: bool = Field(False, description="Het voorstel (met de wijzigingen hieronder) goedkeuren")
    changes: list[PairChange] = Field(default_factory=list, description="Gewijzigde koppels")
