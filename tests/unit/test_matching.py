"""The matching proposal: fit parts, hard rules, and the optimum against independent methods."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import numpy as np
import pytest
from pydantic import ValidationError

from domain.matching import (
    AVAILABILITY_SCORES,
    AVAILABILITY_UNKNOWN,
    DAYPARTS,
    PREFERENCE_SCORES,
    TRAVEL_ZERO_KM,
    WEIGHT_AVAILABILITY,
    WEIGHT_PREFERENCE,
    WEIGHT_TOPICS,
    WEIGHT_TRAVEL,
    MenteeProfile,
    MentorProfile,
    Proposal,
    fit,
    fit_matrix,
    greedy,
    propose,
)
from domain.postcodes import AREAS, Precision, distance_km, haversine_km, travel
from domain.topics import TOPIC_IDS, TOPICS, check_topics, topic_label

MICRO = 1_000_000


def mentee(id: int, topics=(), postcode="5611 AB", prefs=(), conflicts=(), availability=()) -> MenteeProfile:
    return MenteeProfile(id=id, topics=list(topics), postcode=postcode, preferred_mentor_ids=list(prefs),
                         conflicts=list(conflicts), availability=set(availability))


def mentor(id: int, topics=(), postcode="5611 AB", capacity=1, availability=()) -> MentorProfile:
    return MentorProfile(id=id, topics=list(topics), postcode=postcode, capacity=capacity,
                         availability=set(availability))


def random_case(seed: int, n_mentees: int, n_mentors: int, max_capacity: int, conflict_rate: float = 0.15):
    rng = random.Random(seed)
    areas = sorted(AREAS)
    mentor_ids = [100 + k for k in range(n_mentors)]
    mentors = [
        mentor(j, rng.sample(TOPIC_IDS, rng.randint(1, 6)), rng.choice(areas), rng.randint(1, max_capacity),
               rng.sample(DAYPARTS, rng.randint(0, 4)))
        for j in mentor_ids
    ]
    mentees = [
        mentee(i, rng.sample(TOPIC_IDS, rng.randint(0, 4)), rng.choice(areas),
               rng.sample(mentor_ids, rng.randint(0, min(3, n_mentors))),
               [j for j in mentor_ids if rng.random() < conflict_rate], rng.sample(DAYPARTS, rng.randint(0, 4)))
        for i in range(1, n_mentees + 1)
    ]
    excluded = {i: {j for j in mentor_ids if rng.random() < conflict_rate / 2} for i in range(1, n_mentees + 1)}
    return mentees, mentors, excluded


def micro_scores(mentees, mentors) -> dict[tuple[int, int], int]:
    """Every pair's fit in micro-units (the matrix rows and columns are sorted by id)."""
    matrix = fit_matrix(mentees, mentors)
    rows, cols = sorted(m.id for m in mentees), sorted(m.id for m in mentors)
    return {(a, b): round(matrix[i, j] * MICRO) for i, a in enumerate(rows) for j, b in enumerate(cols)}


def forbidden(mentees, excluded) -> set[tuple[int, int]]:
    return {(m.id, j) for m in mentees for j in {*m.conflicts, *excluded.get(m.id, ())}}


def micro_total(proposal: Proposal) -> int:
    return sum(round(pair.score * MICRO) for pair in proposal.pairs)


# --- topics and postcodes ---------------------------------------------------------------


def test_topics_are_a_fixed_list_with_stable_unique_ids_and_dutch_labels():
    assert 12 <= len(TOPICS) <= 16
    assert len(set(TOPIC_IDS)) == len(TOPIC_IDS)
    assert topic_label("lastige_patienten") == "omgaan met lastige patiënten"
    assert check_topics(["loopbaan", "werk_prive", "loopbaan"]) == ["loopbaan", "werk_prive"]
    with pytest.raises(ValueError, match="onbekend onderwerp"):
        check_topics(["golf"])


def test_distance_between_eindhoven_and_helmond_is_about_13_km_and_symmetric():
    assert 11 < distance_km("5611 AB", "5701 CD") < 15
    assert distance_km("5611AB", "5701cd") == distance_km("5701 CD", "5611 AB")
    assert distance_km("5611 AB", "5611 ZZ") == 0.0
    here, there = AREAS["5611"], AREAS["5701"]
    assert distance_km("5611", "5701") == round(haversine_km(here[:2], there[:2]), 1)


