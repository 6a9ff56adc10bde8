"""What can wake a waiting trajectory run: typed inputs, shown as forms in the Prefect UI.

A participant's act reaches the run through the portal (written to the database
first), a timer through the sweep, a facilitator through these forms or the CLI.
Every field is optional, so a timer's wake-up validates against the same model as the
human step it interrupts; ``woken_by`` says who woke the run and is not on her form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from prefect.input import RunInput
from pydantic import ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from domain.trajectory import Contact

# "system": an act was written elsewhere first (the CLI, the cohort's hand-out): look again; not a form of hers.
WokenBy = Literal["facilitator", "participant", "timer", "system"]


class Hidden(RunInput):
    """A form with ``woken_by`` left out of her form (its schema), yet sent by every waker of ours.

    Prefect's RunInput forbids fields its schema lacks (the server refuses such a resume); ignoring
    unknown fields instead lets the schema omit ``woken_by`` while our wakers still send it. The
    Prefect UI's form sends no ``woken_by``: a form from her reads as the default, the facilitator.
    """

    model_config = ConfigDict(extra="ignore")
    woken_by: SkipJsonSchema[WokenBy] = "facilitator"


class Wake(Hidden):
    """Dit traject bijsturen: vul alleen in wat er moet gebeuren. Een leeg formulier doet niets."""

    # Also what every waker of ours sends to say "look again": the database holds the act already.

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


class _Choice(Hidden):
    mentor_id: int | None = Field(
        None, title="Gekozen mentor (id)", description="Id uit de mentorenpool (`mentorschap pool`)"
    )


class MentorChoice(Wake, _Choice):
    """Kies een mentor voor deze mentee (matching). Vul het id in uit de mentorenpool (of uit het
    artefact 'nieuw-voorstel' bij deze run)."""
    # Fields follow the bases from the last to the first: the choice comes first on her form, above
    # the note, the move, the rematch and the end of the trajectory.


class PlanReview(Wake):
    """Commentaar van de procesfacilitator op het concept-mentorschapsplan."""

    comment: str = Field("", title="Commentaar op het plan", description="Voor de mentee (optioneel)")


class EvaluationRecord(Wake):
    """Leg de uitkomst vast van het evaluatiecontact met mentor en mentee."""

    contact: Literal["telefoon", "mail", "gesprek"] | None = Field(
        None, title="Soort contact", description="Hoe u mentor en mentee sprak: telefoon, mail of gesprek"
    )
    outcome: str = Field("", title="Uitkomst", description="Korte samenvatting van het evaluatiecontact")

    def contact_kind(self) -> Contact | None:
        """Her choice on the form (Dutch) as the trajectory records it."""
        return CONTACT_KINDS[self.contact] if self.contact else None


CONTACT_KINDS: dict[str, Contact] = {"telefoon": "phone", "mail": "mail", "gesprek": "meeting"}
