"""A cohort's plan: windows per role, the order of its dates, the contribution as written in Dutch."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.clock import AMSTERDAM
from domain.cohort import TRAINING_POINTS, CohortPlan, matchable_mentors, offered
from domain.people import Role


def plan(**changes: object) -> CohortPlan:
    data: dict = {
        "id": "zob-2021", "name": "Mentorschap ZOB 2021", "kickoff_cron": "0 9 16 11 *",
        "opens_at": datetime(2020, 11, 16, 9, tzinfo=AMSTERDAM),
        "mentor_deadline": datetime(2020, 12, 14, 17, tzinfo=AMSTERDAM),
        "mentee_deadline": datetime(2021, 1, 18, 17, tzinfo=AMSTERDAM),
        "training_at": datetime(2021, 1, 11, 19, tzinfo=AMSTERDAM), "training_location": "Eindhoven",
        "trajectories_start": date(2021, 2, 1), "contribution_eur": Decimal("150"),
    }
    data.update(changes)
    return CohortPlan.model_validate(data)


def test_before_the_window_nobody_can_apply() -> None:
    p = plan()
    early = p.opens_at - timedelta(minutes=1)
    assert p.refusal(Role.MENTOR, early) == "aanmelden voor Mentorschap ZOB 2021 kan vanaf 16-11-2020"
    assert p.refusal(Role.MENTEE, early)
    assert p.refusal(Role.MENTOR, p.opens_at) == "" and p.refusal(Role.MENTEE, p.opens_at) == ""


def test_mentor_applications_close_before_mentee_applications() -> None:
    p = plan()
    between = p.mentor_deadline + timedelta(days=1)
    assert "mentoren" in p.refusal(Role.MENTOR, between) and "14-12-2020" in p.refusal(Role.MENTOR, between)
    assert p.refusal(Role.MENTEE, between) == ""
    assert p.mentors_known(between) and not p.mentors_known(p.mentor_deadline - timedelta(seconds=1))
    assert "mentees" in p.refusal(Role.MENTEE, p.mentee_deadline)


@pytest.mark.parametrize("changes", [
    {"mentor_deadline": datetime(2021, 1, 20, 17, tzinfo=AMSTERDAM)},  # after the mentees' deadline
    {"opens_at": datetime(2020, 12, 15, 9, tzinfo=AMSTERDAM)},  # opens after the mentors' deadline
    {"training_at": datetime(2020, 12, 1, 19, tzinfo=AMSTERDAM)},  # training before mentors are known
    {"opens_at": datetime(2020, 11, 16, 9)},  # no time zone
])
def test_dates_out_of_order_are_refused(changes: dict) -> None:
    with pytest.raises(ValidationError):
        plan(**changes)


def test_the_training_lasts_three_hours_and_earns_three_points() -> None:
    p = plan()
    assert p.training_ends_at - p.training_at == timedelta(hours=3)
    assert p.training_date == date(2021, 1, 11) and TRAINING_POINTS == 3


def test_the_contribution_is_written_the_dutch_way() -> None:
    assert plan().contribution_text() == "€ 150,00"
    assert plan(contribution_eur=Decimal("87.5")).contribution_text() == "€ 87,50"


def test_only_mentors_who_attended_are_matchable() -> None:
    assert matchable_mentors([3, 1, 2], {2, 3}) == [3, 2]


def test_the_form_offers_the_cohort_whose_window_is_open_else_the_next_else_the_last() -> None:
    first = plan()
    year = timedelta(days=364)
    second = plan(id="zob-2022", **{f: getattr(first, f) + year for f in
                                   ("opens_at", "mentor_deadline", "mentee_deadline", "training_at")})
    both = [first, second]
    assert offered(both, first.opens_at) == first
    assert offered(both, first.mentee_deadline + timedelta(days=30)) == second  # next to open: "kan vanaf"
    assert offered(both, second.opens_at + timedelta(days=1)) == second  # 2021's pairs meet, 2022 applies
    assert offered(both, second.mentee_deadline + year) == second  # both closed: the last to close
    overlapping = plan(id="extra", opens_at=first.opens_at + timedelta(days=1))
    assert offered([first, overlapping], first.opens_at + timedelta(days=2)) == overlapping  # the latest to open
    assert offered([], first.opens_at) is None


def test_a_date_out_of_order_is_refused_at_its_own_field_in_dutch() -> None:
    with pytest.raises(ValidationError) as refused:
        plan(training_at=datetime(2020, 12, 1, 19, tzinfo=AMSTERDAM))
    [error] = refused.value.errors()
    assert error["loc"] == ("training_at",)
    assert "moet na de sluiting van de aanmelding voor mentoren liggen (14-12-2020)" in error["msg"]
    assert plan(kickoff_cron="").schedule == "0 9 16 11 *" and plan(kickoff_cron="0 8 1 11 *").schedule == "0 8 1 11 *"
