"""The first matching of mentees to mentors (programme A, phase 2), as a proposal.

The facilitator "lays the application forms side by side"; this module does the same
with profiles and proposes the pairs with the best total fit, for the facilitator to
review. ``fit`` scores one pair with an explanation in Dutch; ``propose`` finds the
optimum over all pairs together; ``greedy`` (best pair first) is the baseline.

Objective of ``propose``: first as many mentees matched as the hard constraints allow
(mentor capacity, conflicts, exclusions after an earlier kennismaking, and the mentor is the
more experienced GP: never fewer years of GP experience than the mentee), then, among all
such proposals, the highest total fit. With ``coverage_first=False`` only the total fit
counts (a mentee may then stay unmatched if that lets others fit better).

Solver: ``scipy.optimize.linear_sum_assignment`` on a profit matrix with one column per
mentor place (a mentor is repeated ``capacity`` times). Forbidden pairs get profit 0 and
are dropped afterwards, so they are never proposed; every allowed pair gets a bonus
larger than any possible total fit, which makes "more pairs" dominate "better pairs".
Scores are rounded to 1e-6 and the solver works in integer micro-units, so totals are
exact and the outcome is deterministic (inputs are sorted by id first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scipy.optimize import linear_sum_assignment

from domain.availability import DAYPARTS, DAYS, PARTS  # noqa: F401  (DAYS, PARTS: part of this API)
from domain.pairing import room
from domain.people import Application
from domain.postcodes import area_code, precision_of, travel_matrix
from domain.topics import TOPIC_IDS, check_topics, topic_label

# How much each part counts in the total (sums to 1, so the total lies in [0, 1]).
WEIGHT_TOPICS = 0.40
WEIGHT_PREFERENCE = 0.25
WEIGHT_TRAVEL = 0.20
WEIGHT_AVAILABILITY = 0.15

TRAVEL_ZERO_KM = 60.0  # travel scores 1 at 0 km and falls linearly to 0 here
PREFERENCE_SCORES = (1.0, 2 / 3, 1 / 3)  # the mentee's 1st, 2nd and 3rd choice
AVAILABILITY_SCORES = (0.0, 0.6, 0.85, 1.0)  # 0, 1, 2, 3 or more shared day-parts
AVAILABILITY_UNKNOWN = 0.8  # one side gave no day-parts: probably workable
TOPICS_UNKNOWN = 0.5  # the mentee gave no learning goals
MAX_PREFERENCES = 3

MICRO = 1_000_000  # scores are rounded to 1e-6; the solver counts in these units


class _Profile(BaseModel):
    id: int
    topics: list[str] = Field(default_factory=list, description="onderwerpen, ids uit domain.topics")
    postcode: str = Field(description="postcode van de eigen praktijk")
    availability: set[str] = Field(default_factory=set, description="dagdelen, bv. 'di-avond'; leeg: flexibel")
    years_experience: float | None = Field(None, ge=0, description="jaren ervaring als huisarts; leeg: onbekend")

    @field_validator("topics")
    @classmethod
    def _topics(cls, value: list[str]) -> list[str]:
        return check_topics(value)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        area_code(value)
        return value.strip().upper()

    @field_validator("availability")
    @classmethod
    def _dayparts(cls, value: set[str]) -> set[str]:
        unknown = sorted(value - set(DAYPARTS))
        if unknown:
            raise ValueError(f"onbekend dagdeel: {', '.join(unknown)} (gebruik bijvoorbeeld 'di-avond')")
        return value


class MenteeProfile(_Profile):
    """What matching needs from a mentee's application; ``topics`` are the learning goals."""

    preferred_mentor_ids: list[int] = Field(default_factory=list, max_length=MAX_PREFERENCES,
                                            description="voorkeursmentoren, beste eerst")
    conflicts: list[int] = Field(default_factory=list,
                                 description="uitgesloten mentoren: zelfde praktijk, persoonlijke relatie")

    @field_validator("preferred_mentor_ids")
    @classmethod
    def _distinct_preferences(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("een mentor staat meer dan eens in de voorkeuren")
        return value


class MentorProfile(_Profile):
    """What matching needs from a mentor's application; ``topics`` are those the mentor helps with.
    The postcode is the mentor's practice: the mentee travels there."""

    capacity: int = Field(1, ge=0, description="hoeveel mentees deze mentor tegelijk begeleidt")


class FitScore(BaseModel):
    """How well one mentor suits one mentee: the total, its parts (each 0..1) and why."""

    model_config = ConfigDict(frozen=True)

    total: float
    topics: float
    travel: float
    preference: float
    availability: float
    covered_topics: list[str]
    missing_topics: list[str]
    km: float
    travel_estimated: bool
    preference_rank: int | None
    shared_dayparts: list[str]
    explanation: str


class Pair(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentee_id: int
    mentor_id: int
    score: float
    explanation: str


class Unmatched(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentee_id: int
    reason: str


class Proposal(BaseModel):
    """A proposed first matching, for the facilitator to review; pairs sorted by mentee id."""

    method: Literal["optimaal", "gretig"]
    pairs: list[Pair]
    unmatched: list[Unmatched]
    total_fit: float

    def mentor_of(self, mentee_id: int) -> int | None:
        return next((pair.mentor_id for pair in self.pairs if pair.mentee_id == mentee_id), None)


# --- scoring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """All pairs at once: part scores, totals and the allowed mask, rows = mentees, columns = mentors."""

    mentees: list[MenteeProfile]
    mentors: list[MentorProfile]
    topics: np.ndarray
    covered: np.ndarray
    km: np.ndarray
    km_precision: np.ndarray
    travel: np.ndarray
    rank: np.ndarray  # 1..3, 0 = not preferred
    preference: np.ndarray
    shared: np.ndarray
    availability: np.ndarray
    total: np.ndarray
    micro: np.ndarray  # total in integer micro-units
    conflict: np.ndarray
    excluded: np.ndarray
    junior: np.ndarray  # the mentor has fewer years of GP experience than the mentee

    @property
    def allowed(self) -> np.ndarray:
        return ~(self.conflict | self.excluded | self.junior)


def _incidence(sets: Sequence[Sequence[str] | set[str]], vocabulary: Sequence[str]) -> np.ndarray:
    index = {item: k for k, item in enumerate(vocabulary)}
    matrix = np.zeros((len(sets), len(vocabulary)), dtype=np.int32)
    for row, items in enumerate(sets):
        for item in items:
            matrix[row, index[item]] = 1
    return matrix


def _table(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    excluded: dict[int, set[int]] | None = None,
) -> _Table:
    mentees = sorted(mentees, key=lambda m: m.id)
    mentors = sorted(mentors, key=lambda m: m.id)
    for kind, people in (("mentee", mentees), ("mentor", mentors)):
        ids = [p.id for p in people]
        if len(set(ids)) != len(ids):
            raise ValueError(f"dubbele {kind}-id in de invoer")
    n, m = len(mentees), len(mentors)
    column = {mentor.id: j for j, mentor in enumerate(mentors)}

    wanted = _incidence([p.topics for p in mentees], TOPIC_IDS)
    offered = _incidence([p.topics for p in mentors], TOPIC_IDS)
    covered = wanted @ offered.T
    n_wanted = wanted.sum(axis=1)[:, None]
    topics = np.where(n_wanted > 0, covered / np.maximum(n_wanted, 1), TOPICS_UNKNOWN)

    codes_a = [area_code(p.postcode) for p in mentees]
    codes_b = [area_code(p.postcode) for p in mentors]
    empty = (np.array([]), np.array([], dtype=np.intp))
    unique_a, inv_a = np.unique(np.array(codes_a, dtype=str), return_inverse=True) if n else empty
    unique_b, inv_b = np.unique(np.array(codes_b, dtype=str), return_inverse=True) if m else empty
    km_u, precision_u = travel_matrix(list(unique_a), list(unique_b))
    km = km_u[np.ix_(inv_a, inv_b)] if n and m else np.zeros((n, m))
    km_precision = precision_u[np.ix_(inv_a, inv_b)] if n and m else np.zeros((n, m), dtype=np.int8)
    travel = np.maximum(0.0, 1.0 - km / TRAVEL_ZERO_KM)

    rank = np.zeros((n, m), dtype=np.int8)
    conflict = np.zeros((n, m), dtype=bool)
    later = np.zeros((n, m), dtype=bool)
    for i, mentee in enumerate(mentees):
        for r, mentor_id in enumerate(mentee.preferred_mentor_ids, start=1):
            if mentor_id in column:
                rank[i, column[mentor_id]] = r
        for mentor_id in mentee.conflicts:
            if mentor_id in column:
                conflict[i, column[mentor_id]] = True
        for mentor_id in (excluded or {}).get(mentee.id, ()):
            if mentor_id in column:
                later[i, column[mentor_id]] = True
    preference = np.array((0.0, *PREFERENCE_SCORES))[rank]
    junior = _junior(mentees, mentors)

    free_a = _incidence([p.availability for p in mentees], DAYPARTS)
    free_b = _incidence([p.availability for p in mentors], DAYPARTS)
    shared = free_a @ free_b.T
    unknown = (free_a.sum(axis=1) == 0)[:, None] | (free_b.sum(axis=1) == 0)[None, :]
    availability = np.where(
        unknown, AVAILABILITY_UNKNOWN, np.array(AVAILABILITY_SCORES)[np.minimum(shared, len(AVAILABILITY_SCORES) - 1)]
    )

    total = np.round(
        WEIGHT_TOPICS * topics + WEIGHT_PREFERENCE * preference + WEIGHT_TRAVEL * travel
        + WEIGHT_AVAILABILITY * availability,
        6,
    )
    micro = np.rint(total * MICRO).astype(np.int64)
    return _Table(mentees, mentors, topics, covered, km, km_precision, travel, rank, preference, shared,
                  availability, total, micro, conflict, later, junior)


def _junior(mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile]) -> np.ndarray:
    """Pairs whose mentor has fewer years as a GP than the mentee (the seed: the mentor is "een meer
    ervaren huisarts"); equal years are allowed, and an unknown number forbids nothing."""
    nan = float("nan")
    a = np.array([nan if p.years_experience is None else p.years_experience for p in mentees], dtype=float)
    b = np.array([nan if p.years_experience is None else p.years_experience for p in mentors], dtype=float)
    return b[None, :] < a[:, None]  # NaN compares False


def _ordinal(rank: int) -> str:
    return f"{rank}e"


def _fit_at(table: _Table, i: int, j: int) -> FitScore:
    mentee, mentor = table.mentees[i], table.mentors[j]
    offered = set(mentor.topics)
    covered = [t for t in mentee.topics if t in offered]
    missing = [t for t in mentee.topics if t not in offered]
    km = float(table.km[i, j])
    estimated = precision_of(int(table.km_precision[i, j])).value != "area"
    rank = int(table.rank[i, j]) or None
    shared = [d for d in DAYPARTS if d in mentee.availability and d in mentor.availability]

    parts: list[str] = []
    if mentee.topics:
        text = f"{len(covered)} van {len(mentee.topics)} leerdoelen gedekt"
        if covered:
            text += f" ({', '.join(topic_label(t) for t in covered)})"
        if missing:
            text += f", niet: {', '.join(topic_label(t) for t in missing)}"
        parts.append(text)
    else:
        parts.append("geen leerdoelen opgegeven")
    if km == 0:
        parts.append("zelfde postcodegebied")
    else:
        parts.append(f"{'ca. ' if estimated else ''}{km:.0f} km reizen{' (geschat)' if estimated else ''}")
    if rank:
        parts.append(f"{_ordinal(rank)} voorkeur van de mentee")
    elif mentee.preferred_mentor_ids:
        parts.append("niet bij de voorkeuren van de mentee")
    if not mentee.availability or not mentor.availability:
        parts.append("beschikbaarheid niet (volledig) opgegeven")
    elif shared:
        parts.append(f"{len(shared)} gezamenlijk{'e' if len(shared) > 1 else ''} "
                     f"dagde{'len' if len(shared) > 1 else 'el'} ({', '.join(shared)})")
    else:
        parts.append("geen gezamenlijk dagdeel")

    return FitScore(
        total=float(table.total[i, j]),
        topics=float(table.topics[i, j]),
        travel=float(table.travel[i, j]),
        preference=float(table.preference[i, j]),
        availability=float(table.availability[i, j]),
        covered_topics=covered,
        missing_topics=missing,
        km=km,
        travel_estimated=estimated,
        preference_rank=rank,
        shared_dayparts=shared,
        explanation="; ".join(parts),
    )


def fit(mentee: MenteeProfile, mentor: MentorProfile) -> FitScore:
    """How well ``mentor`` suits ``mentee``, ignoring conflicts and capacity (those are hard rules)."""
    return _fit_at(_table([mentee], [mentor]), 0, 0)


def fit_matrix(mentees: Sequence[MenteeProfile], mentors: Sequence[MentorProfile]) -> np.ndarray:
    """Totals of ``fit`` for all pairs, rows = mentees by id, columns = mentors by id."""
    return _table(mentees, mentors).total


# --- proposals -----------------------------------------------------------------------------


def _proposal(table: _Table, method: Literal["optimaal", "gretig"], chosen: dict[int, int]) -> Proposal:
    allowed = table.allowed
    capacity = np.array([mentor.capacity for mentor in table.mentors], dtype=np.int64)
    pairs: list[Pair] = []
    unmatched: list[Unmatched] = []
    for i, mentee in enumerate(table.mentees):
        if i in chosen:
            j = chosen[i]
            score = _fit_at(table, i, j)
            pairs.append(Pair(mentee_id=mentee.id, mentor_id=table.mentors[j].id, score=score.total,
                              explanation=score.explanation))
            continue
        unmatched.append(Unmatched(mentee_id=mentee.id, reason=_reason(table, i, allowed[i], capacity)))
    total = sum(int(table.micro[i, j]) for i, j in chosen.items()) / MICRO
    return Proposal(method=method, pairs=pairs, unmatched=unmatched, total_fit=total)


def _reason(table: _Table, i: int, allowed: np.ndarray, capacity: np.ndarray) -> str:
    if not table.mentors or capacity.sum() == 0:
        return "er zijn geen mentoren met plaats in deze ronde"
    n_junior = int((table.junior[i] & ~table.conflict[i] & ~table.excluded[i]).sum())
    junior = (f"{n_junior} met minder jaren ervaring als huisarts dan de mentee "
              f"({table.mentees[i].years_experience or 0:g}): de mentor is de meer ervaren huisarts")
    candidates = allowed & (capacity > 0)
    if not candidates.any():
        n_conflict = int(table.conflict[i].sum())
        n_later = int((table.excluded[i] & ~table.conflict[i]).sum())
        details = []
        if n_conflict:
            details.append(f"{n_conflict} wegens een conflict (zelfde praktijk of persoonlijke relatie)")
        if n_later:
            details.append(f"{n_later} na een eerdere kennismaking")
        if n_junior:
            details.append(junior)
        if not details:
            return "geen enkele mentor heeft plaats"
        return "alle mentoren met plaats zijn uitgesloten: " + ", ".join(details)
    n = int(candidates.sum())
    also = f" (niet in aanmerking: {junior})" if n_junior else ""
    if n == 1:
        return f"geen mentorcapaciteit meer over: de enige mentor die in aanmerking komt is vol{also}"
    return f"geen mentorcapaciteit meer over: de {n} mentoren die in aanmerking komen zijn vol{also}"


def _capacity_columns(table: _Table) -> np.ndarray:
    n = len(table.mentees)
    allowed_counts = table.allowed.sum(axis=0)
    places = [min(mentor.capacity, int(allowed_counts[j]), n) for j, mentor in enumerate(table.mentors)]
    return np.repeat(np.arange(len(table.mentors)), places)


def propose(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    excluded: dict[int, set[int]] | None = None,
    *,
    coverage_first: bool = True,
) -> Proposal:
    """The optimal proposal: most mentees matched, then the highest total fit (see module docstring).

    ``excluded`` maps a mentee id to mentor ids that must not be proposed again (for instance
    after a kennismaking that did not click); a mentee's own ``conflicts`` are excluded too.
    """
    table = _table(mentees, mentors, excluded)
    columns = _capacity_columns(table)
    chosen: dict[int, int] = {}
    if len(table.mentees) and len(columns):
        allowed = table.allowed
        bonus = (len(table.mentees) + 1) * MICRO if coverage_first else 0
        profit = np.where(allowed, (table.micro + bonus).astype(np.float64), 0.0).take(columns, axis=1)
        rows, cols = linear_sum_assignment(profit, maximize=True)
        for i, c in zip(rows.tolist(), cols.tolist(), strict=True):
            if allowed[i, columns[c]]:
                chosen[i] = int(columns[c])
        _fill_zero_fit_places(table, chosen)
    return _proposal(table, "optimaal", chosen)


def _fill_zero_fit_places(table: _Table, chosen: dict[int, int]) -> None:
    """An allowed pair with fit 0 adds nothing to the total, so the solver may leave it out;
    still propose it when the mentor has room (total unchanged, one mentee more matched)."""
    load = np.bincount(np.array(list(chosen.values()), dtype=np.int64), minlength=len(table.mentors))
    allowed = table.allowed
    for i in range(len(table.mentees)):
        if i in chosen:
            continue
        for j, mentor in enumerate(table.mentors):
            if allowed[i, j] and load[j] < mentor.capacity:
                chosen[i] = j
                load[j] += 1
                break


def greedy(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    excluded: dict[int, set[int]] | None = None,
) -> Proposal:
    """Baseline: repeatedly take the best remaining allowed pair (ties: lowest mentee id, then mentor id)."""
    table = _table(mentees, mentors, excluded)
    n, m = table.micro.shape
    room = [mentor.capacity for mentor in table.mentors]
    open_places = sum(room)
    chosen: dict[int, int] = {}
    flat = np.flatnonzero(table.allowed.ravel())
    rows, cols = flat // max(m, 1), flat % max(m, 1)
    order = np.lexsort((cols, rows, -table.micro.ravel()[flat]))
    for i, j in zip(rows[order].tolist(), cols[order].tolist(), strict=True):
        if len(chosen) == n or open_places == 0:
            break
        if i in chosen or room[j] == 0:
            continue
        chosen[i] = j
        room[j] -= 1
        open_places -= 1
    return _proposal(table, "gretig", chosen)


def mentee_profile(person_id: int, app: Application, conflicts: list[int]) -> MenteeProfile:
    """A mentee's application as the matching sees it (``conflicts``: ``domain.pairing.conflicts``)."""
    return MenteeProfile(
        id=person_id, topics=app.topic_ids, postcode=app.practice_address.postcode,
        availability=set(app.availability), preferred_mentor_ids=app.preferred_mentor_ids,
        conflicts=conflicts, years_experience=app.years_experience,
    )


def mentor_profile(person_id: int, app: Application, load: int) -> MentorProfile:
    """A mentor's application as the matching sees it, with the room left beside ``load`` mentees."""
    return MentorProfile(id=person_id, topics=app.topic_ids, postcode=app.practice_address.postcode,
                         availability=set(app.availability), capacity=room(app.capacity, load),
                         years_experience=app.years_experience)
