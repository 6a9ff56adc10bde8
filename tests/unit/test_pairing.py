"""The rules for a pair the facilitator makes by hand (cohort approval, rematch form, CLI)."""

from __future__ import annotations

from domain.pairing import Candidate, refusal


def candidate(**changes: object) -> Candidate:
    values: dict = {"id": 7, "name": "Dr. Anneke van Dijk", "eligible": True, "ineligible_reason": "",
                    "trained": True, "capacity": 1, "load": 0, "years_experience": 6.0}
    return Candidate(**{**values, **changes})


def test_a_mentor_with_fewer_years_than_the_mentee_is_refused_by_name_with_the_years():
    why = refusal(candidate(), excluded=set(), conflicts=set(), mentee_years=9)
    assert why == ("Dr. Anneke van Dijk (id 7) heeft 6 jaar ervaring als huisarts, minder dan de mentee (9); "
                   "de mentor is de meer ervaren huisarts: kies een mentor met minstens 9 jaar ervaring")


def test_equal_or_unknown_years_are_no_reason_to_refuse():
    assert refusal(candidate(), excluded=set(), conflicts=set(), mentee_years=6) == ""
    assert refusal(candidate(years_experience=None), excluded=set(), conflicts=set(), mentee_years=9) == ""
    assert refusal(candidate(), excluded=set(), conflicts=set()) == ""  # e.g. the capacity check of a whole list


def test_the_other_rules_still_come_first():
    why = refusal(candidate(trained=False), excluded=set(), conflicts=set(), mentee_years=9)
    assert "mentortraining" in why


# --- the cohort's rules, pure (``tasks.cohort`` only reads and writes) ----------------------------------------


def application(practice: str, street: str = "Kastanjelaan 1", postcode: str = "5616 LZ", conflicts=()):
    from domain.people import Application
    from tests.unit.test_applications import form

    return Application(**form(practice_name=practice, conflict_mentor_ids=list(conflicts),
                              practice_address={"street": street, "postcode": postcode, "city": "Eindhoven"}))


def test_a_mentor_of_the_mentees_own_practice_or_one_she_named_conflicts():
    from domain.pairing import conflicts

    mentee = application("Huisartsen Strijp", conflicts=[9])
    mentors = {1: application("huisartsen strijp", "Elders 3", "5611 AB"),  # the same name, other case
               2: application("Praktijk Om De Hoek", "KASTANJELAAN 1"),  # the same street at the same postcode
               3: application("Praktijk Geldrop", "Kastanjelaan 1", "5664 AA")}  # the same street elsewhere
    assert conflicts(mentee, mentors) == [1, 2, 9]


def test_a_mentors_load_counts_pending_and_agreed_matches_but_not_the_mentee_at_hand():
    from datetime import UTC, datetime

    from domain.pairing import mentor_load
    from domain.trajectory import Trajectory

    now = datetime(2021, 1, 4, 9, 0, tzinfo=UTC)
    trajectories = []
    for tid, mentor in ((1, 7), (2, 7), (3, 8), (4, None)):
        t = Trajectory.apply("c", 100 + tid, now)
        t.id = tid
        t.confirm_application(now)
        if mentor is not None:
            t.choose_mentor(mentor, now)
        trajectories.append(t)
    assert mentor_load(trajectories) == {7: 2, 8: 1}
    assert mentor_load(trajectories, leave_out=1) == {7: 1, 8: 1}


def test_settling_applies_the_changes_and_refuses_each_wrong_one_under_the_forms_label():
    from domain.pairing import Mentee, settle

    pool = {7: candidate(capacity=1), 8: candidate(id=8, name="Dr. Pieter Jansen", capacity=2)}
    mentees = {tid: Mentee(name=f"Mentee {tid}", excluded=frozenset(), conflicts=frozenset({8} if tid == 3 else ()))
               for tid in (1, 2, 3)}
    pairs = {1: 7, 2: 8}
    assert settle(pairs, {1, 2, 3}, [(1, None), (3, 7)], pool, mentees) == ({2: 8, 3: 7}, [])
    settled, refusals = settle(pairs, {1, 2, 3}, [(2, 7), (3, 8), (5, 8), (1, None), (1, 8)], pool, mentees)
    assert refusals == [
        "Gewijzigde koppels: Mentee 1 staat er meer dan eens in",
        "Gewijzigde koppels: Mentee 3 (traject 3): Dr. Pieter Jansen (id 8) staat bij de conflicten van de mentee "
        "(opgegeven, of dezelfde praktijk)",
        "Gewijzigde koppels: traject 5 staat niet in dit voorstel",
    ]
    assert settled == {1: 8, 2: 7}  # what was allowed (the caller stores nothing while anything is refused)
    _, full = settle({1: 7}, {1, 2}, [(2, 7)], pool, mentees)
    assert full == ["Gewijzigde koppels: 2 mentees voor één mentor: Dr. Anneke van Dijk (id 7) heeft plaats voor 1 "
                    "mentee(s) en begeleidt er al 0; kies een mentor met plaats"]
