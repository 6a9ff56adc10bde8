"""What can wake a waiting cohort run: typed inputs, shown as forms in the Prefect UI."""

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from flows.inputs import Hidden, WokenBy


class CohortWake(Hidden):
    """Deze cohort-run opnieuw laten kijken (de datum en de aanmeldingen); een toelichting komt in het logboek."""

    woken_by: SkipJsonSchema[WokenBy] = "timer"  # her form here asks nothing: it only says "look again"
    note: str = Field("", title="Toelichting", description="Optioneel; komt in het logboek van deze run")


class TrainingAttendance(CohortWake):
    """Wie waren er bij de mentortraining? Vul de ids in van de mentoren die er waren (zie het artefact
    'mentoren' of `mentorschap applications`). Alleen zij worden gematcht en krijgen 3 accreditatiepunten."""

    woken_by: SkipJsonSchema[WokenBy] = "facilitator"
    attended_mentor_ids: list[int] = Field(default_factory=list, title="Aanwezige mentoren (ids)",
                                           description="Ids van de mentoren die bij de training waren")


class PairChange(BaseModel):
    trajectory_id: int = Field(title="Traject", description="Traject van de mentee (kolom 'traject' in het voorstel)")
    mentor_id: int | None = Field(None, title="Mentor (id)",
                                  description="Id van de mentor; leeg: deze mentee (nog) niet koppelen")


class MatchingApproval(CohortWake):
    """Keur het matchingsvoorstel (artefact bij deze run) goed, eventueel met gewijzigde koppels.
    Elke goedgekeurde koppeling zet het traject van de mentee door naar de kennismaking."""

    woken_by: SkipJsonSchema[WokenBy] = "facilitator"
    approve: bool = Field(False, title="Goedkeuren", description=(
        "Aan: het voorstel (met de wijzigingen hieronder) goedkeuren. Uit: niets goedkeuren"))
    changes: list[PairChange] = Field(default_factory=list, title="Gewijzigde koppels",
                                      description="Per mentee een andere mentor, of leeg om (nog) niet te koppelen")
