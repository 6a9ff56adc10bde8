"""Whether a mentor may be paired with a mentee: one set of rules for every way a pair is made.

The cohort's approval, the rematch form on a mentee's run and the CLI all ask ``refusal``;
the reason names the mentor and says what the facilitator can do about it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """A mentor of the cohort, as the rules see them."""

    id: int
    name: str
    eligible: bool
    ineligible_reason: str
    trained: bool | None  # None: the training's attendance is not recorded yet
    capacity: int
    load: int  # mentees the mentor guides now (the mentee at hand not counted)
    years_experience: float | None = None  # as a GP; None: unknown


def refusal(
    mentor: Candidate | None, *, excluded: set[int], conflicts: set[int], extra: int = 1,
    mentee_years: float | None = None,
) -> str:
    """'' when the pair may be made; otherwise why not. ``extra``: mentees this choice adds;
    ``mentee_years``: the mentee's years as a GP (the mentor is the more experienced GP)."""
    if mentor is None:
        return "geen mentor van dit cohort; kies een id uit de mentorenpool"
    who = f"{mentor.name} (id {mentor.id})"
    if not mentor.eligible:
        return f"{who} is niet geschikt als mentor: {mentor.ineligible_reason}"
    if mentor.trained is False:
        return f"{who} was niet bij de mentortraining; alleen getrainde mentoren worden gekoppeld"
    if mentor.id in excluded:
        return f"{who} paste eerder niet bij deze mentee; kies een andere mentor"
    if mentor.id in conflicts:
        return f"{who} staat bij de conflicten van de mentee (opgegeven, of dezelfde praktijk)"
    if mentor.years_experience is not None and mentee_years is not None and mentor.years_experience < mentee_years:
        return (f"{who} heeft {mentor.years_experience:g} jaar ervaring als huisarts, minder dan de mentee "
                f"({mentee_years:g}); de mentor is de meer ervaren huisarts: kies een mentor met minstens "
                f"{mentee_years:g} jaar ervaring")
    if mentor.load + extra > mentor.capacity:
        return (f"{who} heeft plaats voor {mentor.capacity} mentee(s) en begeleidt er al {mentor.load}; "
                "kies een mentor met plaats")
    return ""
