"""Runs of flows that run once on a date, left behind by a kill, found on a real (temporary) Prefect server."""

from __future__ import annotations

from datetime import timedelta

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.states import Completed, Crashed, Running
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
        client.create_flow_run(sweep, state=Crashed())
        assert PrefectRuns().left_behind(ONE_OFF_FLOWS) == [str(crashed.id)]  # Running: not lost yet
        lost = PrefectRuns(lost_after=timedelta(0)).left_behind(ONE_OFF_FLOWS)
        assert sorted(lost) == sorted([str(crashed.id), str(running.id)])
