"""What the Prefect API says about flow runs: their state, their task runs, a trajectory's run.

Only ``prefect.get_client``; no run-control helper of ours, so a suspended run is one whose
Prefect state is PAUSED.
"""

from __future__ import annotations

import time
from collections import Counter
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter, FlowRunFilterId
from prefect.client.schemas.objects import State, StateType

from mentorschap import procs

TRAJECTORY_DEPLOYMENT = "mentee-trajectory/mentee-trajectory"


def state(run_id: UUID) -> State:
    with get_client(sync_client=True) as client:
        found = client.read_flow_run(run_id).state
    if found is None:
        raise RuntimeError(f"run {run_id} has no state")
    return found


def states(run_ids: list[UUID]) -> dict[UUID, StateType | None]:
    out: dict[UUID, StateType | None] = {}
    with get_client(sync_client=True) as client:
        for start in range(0, len(run_ids), 200):
            chunk = run_ids[start:start + 200]
            for run in client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=chunk)),
                                             limit=len(chunk)):
                out[run.id] = run.state.type if run.state else None
    return out


def resume(run_id: UUID, run_input: dict) -> None:
    with get_client(sync_client=True) as client:
        result = client.resume_flow_run(run_id, run_input=run_input)
    if not str(result.status).upper().endswith("ACCEPT"):
        raise RuntimeError(f"resume of {run_id} not accepted: {result.details}")


def wait_suspended(run_id: UUID, runner_pid: int, after: UUID | None, timeout: float = 120) -> tuple[State, int]:
    """(the run's next PAUSED or final state after state ``after``, how often the API was asked).

    The API is asked once a second, and at once when the runner has no child (the flow-run
    process ended), so polling adds little to the server's CPU.
    """
    deadline = time.monotonic() + timeout
    asked, reads = 0.0, 0
    while time.monotonic() < deadline:
        idle = not procs.children(runner_pid)
        if (idle and time.monotonic() - asked > 0.2) or time.monotonic() - asked > 1.0:
            asked = time.monotonic()
            current = state(run_id)
            reads += 1
            if current.id != after and (current.type is StateType.PAUSED or current.is_final()):
                return current, reads
        time.sleep(0.05)
    raise TimeoutError(f"run {run_id} did not suspend within {timeout:.0f}s")


def task_runs(run_id: UUID) -> Counter[str]:
    """The run's task runs by task name (``load trajectory-3f2`` counts as ``load trajectory``)."""
    names: Counter[str] = Counter()
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            page = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])),
                                         limit=200, offset=offset)
            names.update(run.name.rsplit("-", 1)[0] for run in page)
            if len(page) < 200:
                return names
            offset += 200


def trajectory_runs() -> dict[int, tuple[UUID, StateType | None]]:
    """Every trajectory's run: trajectory id -> (run id, state type)."""
    out = {}
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(TRAJECTORY_DEPLOYMENT)
        offset = 0
        while True:
            page = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[
                deployment.id])), limit=200, offset=offset)
            for run in page:
                out[run.parameters["trajectory_id"]] = (run.id, run.state.type if run.state else None)
            if len(page) < 200:
                return out
            offset += 200


def trajectory_run(trajectory_id: int, timeout: float = 60) -> UUID:
    """The id of the trajectory's flow run (the deployment's run with that parameter)."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(TRAJECTORY_DEPLOYMENT)
        while time.monotonic() < deadline:
            for run in client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[
                    deployment.id])), limit=200):
                if run.parameters.get("trajectory_id") == trajectory_id:
                    return run.id
            time.sleep(0.5)
    raise TimeoutError(f"no flow run for trajectory {trajectory_id}")
