"""The one rule set by which the sweep acts on a run of any kind (``domain.waits``)."""

from __future__ import annotations

import pytest

from domain.waits import (
    ACTIVE,
    CRASHED,
    FAILED,
    FINISHED,
    PAUSED,
    STUCK,
    RunKind,
    RunState,
    Subject,
    WaitKey,
    Why,
    why_wake,
)

T = Subject.trajectory(7)
KEY = WaitKey(T, 3, "plan")


def run(kind: RunKind = RunKind.TRAJECTORY, flow_run: str | None = "r", wait: WaitKey | None = KEY,
        wait_version: int | None = 5, version: int = 5, ended: bool = False) -> RunState:
    subject = Subject(kind, "7")
    return RunState(subject, flow_run, wait and WaitKey(subject, wait.number, wait.label), wait_version, version,
                    ended)


def test_a_wait_key_names_kind_subject_number_and_label_and_is_a_value():
    assert str(KEY) == "trajectory-7-w003-plan"
    assert str(WaitKey(Subject.cohort("zob-2021"), 12, "training")) == "cohort-zob-2021-w012-training"
    assert WaitKey(T, 3, "plan") == KEY and WaitKey(T, 4, "plan") != KEY
    assert Subject.hao("progress", 4) == Subject(RunKind.PROGRESS, "4")


def test_a_run_never_started_is_started_unless_its_kind_is_scheduled_or_it_ended():
    assert why_wake(run(flow_run=None, wait=None), None, None, due=False) is Why.START
    assert why_wake(run(kind=RunKind.PROGRESS, flow_run=None, wait=None), None, None, due=False) is Why.START
    assert why_wake(run(kind=RunKind.COHORT, flow_run=None, wait=None), None, None, due=False) is None
    assert why_wake(run(flow_run=None, wait=None, ended=True), None, None, due=False) is None


@pytest.mark.parametrize("state", [CRASHED, STUCK])
def test_a_crashed_or_stuck_run_is_revived_even_while_our_database_holds_its_wait(state):
    assert why_wake(run(), state, None, due=False) is Why.REVIVE
    assert why_wake(run(wait=None), state, None, due=False) is Why.REVIVE


def test_a_failed_run_is_revived_while_its_subject_goes_on_and_left_alone_once_it_ended():
    """make chaos: a run that could not suspend stayed Failed while its trajectory went on without it."""
    assert why_wake(run(), FAILED, None, due=False) is Why.REVIVE
    assert why_wake(run(ended=True), FAILED, None, due=False) is None


def test_a_paused_run_is_woken_when_its_subject_changed_or_its_wait_is_due():
    assert why_wake(run(), PAUSED, str(KEY), due=False) is None
    assert why_wake(run(version=6), PAUSED, str(KEY), due=False) is Why.CHANGED
    assert why_wake(run(), PAUSED, str(KEY), due=True) is Why.DUE


def test_a_run_paused_at_another_key_than_ours_is_stale():
    assert why_wake(run(), PAUSED, "trajectory-7-w002-kennismaking", due=False) is Why.STALE
    assert why_wake(run(wait=None), PAUSED, str(KEY), due=False) is Why.STALE


@pytest.mark.parametrize("state", [ACTIVE, FINISHED, None])
def test_a_run_that_does_not_wait_is_left_alone(state):
    assert why_wake(run(version=9), state, None, due=True) is None