def test_unknown_areas_fall_back_to_the_region_then_to_the_postcode_numbers():
    assert travel("5611", "5701").precision is Precision.AREA
    region = travel("5611 AB", "5211 AA")  # 's-Hertogenbosch: only its 2-digit region is known
    assert region.precision is Precision.REGION and 25 < region.km < 40
    assert travel("5211 AA", "5221 AA").km >= 8.0  # same region, never claimed closer than its spread
    far = travel("9711 AA", "5611 AA")
    assert far.precision is Precision.NUMERIC and far.km > 100
    assert travel("9711 AA", "9712 AA").km < travel("9711 AA", "9811 AA").km
    with pytest.raises(ValueError, match="postcode"):
        distance_km("0123 AB", "5611 AB")


# --- fit ---------------------------------------------------------------------------------


def test_fit_parts_and_explanation():
    goals = ["lastige_patienten", "grenzen_stellen", "werk_prive", "loopbaan"]
    a = mentee(1, goals, "5611 AB", prefs=[7, 8], availability={"di-avond", "do-middag", "vr-ochtend"})
    b = mentor(7, [*goals[:3], "anw_diensten"], "5701 CD", availability={"di-avond", "do-middag"})
    score = fit(a, b)
    assert score.topics == 0.75
    assert score.covered_topics == goals[:3] and score.missing_topics == ["loopbaan"]
    assert score.km == distance_km("5611", "5701")
    assert score.travel == pytest.approx(1 - score.km / TRAVEL_ZERO_KM)
    assert score.preference_rank == 1 and score.preference == PREFERENCE_SCORES[0]
    assert score.shared_dayparts == ["di-avond", "do-middag"] and score.availability == AVAILABILITY_SCORES[2]
    expected = (WEIGHT_TOPICS * 0.75 + WEIGHT_PREFERENCE * 1.0 + WEIGHT_TRAVEL * score.travel
                + WEIGHT_AVAILABILITY * AVAILABILITY_SCORES[2])
    assert score.total == pytest.approx(expected, abs=1e-6)
    assert score.explanation.startswith("3 van 4 leerdoelen gedekt (omgaan met lastige patiënten, ")
    assert "13 km reizen" in score.explanation and "1e voorkeur van de mentee" in score.explanation
    assert "2 gezamenlijke dagdelen (di-avond, do-middag)" in score.explanation


def test_fit_rewards_preference_rank_nearness_and_shared_dayparts():
    a = mentee(1, ["loopbaan"], "5611 AB", prefs=[2, 3, 4], availability={"ma-avond"})
    near, far = mentor(9, ["loopbaan"], "5612 AA"), mentor(9, ["loopbaan"], "5541 AA")
    assert fit(a, near).travel > fit(a, far).travel
    ranks = [fit(a, mentor(j, ["loopbaan"])).preference for j in (2, 3, 4, 5)]
    assert ranks == [*PREFERENCE_SCORES, 0.0]
    assert "niet bij de voorkeuren" in fit(a, mentor(5)).explanation
    assert fit(a, mentor(2, availability={"di-avond"})).availability == 0.0
    assert fit(a, mentor(2)).availability == AVAILABILITY_UNKNOWN
    assert fit(mentee(1), mentor(2)).explanation.startswith("geen leerdoelen opgegeven")


def test_fit_matrix_agrees_with_fit_for_every_pair():
    mentees, mentors, _ = random_case(7, 12, 6, 2)
    matrix = fit_matrix(mentees, mentors)
    for i, a in enumerate(mentees):
        for j, b in enumerate(mentors):
            assert matrix[i, j] == fit(a, b).total


def test_profiles_refuse_unknown_topics_dayparts_and_too_many_preferences():
    with pytest.raises(ValidationError):
        mentee(1, ["golf"])
    with pytest.raises(ValidationError):
        mentee(1, availability={"zo-ochtend"})
    with pytest.raises(ValidationError):
        mentee(1, prefs=[1, 2, 3, 4])
    with pytest.raises(ValidationError):
        mentor(1, capacity=-1)


# --- hard rules --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_exclusions_are_never_proposed_and_capacity_is_respected(seed):
    mentees, mentors, excluded = random_case(seed, 40, 10, 3, conflict_rate=0.4)
    for proposal in (propose(mentees, mentors, excluded), greedy(mentees, mentors, excluded),
                     propose(mentees, mentors, excluded, coverage_first=False)):
        pairs = {(p.mentee_id, p.mentor_id) for p in proposal.pairs}
        assert not pairs & forbidden(mentees, excluded)
        load = {m.id: 0 for m in mentors}
        for pair in proposal.pairs:
            load[pair.mentor_id] += 1
        assert all(load[m.id] <= m.capacity for m in mentors)
        assert sorted([p.mentee_id for p in proposal.pairs] + [u.mentee_id for u in proposal.unmatched]) == \
            [m.id for m in mentees]


