"""Mentor eligibility: five years of (recent) experience; stopped at most two years ago (seed 000)."""

from datetime import date

import pytest

from domain.people import MAX_YEARS_SINCE_STOPPING, MIN_MENTOR_YEARS, mentor_ineligibility

TODAY = date(2021, 1, 15)


def test_the_constants_follow_the_seed():
    assert MIN_MENTOR_YEARS == 5
    assert MAX_YEARS_SINCE_STOPPING == 2


def test_exactly_five_years_is_eligible():
    assert mentor_ineligibility(5, None, TODAY) == []
    assert mentor_ineligibility(5.0, None, TODAY) == []
    assert mentor_ineligibility(31, None, TODAY) == []


@pytest.mark.parametrize("years", [4.9, 4.99, 0, 1])
def test_less_than_five_years_is_not(years):
    reasons = mentor_ineligibility(years, None, TODAY)
    assert len(reasons) == 1
    assert "minimaal 5 jaar" in reasons[0]
    assert f"{years:g}" in reasons[0]


def test_stopped_exactly_two_years_ago_is_still_eligible():
    assert mentor_ineligibility(20, date(2019, 1, 15), TODAY) == []


def test_stopped_today_or_recently_is_eligible():
    assert mentor_ineligibility(20, TODAY, TODAY) == []
    assert mentor_ineligibility(20, date(2020, 6, 1), TODAY) == []


def test_stopped_two_years_and_one_day_ago_is_not():
    reasons = mentor_ineligibility(20, date(2019, 1, 14), TODAY)
    assert len(reasons) == 1
    assert "2 jaar na het stoppen" in reasons[0]
    assert "14-01-2019" in reasons[0]


def test_stopped_on_a_leap_day():
    # 29 Feb 2020 + 2 years is 28 Feb 2022 (calendar years): eligible that day, not the next.
    assert mentor_ineligibility(20, date(2020, 2, 29), date(2022, 2, 28)) == []
    assert len(mentor_ineligibility(20, date(2020, 2, 29), date(2022, 3, 1))) == 1


def test_a_stop_date_in_the_future_is_ignored():
    assert mentor_ineligibility(20, date(2021, 6, 1), TODAY) == []
    # ... but does not hide too little experience.
    assert len(mentor_ineligibility(3, date(2021, 6, 1), TODAY)) == 1


def test_both_reasons_at_once():
    reasons = mentor_ineligibility(4, date(2015, 3, 1), TODAY)
    assert len(reasons) == 2
    assert "minimaal 5 jaar" in reasons[0]
    assert "gestopt per 01-03-2015" in reasons[1]
