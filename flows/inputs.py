"""What can wake a waiting trajectory run: typed inputs, shown as forms in the Prefect UI.

A participant's act reaches the run through the portal (written to the database
first), a timer through the sweep, a facilitator through these forms or the CLI.
Every field beyond ``woken_by`` is optional, so a timer's wake-up validates against
the same model as the human step it interrupts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from prefect.input import RunInput
from pydantic import Field

WokenBy = Literal["facilitator", "participant", "timer"]


class Wake(RunInput):
    """Wake the trajectory so it looks at the database again; the facilitator may also steer it."""

    woken_by: WokenBy = Field("facilitator", description="Wie maakt het traject wakker")
    note: str = Field("", description="Toelichting (optioneel)")
    move_meeting: int | None = Field(
        None, description="Bijeenkomst verzetten: nummer van de bijeenkomst (binnen de regels: 6 weken, 9 maanden)"
    )
    move_to: datetime | None = Field(None, description="Nieuwe datum en tijd voor die bijeenkomst")
    rematch_reason: str = Field(
        "", description="Nieuwe match starten: de mentor stopt; geef de reden (de mentee gaat terug naar matching)"
    )
    end_reason: str = Field("", description="Traject vroegtijdig beëindigen: geef de reden")


class MentorChoice(Wake):
    """Kies een mentor voor deze mentee (matching). Vul het id in uit de mentorenpool."""

    mentor_id: int | None = Field(None, description="Id van de gekozen mentor (zie de pool in het artefact)")


class PlanReview(Wake):
    """Commentaar van de procesfacilitator op het concept-mentorschapsplan."""

    comment: str = Field("", description="Uw commentaar voor de mentee (optioneel)")


class EvaluationRecord(Wake):
    """Leg de uitkomst vast van het evaluatiecontact met mentor en mentee."""

    contact: Literal["phone", "mail", "meeting"] | None = Field(None, description="Hoe was het contact")
    outcome: str = Field("", description="Korte samenvatting van de uitkomst")
