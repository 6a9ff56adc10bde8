"""Whether a mentor may be paired with a mentee: one set of rules for every way a pair is made.

The cohort's approval, the rematch form on a mentee's run and the CLI all ask ``refusal``;
the reason names the mentor and says what the facilitator can do about it. Which mentors
conflict with a mentee, how many mentees a mentor guides now, and how the facilitator's
changes to a proposal are checked (``settle``) are here too: ``tasks.cohort`` only reads and writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from domain.people import Application
from domain.trajectory import MatchOutcome, Trajectory

ACTIVE = (MatchOutcome.PENDING, MatchOutcome.AGREED)  # a match that takes a place of the mentor's


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


def same_practice(mentee: Application, mentor: Application) -> bool:
    """The same practice: its name, or its street at the same postcode (case aside)."""
    return (mentor.practice_name.casefold() == mentee.practice_name.casefold()
            or (mentor.practice_address.postcode == mentee.practice_address.postcode
                and mentor.practice_address.street.casefold() == mentee.practice_address.street.casefold()))


def conflicts(mentee: Application, mentors: Mapping[int, Application]) -> list[int]:
    """The mentors this mentee may not be paired with: those she named, and those of her own practice."""
    ours = [mentor_id for mentor_id, m in mentors.items() if same_practice(mentee, m)]
    return sorted(set(mentee.conflict_mentor_ids) | set(ours))


def mentor_load(trajectories: Iterable[Trajectory], leave_out: int | None = None) -> dict[int, int]:
    """Mentees each mentor guides now (a match pending or agreed), ``leave_out``'s trajectory not counted."""
    load: dict[int, int] = {}
    for t in trajectories:
        if t.id != leave_out and t.match is not None and t.match.outcome in ACTIVE:
            load[t.match.mentor_id] = load.get(t.match.mentor_id, 0) + 1
    return load


def room(capacity: int, load: int) -> int:
    """Places a mentor still has."""
    return max(0, capacity - load)


@dataclass(frozen=True)
class Mentee:
    """A mentee of the proposal, as the rules see them (keyed by trajectory id)."""

    name: str
    excluded: frozenset[int]  # mentors who did not fit before
    conflicts: frozenset[int]
    years_experience: float | None = None


def mentee_refusal(mentor: Candidate | None, mentee: Mentee, extra: int = 1) -> str:
    """``refusal`` for this mentee."""
    return refusal(mentor, excluded=set(mentee.excluded), conflicts=set(mentee.conflicts), extra=extra,
                   mentee_years=mentee.years_experience)


CHANGES = "Gewijzigde koppels"  # the approval form's label, before each refusal


def settle(pairs: Mapping[int, int], waiting: set[int], changes: Sequence[tuple[int, int | None]],
           pool: Mapping[int, Candidate], mentees: Mapping[int, Mentee]) -> tuple[dict[int, int], list[str]]:
    """The proposal's ``pairs`` (trajectory id -> mentor id) with the facilitator's ``changes`` applied
    ((trajectory id, mentor id or None to leave the mentee unmatched)), and every refusal.

    Refused: a mentee named twice (which did she mean?), a trajectory not in the proposal (``waiting``),
    a pair the rules refuse, more mentees for one mentor than they have room for. ``mentees``: at
    least every trajectory named in ``changes`` and in ``waiting``.
    """
    settled = dict(pairs)
    refusals: list[str] = []
    named = [tid for tid, _ in changes]

    def name(tid: int) -> str:
        return mentees[tid].name if tid in mentees else f"traject {tid}"

    for tid in sorted({tid for tid in named if named.count(tid) > 1}):
        refusals.append(f"{CHANGES}: {name(tid)} staat er meer dan eens in")
    for tid, mentor_id in changes:
        if tid not in waiting:
            refusals.append(f"{CHANGES}: traject {tid} staat niet in dit voorstel")
        elif mentor_id is None:
            settled.pop(tid, None)
        elif why := mentee_refusal(pool.get(mentor_id), mentees[tid], extra=0):
            refusals.append(f"{CHANGES}: {name(tid)} (traject {tid}): {why}")
        else:
            settled[tid] = mentor_id
    for mentor_id in sorted(set(settled.values())):
        count = sum(1 for m in settled.values() if m == mentor_id)
        if (why := refusal(pool.get(mentor_id), excluded=set(), conflicts=set(), extra=count)) and pool.get(mentor_id):
            refusals.append(f"{CHANGES}: {count} mentees voor één mentor: {why}")
    return settled, refusals
