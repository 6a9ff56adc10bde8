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
