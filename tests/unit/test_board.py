"""The status line and the cohort board: what a facilitator reads first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.board import board_row, overdue, sort_rows
from domain.people import Role
from domain.status import describe
from domain.trajectory import Trajectory

NOW = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)


def in_plan() -> Trajectory:
    t = Trajectory.apply("zob-2021", 1, NOW)
    t.id = 7
    t.confirm_application(NOW)
    t.choose_mentor(2, NOW)
    t.answer_kennismaking(Role.MENTEE, True, "", NOW)
    t.answer_kennismaking(Role.MENTOR, True, "", NOW)
    t.submit_plan(["grenzen stellen"], "plan", NOW)
    return t


def test_the_status_says_who_still_has_to_sign():
    t = in_plan()
    assert describe(t) == "wacht op handtekening mentee en mentor (plan v1)"
    t.sign(Role.MENTEE, 1, 1, NOW)
    assert describe(t) == "wacht op handtekening mentor (plan v1)"


def test_the_status_names_the_next_meeting_and_its_date():
    t = in_plan()
    t.sign(Role.MENTEE, 1, 1, NOW)
    t.sign(Role.MENTOR, 2, 1, NOW)
    assert describe(t) == "wacht op datum bijeenkomst 1"
    t.propose_meeting(datetime(2021, 5, 12, 12, 0, tzinfo=UTC), NOW)
    assert describe(t) == "bijeenkomst 1 op 12 mei 2021"


def test_overdue_lists_acts_older_than_a_week_and_sorts_those_pairs_first():
    late, fresh = in_plan(), in_plan()
    fresh.id = 3
    later = NOW + timedelta(days=9)
    assert overdue(late, NOW + timedelta(days=6)) == []
    assert overdue(late, later) == ["mentee: sign (9 dagen)", "mentor: sign (9 dagen)"]
    rows = sort_rows([board_row(fresh, "B", "", NOW), board_row(late, "A", "M", later)])
    assert [r["traject"] for r in rows] == ["7", "3"]
    assert rows[0]["volgende"] == "15-03-2021"  # the second reminder
    assert rows[1]["mentor"] == "-"


def test_a_pair_whose_form_was_refused_comes_first_and_says_why():
    late, fresh = in_plan(), in_plan()
    fresh.id = 3
    later = NOW + timedelta(days=9)
    refused = "Bijeenkomst verzetten: vul ook de nieuwe datum en tijd in"
    rows = sort_rows([board_row(late, "A", "M", later), board_row(fresh, "B", "", NOW, refused)])
    assert [r["traject"] for r in rows] == ["3", "7"]  # before the overdue pair: she must act on it
    assert rows[0]["niet uitgevoerd"] == refused and rows[1]["niet uitgevoerd"] == ""
