"""Runs of flows that run once on a date, left behind by a kill, found on a real (temporary) Prefect server."""

from __future__ import annotations

from datetime import timedelta

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.states import Completed, Crashed, Paused, Pending, Running
from prefect.testing.utilities import prefect_test_harness

from adapters.prefect_api import ONE_OFF_FLOWS, PrefectRuns


@flow(name="hao-information")
def information() -> None:
    """Stands in for the yearly information mail (only its name counts here)."""


@flow(name="timer-sweep")
def sweep() -> None:
    """A sweep: the next one comes within minutes, so a crashed one is left alone."""


def test_a_crashed_or_lost_one_off_run_is_found_and_a_finished_one_or_a_sweep_is_not():
    """make chaos: the information mail's run stayed Running without a process and nothing ran it again."""
    with prefect_test_harness(server_startup_timeout=120), get_client(sync_client=True) as client:
        crashed = client.create_flow_run(information, state=Crashed())
        running = client.create_flow_run(information, state=Running())
        client.create_flow_run(information, state=Completed())
        swept = client.create_flow_run(sweep, state=Crashed())
        assert PrefectRuns().left_behind(ONE_OFF_FLOWS) == [str(crashed.id)]  # Running: not lost yet
        lost = PrefectRuns(lost_after=timedelta(0)).left_behind(ONE_OFF_FLOWS)
        assert sorted(lost) == sorted([str(crashed.id), str(running.id)])
        # What the sweep adds to the subjects it looks at (an ended one's run a kill left): every run
        # Prefect shows Crashed, Pending or Running, of whatever flow; not a finished or a paused one.
        submitting = client.create_flow_run(information, state=Pending(name="Submitting"))
        client.create_flow_run(information, state=Paused(pause_key="trajectory-1-w001-plan"))
        assert PrefectRuns().unfinished() == {str(r.id) for r in (crashed, running, swept, submitting)}


def test_a_run_is_revived_only_while_it_is_still_crashed_stuck_or_failed():
    """make chaos: a run Pending too long reached its process just as the sweep forced it Scheduled; it
    could not suspend ("Received unexpected state from API: Herstart") and stayed Failed while its
    trajectory went on. The state is read again right before, a failed run is revived, a run that keeps
    failing without reaching a wait is left to a person."""
    from prefect.states import Failed

    from adapters.prefect_api import FAILURES_IN_A_ROW

    runs = PrefectRuns(stuck_after=timedelta(0))
    with prefect_test_harness(server_startup_timeout=120), get_client(sync_client=True) as client:
        def state_of(run_id) -> tuple[str, str | None]:
            found = client.read_flow_run(run_id).state
            assert found is not None
            return found.type.value, found.name

        moved_on = client.create_flow_run(information, state=Pending(name="Submitting"))
        client.set_flow_run_state(moved_on.id, Running(), force=True)  # it reached its process meanwhile
        assert runs.reschedule(str(moved_on.id)) is False
        assert state_of(moved_on.id) == ("RUNNING", "Running")

        for made in (Crashed(), Pending(name="Submitting"), Failed()):
            left = client.create_flow_run(information, state=made)
            assert runs.reschedule(str(left.id)) is True
            assert state_of(left.id) == ("SCHEDULED", "Herstart")

        failing = client.create_flow_run(information, state=Paused(pause_key="trajectory-1-w001-plan"))
        for _ in range(FAILURES_IN_A_ROW):
            client.set_flow_run_state(failing.id, Failed(), force=True)
            revived = runs.reschedule(str(failing.id))
        assert revived is False  # the third failure in a row since its last wait
        assert state_of(failing.id)[0] == "FAILED"
