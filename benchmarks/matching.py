"""Benchmark of the optimal matching proposal (domain.matching) on a large, seeded random cohort.

Figures: the wall time of ``propose`` and its total fit; the optimum proven by an independent
method (maximum flow for the most pairs, then HiGHS on the assignment LP with an LP-duality
certificate checked on every pair, see ``certified_optimum``) with its own time; and the
greedy baseline.
"""

from __future__ import annotations

import random
import time

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from domain.matching import DAYPARTS, MenteeProfile, MentorProfile, fit_matrix, greedy, propose
from domain.postcodes import AREAS
from domain.topics import TOPIC_IDS

N_MENTEES = 2000
N_MENTORS = 500
CAPACITY = 4
SEED = 20210201

TARGETS = {"matching_is_optimal": (">=", 1)}


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


def certified_optimum(
    mentees: list[MenteeProfile], mentors: list[MentorProfile], excluded: dict[int, set[int]], k: int = 20
) -> tuple[int, float]:
    """(most pairs, best total fit with that many pairs), proven without ``linear_sum_assignment``.

    The most pairs come from a maximum flow (scipy.sparse.csgraph). The best fit comes from the
    assignment LP solved by HiGHS (scipy.optimize.linprog) on each mentee's ``k`` best allowed
    mentors plus the flow's edges; its duals are then checked on ALL allowed pairs in integer
    arithmetic (dual feasible and dual objective == primal objective), and pairs that violate them
    are added until none do. That is an LP-duality proof of the optimum on the full problem.
    """
    mentees = sorted(mentees, key=lambda p: p.id)
    mentors = sorted(mentors, key=lambda p: p.id)
    weight = np.rint(fit_matrix(mentees, mentors) * 1_000_000).astype(np.int64)  # integer micro-units
    n, m = weight.shape
    column = {mentor.id: j for j, mentor in enumerate(mentors)}
    allowed = np.ones((n, m), dtype=bool)
    for i, mentee in enumerate(mentees):
        for mentor_id in {*mentee.conflicts, *excluded.get(mentee.id, ())}:
            if mentor_id in column:
                allowed[i, column[mentor_id]] = False
    capacity = np.array([mentor.capacity for mentor in mentors], dtype=np.int64)

    source, sink = n + m, n + m + 1
    edge_i, edge_j = np.nonzero(allowed)
    graph = csr_matrix(
        (np.r_[np.ones(n), np.ones(len(edge_i)), capacity].astype(np.int32),
         (np.r_[np.full(n, source), edge_i, n + np.arange(m)], np.r_[np.arange(n), n + edge_j, np.full(m, sink)])),
        shape=(n + m + 2, n + m + 2),
    )
    flow = maximum_flow(graph, source, sink)
    most = int(flow.flow_value)
    used = flow.flow.tocoo()
    on = (used.row < n) & (used.col >= n) & (used.col < n + m) & (used.data > 0)

    candidate = np.zeros((n, m), dtype=bool)
    best = np.argpartition(-np.where(allowed, weight, -1), min(k, m - 1), axis=1)[:, :k]
    candidate[np.arange(n)[:, None], best] = True
    candidate[used.row[on], used.col[on] - n] = True
    candidate &= allowed
    while True:
        rows, cols = np.nonzero(candidate)
        a = csr_matrix((np.ones(2 * len(rows)), (np.r_[rows, n + cols], np.tile(np.arange(len(rows)), 2))),
                       shape=(n + m, len(rows)))
        result = linprog(-weight[rows, cols].astype(float), A_ub=a, b_ub=np.r_[np.ones(n), capacity],
                         A_eq=np.ones((1, len(rows))), b_eq=[most], bounds=(0, None), method="highs-ds")
        if result.status != 0:
            raise RuntimeError(f"HiGHS: {result.message}")
        x = np.rint(result.x).astype(np.int64)
        u = np.rint(-result.ineqlin.marginals[:n]).astype(np.int64)
        v = np.rint(-result.ineqlin.marginals[n:]).astype(np.int64)
        lam = int(np.rint(-result.eqlin.marginals[0]))
        slack = weight - u[:, None] - v[None, :] - lam  # must be <= 0 on every allowed pair
        violated = allowed & (slack > 0)
        if not violated.any():
            break
        candidate |= violated
    primal = int(weight[rows, cols] @ x)
    dual = int(u.sum() + capacity @ v + most * lam)
    feasible = (x >= 0).all() and np.bincount(rows, x, n).max() <= 1 and (np.bincount(cols, x, m) <= capacity).all()
    if not (feasible and x.sum() == most and (u >= 0).all() and (v >= 0).all() and primal == dual):
        raise RuntimeError("no optimality certificate: primal and dual disagree")
    return most, primal / 1_000_000


def run() -> dict[str, float | int]:
    mentees, mentors, excluded = cohort()

    started = time.perf_counter()
    proposal = propose(mentees, mentors, excluded)
    seconds = time.perf_counter() - started

    started = time.perf_counter()
    baseline = greedy(mentees, mentors, excluded)
    greedy_seconds = time.perf_counter() - started

    started = time.perf_counter()
    optimum_pairs, optimum_fit = certified_optimum(mentees, mentors, excluded)
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
