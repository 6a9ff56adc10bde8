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

# "system": an act was written elsewhere first (the CLI, the cohort's hand-out): look again; not a form of hers.
WokenBy = Literal["facilitator", "participant", "timer", "system"]


class Wake(RunInput):
    """Wake the trajectory so it looks at the database again; the facilitator may also steer it."""

    # Set by whoever wakes the run (portal, sweep, CLI). It must stay in the form's schema: Prefect refuses
    # a resume whose input has a field the schema lacks ("Additional properties are not allowed").
    woken_by: WokenBy = Field("facilitator", title="Gewekt door", description="Laat op facilitator staan")
    note: str = Field("", title="Toelichting", description="Komt in het logboek van dit traject")
    move_meeting: int | None = Field(
        None, title="Bijeenkomst verzetten: nummer",
        description="Nummer van de bijeenkomst die verzet moet worden (binnen de regels: 6 weken, 9 maanden)",
    )
    move_to: datetime | None = Field(None, title="Bijeenkomst verzetten: nieuwe datum en tijd")
    rematch_reason: str = Field(
        "", title="Nieuwe match starten: reden",
        description="De mentor stopt; de mentee gaat terug naar matching",
    )
    end_reason: str = Field(
        "", title="Traject beëindigen: reden", description="Alleen invullen om dit traject nu te beëindigen"
    )


    def filled(self) -> set[str]:
        """The fields she filled in: those that differ from the form's defaults (blank text is empty)."""
        found = set()
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if name == "woken_by" or (isinstance(value, str) and not value.strip()):
                continue
            if value != field.get_default(call_default_factory=True):
                found.add(name)
        return found


class MentorChoice(Wake):
    """Kies een mentor voor deze mentee (matching). Vul het id in uit de mentorenpool."""

    mentor_id: int | None = Field(
        None, title="Gekozen mentor (id)", description="Id uit de mentorenpool (`mentorschap pool`)"
    )


class PlanReview(Wake):
    """Commentaar van de procesfacilitator op het concept-mentorschapsplan."""

    comment: str = Field("", title="Commentaar op het plan", description="Voor de mentee (optioneel)")


class EvaluationRecord(Wake):
    """Leg de uitkomst vast van het evaluatiecontact met mentor en mentee."""

    contact: Literal["phone", "mail", "meeting"] | None = Field(
        None, title="Contact", description="Telefoon, mail of gesprek"
    )
    outcome: str = Field("", title="Uitkomst", description="Korte samenvatting van het evaluatiecontact")
