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
    left: set[str] = field(default_factory=set)  # the runs it shows Crashed, Pending or Running

    def unfinished(self) -> set[str]:
        return self.left

    def conditions(self, run_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        state = self.shown.pop(0) if len(self.shown) > 1 else self.shown[0]
        return {run_id: state for run_id in run_ids}

    def resume(self, run_id: str, run_input: dict[str, Any]) -> bool | None:
        if self.busy:
            self.busy -= 1
            return None
        self.resumed.append(run_input)
        return True

    def reschedule(self, run_id: str) -> bool:
        self.rescheduled.append(run_id)
        return True


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


def test_every_state_a_kill_leaves_a_run_in_is_found_and_only_after_a_live_run_would_have_moved_on():
    """Issue 11.4: a run caught by a runner kill while submitted stayed Pending ('Submitting') for good, and
    one whose process died while the server was down stays Running; both are STUCK (revived) in time."""
    from datetime import UTC, datetime, timedelta
    from uuid import uuid4

    from prefect.client.schemas.objects import FlowRun
    from prefect.states import Crashed, Paused, Pending, Running

    from adapters.prefect_api import LOST_AFTER, STUCK_AFTER, condition
    from domain.waits import STUCK

    now = datetime.now(UTC)

    def shown(state, ago: timedelta, **limits) -> str | None:
        state.timestamp = now - ago
        return condition(FlowRun(id=uuid4(), flow_id=uuid4(), state=state), now, **limits)[0]

    submitting = Pending(name="Submitting")
    assert shown(submitting, STUCK_AFTER - timedelta(seconds=5)) == ACTIVE
    assert shown(submitting, STUCK_AFTER + timedelta(seconds=5)) == STUCK
    assert shown(Running(), STUCK_AFTER + timedelta(seconds=5)) == ACTIVE  # a run may send mail for a while
    assert shown(Running(), LOST_AFTER + timedelta(seconds=5)) == STUCK
    assert shown(Running(), timedelta(minutes=3), lost_after=timedelta(minutes=2)) == STUCK  # the chaos setting
    assert shown(Crashed(), timedelta(0)) == CRASHED
    assert shown(Paused(pause_key="trajectory-1-w001-plan"), timedelta(days=30)) == PAUSED


def test_a_crashed_or_stuck_run_is_scheduled_again_even_while_our_database_holds_its_wait(waiting):
    """Issue 11.4: a run that crashed after it was resumed, before it recorded the wake-up, kept its key
    in our database; the sweep only woke Paused runs then, so it stayed Crashed for good."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    import tasks.runs
    from domain.waits import FAILED, STUCK

    runs, subject, key = waiting
    for shown in (CRASHED, STUCK, FAILED):
        prefect = FakePrefect([(shown, None)])
        svc = SimpleNamespace(control=control(runs, prefect), run_store=runs,
                              clock=SimpleNamespace(now=lambda: datetime.now(UTC)))
        assert runs.run(subject).wait == key  # the crash came before the wake-up was recorded
        found = tasks.runs.due_runs(svc, (subject.kind,), lambda row, now: False)
        assert [(row.subject, why.value) for row, why in found] == [(subject, "revive")]
        assert tasks.runs.act_on(svc, found, lambda s: None) == {"revive": 1}
        assert prefect.rescheduled == [RUN]


def test_a_run_left_submitting_is_revived_though_its_subject_ended_without_it(stores):  # noqa: F811
    """make chaos: a consultation's run, caught by a runner kill while being submitted, stayed Pending
    ("Submitting") for 17 minutes while its people took the consultation to its end: it had opened no
    wait, so the sweep never looked at it, and the demo waited for it to complete."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    import tasks.runs
    from domain.people import Role
    from domain.waits import STUCK

    repo, _, _, runs = stores
    t = new_trajectory(repo)
    subject = Subject.trajectory(t.id)
    runs.set_flow_run(subject, RUN)
    repo.change(t.id, lambda t: t.withdraw(Role.MENTEE, "verhuisd", NOW), NOW)
    for left, expected in ((set(), []), ({RUN}, [(subject, "revive")])):
        prefect = FakePrefect([(STUCK, None)], left=left)
        svc = SimpleNamespace(control=control(runs, prefect), run_store=runs,
                              clock=SimpleNamespace(now=lambda: datetime.now(UTC)))
        found = tasks.runs.due_runs(svc, (subject.kind,), lambda row, now: False)
        assert [(row.subject, why.value) for row, why in found] == expected
    assert tasks.runs.act_on(svc, found, lambda s: None) == {"revive": 1} and prefect.rescheduled == [RUN]


def test_a_run_of_a_flow_that_runs_once_on_a_date_left_behind_by_a_kill_is_scheduled_again(stores):  # noqa: F811
    """Found by make chaos: the yearly information mail's run, killed with its runner, stayed Running with no
    process; it is in no runs table, so nothing ran it again before next year (and Joost never asked)."""
    from adapters.prefect_api import ONE_OFF_FLOWS

    asked: list[tuple[str, ...]] = []

    class Left(FakePrefect):
        def left_behind(self, flow_names: tuple[str, ...]) -> list[str]:
            asked.append(flow_names)
            return [RUN]

    prefect = Left([(None, None)])
    assert control(stores[3], prefect).revive_left_behind() == 1
    assert prefect.rescheduled == [RUN] and asked == [ONE_OFF_FLOWS]
    assert "hao-information" in ONE_OFF_FLOWS and "timer-sweep" not in ONE_OFF_FLOWS
