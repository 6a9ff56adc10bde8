"""Benchmark of the optimal matching proposal (domain.matching) on a large, seeded random cohort.

Figures: the wall time of ``propose`` and its total fit; the optimum proven by an independent
method (scipy's HiGHS MILP on the assignment problem, in two stages: first the most pairs, then
the best total fit among those) with its own time; and the greedy baseline.
"""

from __future__ import annotations

import random
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from domain.matching import DAYPARTS, MenteeProfile, MentorProfile, fit_matrix, greedy, propose
from domain.postcodes import AREAS
from domain.topics import TOPIC_IDS

N_MENTEES = 2000
N_MENTORS = 500
CAPACITY = 4
SEED = 20210201


def cohort(
    n_mentees: int = N_MENTEES, n_mentors: int = N_MENTORS, capacity: int = CAPACITY, seed: int = SEED
) -> tuple[list[MenteeProfile], list[MentorProfile], dict[int, set[int]]]:
    """Random but seeded profiles in Zuidoost-Brabant, with skewed topic popularity."""
    rng = random.Random(seed)
    areas = sorted(AREAS)
    popularity = [1.0 / (k + 1) ** 0.6 for k in range(len(TOPIC_IDS))]

    def topics(low: int, high: int) -> list[str]:
        chosen: list[str] = []
        for _ in range(rng.randint(low, high)):
            topic = rng.choices(TOPIC_IDS, weights=popularity)[0]
            if topic not in chosen:
                chosen.append(topic)
        return chosen

    def postcode() -> str:
        return f"{rng.choice(areas)} {rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEFGHJKLMNPRSTVWXZ')}"

    def availability() -> set[str]:
        return set() if rng.random() < 0.15 else set(rng.sample(DAYPARTS, rng.randint(1, 6)))

    mentor_ids = [1000 + k for k in range(n_mentors)]
    mentors = [
        MentorProfile(id=mentor_id, topics=topics(3, 7), postcode=postcode(), capacity=capacity,
                      availability=availability())
        for mentor_id in mentor_ids
    ]
    mentees = []
    for k in range(n_mentees):
        mentees.append(MenteeProfile(
            id=k + 1, topics=topics(1, 5), postcode=postcode(),
            preferred_mentor_ids=rng.sample(mentor_ids, rng.choice((0, 1, 2, 3, 3))),
            conflicts=rng.sample(mentor_ids, rng.choice((0, 0, 1, 2))), availability=availability(),
        ))
    excluded = {rng.randint(1, n_mentees): {rng.choice(mentor_ids)} for _ in range(n_mentees // 20)}
    return mentees, mentors, excluded


def milp_optimum(
    mentees: list[MenteeProfile], mentors: list[MentorProfile], excluded: dict[int, set[int]]
) -> tuple[int, float]:
    """(most pairs, best total fit with that many pairs), by HiGHS on the assignment problem."""
    mentees = sorted(mentees, key=lambda p: p.id)
    mentors = sorted(mentors, key=lambda p: p.id)
    scores = fit_matrix(mentees, mentors)
    column = {mentor.id: j for j, mentor in enumerate(mentors)}
    allowed = np.ones(scores.shape, dtype=bool)
    for i, mentee in enumerate(mentees):
        for mentor_id in {*mentee.conflicts, *excluded.get(mentee.id, ())}:
            if mentor_id in column:
                allowed[i, column[mentor_id]] = False
    rows, cols = np.nonzero(allowed)
    n_vars, n, m = len(rows), len(mentees), len(mentors)
    a = csr_matrix((np.ones(2 * n_vars), (np.r_[rows, n + cols], np.r_[np.arange(n_vars), np.arange(n_vars)])),
                   shape=(n + m, n_vars))
    upper = np.r_[np.ones(n), [mentor.capacity for mentor in mentors]]
    places = LinearConstraint(a, 0, upper)
    binary = np.ones(n_vars)
    first = milp(-np.ones(n_vars), constraints=[places], integrality=binary, bounds=Bounds(0, 1))
    most = round(-first.fun)
    count = LinearConstraint(np.ones((1, n_vars)), most, most)
    second = milp(-scores[rows, cols], constraints=[places, count], integrality=binary, bounds=Bounds(0, 1))
    x = np.rint(second.x).astype(bool)
    return int(x.sum()), float(round(scores[rows, cols][x].sum(), 6))


def run() -> dict[str, float | int]:
    mentees, mentors, excluded = cohort()

    started = time.perf_counter()
    proposal = propose(mentees, mentors, excluded)
    seconds = time.perf_counter() - started

    started = time.perf_counter()
    baseline = greedy(mentees, mentors, excluded)
    greedy_seconds = time.perf_counter() - started

    started = time.perf_counter()
    optimum_pairs, optimum_fit = milp_optimum(mentees, mentors, excluded)
    check_seconds = time.perf_counter() - started

    return {
        "matching_mentees": len(mentees),
        "matching_mentors": len(mentors),
        "matching_capacity": CAPACITY,
        "matching_seconds": round(seconds, 3),
        "matching_pairs": len(proposal.pairs),
        "matching_total_fit": proposal.total_fit,
        "matching_optimum_pairs": optimum_pairs,
        "matching_optimum_fit": optimum_fit,
        "matching_optimum_check_seconds": round(check_seconds, 3),
        "matching_is_optimal": int(len(proposal.pairs) == optimum_pairs
                                   and abs(proposal.total_fit - optimum_fit) < 1e-6),
        "matching_greedy_pairs": len(baseline.pairs),
        "matching_greedy_fit": baseline.total_fit,
        "matching_greedy_seconds": round(greedy_seconds, 3),
    }