def test_a_mentee_whose_mentors_are_all_excluded_is_unmatched_with_a_reason():
    mentees = [mentee(1, conflicts=[10]), mentee(2)]
    mentors = [mentor(10), mentor(11)]
    proposal = propose(mentees, mentors, excluded={1: {11}})
    assert proposal.mentor_of(2) in (10, 11) and proposal.mentor_of(1) is None
    (reason,) = [u.reason for u in proposal.unmatched]
    assert reason.startswith("alle mentoren met plaats zijn uitgesloten")
    assert "1 wegens een conflict" in reason and "1 na een eerdere kennismaking" in reason


def test_a_mentor_with_fewer_years_as_a_gp_than_the_mentee_is_never_proposed():
    """The seed: a mentor is "een meer ervaren huisarts"; equal years and unknown years forbid nothing."""
    senior = mentee(1, topics=["praktijkvoering"]).model_copy(update={"years_experience": 12.0})
    young = mentor(10, topics=["praktijkvoering"]).model_copy(update={"years_experience": 8.0})
    equal = mentor(11).model_copy(update={"years_experience": 12.0})
    for method in (propose, greedy):
        assert method([senior], [young, equal]).mentor_of(1) == 11  # the better fit is the junior one
        (left,) = method([senior], [young]).unmatched
        assert left.reason == ("alle mentoren met plaats zijn uitgesloten: 1 met minder jaren ervaring als huisarts "
                               "dan de mentee (12): de mentor is de meer ervaren huisarts")
    assert propose([mentee(1)], [young]).mentor_of(1) == 10  # the mentee's years unknown: no rule
    full = propose([senior, mentee(2)], [young, equal])
    assert full.mentor_of(2) == 11 or full.mentor_of(1) == 11
    assert "1 met minder jaren ervaring" not in propose([mentee(2), mentee(3)], [equal]).unmatched[0].reason


def test_an_unmatched_mentee_hears_that_the_junior_mentors_did_not_count_even_when_others_are_full():
    senior = mentee(1).model_copy(update={"years_experience": 10.0})
    taken = mentee(2).model_copy(update={"years_experience": 1.0})
    proposal = propose([senior, taken], [mentor(10).model_copy(update={"years_experience": 20.0}),
                                         mentor(11).model_copy(update={"years_experience": 4.0})])
    assert proposal.mentor_of(1) == 10 and proposal.mentor_of(2) == 11
    lone = propose([senior, taken.model_copy(update={"id": 3, "years_experience": 30.0})],
                   [mentor(10).model_copy(update={"years_experience": 40.0}),
                    mentor(11).model_copy(update={"years_experience": 4.0})])
    (left,) = lone.unmatched
    assert left.reason.startswith("geen mentorcapaciteit meer over: de enige mentor die in aanmerking komt is vol")
    assert "(niet in aanmerking: 1 met minder jaren ervaring als huisarts dan de mentee" in left.reason


def test_a_mentee_left_over_when_capacity_runs_out_is_told_so():
    proposal = propose([mentee(1), mentee(2), mentee(3)], [mentor(10, capacity=2)])
    assert len(proposal.pairs) == 2
    assert proposal.unmatched[0].reason.startswith("geen mentorcapaciteit meer over")
    assert propose([mentee(1)], []).unmatched[0].reason == "er zijn geen mentoren met plaats in deze ronde"


def test_proposal_does_not_depend_on_input_order():
    mentees, mentors, excluded = random_case(3, 30, 8, 3)
    first = propose(mentees, mentors, excluded)
    rng = random.Random(0)
    rng.shuffle(mentees)
    rng.shuffle(mentors)
    assert propose(mentees, mentors, excluded) == first


# --- optimality against independent methods ------------------------------------------


def brute_force(mentees, mentors, excluded, coverage_first=True) -> tuple[int, int]:
    """Best (pairs, micro total) over every assignment of each mentee to one allowed mentor or nobody."""
    scores = micro_scores(mentees, mentors)
    banned = forbidden(mentees, excluded)
    options = [[None] + [b.id for b in mentors if (a.id, b.id) not in banned] for a in mentees]
    capacity = {b.id: b.capacity for b in mentors}
    best = (-1, -1)
    for choice in itertools.product(*options):
        taken = [j for j in choice if j is not None]
        if any(taken.count(j) > capacity[j] for j in set(taken)):
            continue
        total = sum(scores[a.id, j] for a, j in zip(mentees, choice, strict=True) if j is not None)
        key = (len(taken), total) if coverage_first else (0, total)
        best = max(best, key)
    return best


