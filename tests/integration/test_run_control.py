"""The run control against our real store and a fake Prefect: how a wake-up meets a run in motion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from adapters.prefect_api import RunControl
from domain.waits import ACTIVE, CRASHED, PAUSED, Subject
from tests.integration.test_runs import NOW, new_trajectory, stores  # noqa: F401  (the fixture)

RUN = "00000000-0000-0000-0000-000000000001"


@dataclass
class FakePrefect:
    """Shows the run in each of ``shown`` in turn (the last one stays); records resumes."""

    shown: list[tuple[str | None, str | None]]
    busy: int = 0  # how many resumes it answers as busy first
    resumed: list[dict[str, Any]] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)

    def conditions(self, run_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        state = self.shown.pop(0) if len(self.shown) > 1 else self.shown[0]
        return {run_id: state for run_id in run_ids}

    def resume(self, run_id: str, run_input: dict[str, Any]) -> bool | None:
        if self.busy:
            self.busy -= 1
            return None
        self.resumed.append(run_input)
        return True

    def reschedule(self, run_id: str) -> None:
        self.rescheduled.append(run_id)


@pytest.fixture
def waiting(stores):  # noqa: F811
    """A trajectory whose run has fixed its wait key in our database."""
    repo, _, _, runs = stores
    subject = Subject.trajectory(new_trajectory(repo).id)
    runs.set_flow_run(subject, RUN)
    key = runs.open_wait(subject, "matching", 1, NOW)
    return runs, subject, key


def control(runs, prefect: FakePrefect) -> RunControl:
    return RunControl(runs, prefect, settle_seconds=5, poll_seconds=0.01)  # type: ignore[arg-type]


def test_an_act_that_lands_while_the_run_is_on_its_way_to_suspending_wakes_it_at_once(waiting):
    runs, subject, key = waiting
    prefect = FakePrefect([(ACTIVE, None), (ACTIVE, None), (PAUSED, str(key))])
    assert control(runs, prefect).wake(subject, "participant", note="kennismaking")
    assert prefect.resumed == [{"woken_by": "participant", "note": "kennismaking"}]


def test_without_settling_time_a_run_in_motion_is_left_to_the_sweep(waiting):
    runs, subject, key = waiting
    prefect = FakePrefect([(ACTIVE, None), (PAUSED, str(key))])
    assert not control(runs, prefect).wake(subject, "timer", settle_seconds=0)
    assert prefect.resumed == []


def test_a_run_that_woke_and_read_the_database_meanwhile_is_not_woken_again(waiting):
    runs, subject, key = waiting
    prefect = FakePrefect([(ACTIVE, None)])
    rc = control(runs, prefect)
    runs.close_wait(key)  # someone else's wake-up: the run recorded it and will read our act
    assert not rc.wake(subject, "participant")
    assert prefect.resumed == []


def test_a_busy_prefect_is_asked_again_while_the_settling_time_lasts(waiting):
    runs, subject, key = waiting
    prefect = FakePrefect([(PAUSED, str(key))], busy=2)
    assert control(runs, prefect).wake(subject, "facilitator", extra={"mentor_id": 4})
    assert prefect.resumed == [{"woken_by": "facilitator", "note": "", "mentor_id": 4}]


def test_a_wake_up_for_another_wait_or_a_finished_run_does_nothing(waiting):
    runs, subject, key = waiting
    assert not control(runs, FakePrefect([(PAUSED, str(key))])).wake(subject, "facilitator", label="approval")
    assert not control(runs, FakePrefect([(CRASHED, None)])).wake(subject, "participant")
    stale = FakePrefect([(PAUSED, "trajectory-1-w000-old")])
    assert not control(runs, stale).wake(subject, "participant", settle_seconds=0)
    assert stale.resumed == []
