"""The bare baseline: a minimal flow that does nothing but wait for input, served like ours.

Each resume replays the flow, as a trajectory's does: the flow asks for the input of the
wait it was resumed from (Prefect answers from the stored input) and suspends at the next
key, the same two ``suspend_flow_run`` calls a trajectory's wake makes, and nothing else.
The number of waits resumed so far comes from the run's own pause keys, so no earlier wait
is replayed. Served by its own runner with the project's ``serve`` limit, so a flow-run
process imports only this module (a spawned child re-imports its runner's main module).

``python -m benchmarks._bare_flow LIMIT`` serves it.
"""

from __future__ import annotations

import sys

from prefect import flow, serve
from prefect.context import FlowRunContext
from prefect.deployments.runner import RunnerDeployment
from prefect.flow_runs import suspend_flow_run
from pydantic import BaseModel

DEPLOYMENT = "bare-suspend/bare-suspend"


class Nudge(BaseModel):
    note: str = ""


@flow(name="bare-suspend", persist_result=True)
def bare_suspend(rounds: int) -> int:
    context = FlowRunContext.get()
    resumed = len(context.flow_run.empirical_policy.pause_keys or ()) if context and context.flow_run else 0
    if resumed:
        suspend_flow_run(wait_for_input=Nudge, key=f"bare-{resumed - 1}", timeout=None)
    if resumed < rounds:
        suspend_flow_run(wait_for_input=Nudge, key=f"bare-{resumed}", timeout=None)
    return resumed


if __name__ == "__main__":
    deployment = bare_suspend.to_deployment(name="bare-suspend")
    assert isinstance(deployment, RunnerDeployment)  # synchronous here; kept free of the project's imports
    serve(deployment, limit=int(sys.argv[1]))