@pytest.mark.parametrize("seed", range(8))
def test_optimum_equals_brute_force_on_small_cases(seed):
    rng = random.Random(seed)
    mentees, mentors, excluded = random_case(seed, rng.randint(4, 6), rng.randint(2, 3), 2, conflict_rate=0.3)
    proposal = propose(mentees, mentors, excluded)
    assert (len(proposal.pairs), micro_total(proposal)) == brute_force(mentees, mentors, excluded)
    assert proposal.total_fit * MICRO == pytest.approx(micro_total(proposal), abs=1e-3)
    only_fit = propose(mentees, mentors, excluded, coverage_first=False)
    assert micro_total(only_fit) == brute_force(mentees, mentors, excluded, coverage_first=False)[1]


def min_cost_flow_optimum(mentees, mentors, excluded) -> tuple[int, int]:
    """(most pairs, best micro total among those) by networkx's max-flow-min-cost."""
    banned = forbidden(mentees, excluded)
    scores = micro_scores(mentees, mentors)
    graph = nx.DiGraph()
    for a in mentees:
        graph.add_edge("s", ("e", a.id), capacity=1, weight=0)
        for b in mentors:
            if (a.id, b.id) not in banned:
                graph.add_edge(("e", a.id), ("o", b.id), capacity=1, weight=-scores[a.id, b.id])
    for b in mentors:
        graph.add_edge(("o", b.id), "t", capacity=b.capacity, weight=0)
    flow = nx.max_flow_min_cost(graph, "s", "t")
    return sum(flow["s"].values()), -nx.cost_of_flow(graph, flow)


@pytest.mark.parametrize(("n_mentees", "seed"), [(60, 1), (70, 2)])
def test_optimum_equals_networkx_min_cost_flow_on_a_medium_case(n_mentees, seed):
    mentees, mentors, excluded = random_case(seed, n_mentees, 20, 1, conflict_rate=0.1)
    mentors = [m.model_copy(update={"capacity": 3}) for m in mentors]  # 60 places
    proposal = propose(mentees, mentors, excluded)
    most, best = min_cost_flow_optimum(mentees, mentors, excluded)
    assert len(proposal.pairs) == most
    assert abs(proposal.total_fit - best / MICRO) < 1e-6


# --- greedy baseline -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_greedy_is_never_better_than_the_optimum(seed):
    mentees, mentors, excluded = random_case(seed, 50, 12, 3)
    optimum, baseline = propose(mentees, mentors, excluded), greedy(mentees, mentors, excluded)
    assert (len(baseline.pairs), micro_total(baseline)) <= (len(optimum.pairs), micro_total(optimum))
    only_fit = propose(mentees, mentors, excluded, coverage_first=False)
    assert baseline.total_fit <= only_fit.total_fit + 1e-9


def test_greedy_takes_the_best_pair_first_and_loses_on_a_crafted_case():
    # Ann fits Xavier best (her 1st choice) but also suits Yara; Bob can only be helped by Xavier.
    ann = mentee(1, ["loopbaan"], prefs=[10])
    bob = mentee(2, ["fouten_klachten"])
    xavier, yara = mentor(10, ["loopbaan", "fouten_klachten"]), mentor(11, ["loopbaan"])
    baseline, optimum = greedy([ann, bob], [xavier, yara]), propose([ann, bob], [xavier, yara])
    assert {(p.mentee_id, p.mentor_id) for p in baseline.pairs} == {(1, 10), (2, 11)}
    assert {(p.mentee_id, p.mentor_id) for p in optimum.pairs} == {(1, 11), (2, 10)}
    assert baseline.total_fit < optimum.total_fit - 0.1
    assert optimum.method == "optimaal" and baseline.method == "gretig"


def test_coverage_first_matches_more_mentees_than_fit_alone_would():
    # Ann fits Xavier much better than Yara; Bob may only go to Xavier.
    ann = mentee(1, ["loopbaan"], "5611 AA", prefs=[10], availability={"ma-avond"})
    bob = mentee(2, ["opleiden"], "5541 AA", conflicts=[11])
    xavier = mentor(10, ["loopbaan"], "5611 AA", availability={"ma-avond"})
    yara = mentor(11, ["opleiden"], "5754 AA", availability={"vr-ochtend"})
    covering = propose([ann, bob], [xavier, yara])
    assert len(covering.pairs) == 2
    fitting = propose([ann, bob], [xavier, yara], coverage_first=False)
    assert len(fitting.pairs) == 1 and fitting.total_fit > covering.total_fit
    (left_over,) = fitting.unmatched
    assert left_over.reason == "geen mentorcapaciteit meer over: de enige mentor die in aanmerking komt is vol"


def test_totals_are_exact_sums_of_pair_scores():
    mentees, mentors, excluded = random_case(11, 30, 8, 4)
    proposal = propose(mentees, mentors, excluded)
    assert proposal.total_fit == micro_total(proposal) / MICRO
    assert np.isclose(proposal.total_fit, sum(p.score for p in proposal.pairs))
