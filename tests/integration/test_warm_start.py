"""The warm start (issue 8.8): a flow run's process forks from a forkserver that imported Prefect and our
flows before any thread existed, and runs the very call Prefect would have spawned a new interpreter for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from uuid import UUID, uuid4

import pytest
from prefect import flow

import deployments.warm as warm


@flow(name="warm-probe", persist_result=False)
def probe(out: str) -> None:
    """Writes where it ran: its process and that process's parent (the forkserver)."""
    Path(out).write_text(f"{os.getpid()} {os.getppid()} {'flows.trajectory' in sys.modules}")


@pytest.fixture
def installed(monkeypatch):
    import prefect.flow_engine

    for key in warm.ONE_THREAD:  # install sets them; put back as they were afterwards
        monkeypatch.setenv(key, os.environ.get(key, ""))
    before = prefect.flow_engine.multiprocessing
    warm.install()
    yield
    prefect.flow_engine.multiprocessing = before


def test_a_flow_run_forks_from_the_preloaded_forkserver(installed, tmp_path) -> None:
    from prefect.flow_engine import run_flow_in_subprocess
    from prefect.testing.utilities import prefect_test_harness

    out = tmp_path / "ran"
    with prefect_test_harness(server_startup_timeout=120):
        process = run_flow_in_subprocess(probe, parameters={"out": str(out)})
        process.join(120)
    assert process.exitcode == 0 and type(process).__name__ == "ForkServerProcess"
    _, parent, preloaded = out.read_text().split()
    assert int(parent) not in (os.getpid(), 1) and preloaded == "True"  # the forkserver, not this process


def test_importing_what_the_forkserver_preloads_starts_no_thread() -> None:
    """Forking a process with threads can deadlock Prefect's engine: the preload must leave one thread,
    native ones (numpy's OpenBLAS pool) counted, in the environment ``install`` gives the forkserver."""
    code = (f"import importlib, os, threading; [importlib.import_module(m) for m in {warm.PRELOAD!r}]; "
            "print(threading.active_count(), len(os.listdir('/proc/self/task')))")
    env = {key: value for key, value in os.environ.items() if key not in warm.ONE_THREAD}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          env={**env, **warm.ONE_THREAD})
    assert done.stdout.split() == ["1", "1"]
    # Without it numpy's pool is there: the setting is what keeps the forkserver single-threaded.
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          env=env)
    assert int(done.stdout.split()[1]) > 1


def test_a_run_process_gets_each_deployment_flow_as_its_module_has_it_and_validates_its_parameters() -> None:
    """The forked run gets its flow through cloudpickle. Pickled as such, a flow's function was rebuilt by
    value with only the globals its code names: the cohort flow (``plan: CohortPlan``) then failed its
    parameter validation in every warm kickoff. ``flow_of`` makes it the import of the module's flow."""
    import cloudpickle
    from prefect.types.entrypoint import EntrypointType

    from deployments.serve import deployments
    from wiring.settings import Settings

    served = deployments(Settings(), EntrypointType.MODULE_PATH)
    pairs = [(d.entrypoint, warm.flow_of(d.entrypoint), d.parameters) for d in served]
    complete = [e for e, flow, params in pairs if set(flow.parameters.required or ()) <= set(params)]
    assert any(e.startswith("flows.cohort.") for e in complete), complete  # the cohorts' plans are given
    code = ("import cloudpickle, sys, deployments.warm as warm\n"
            "for entrypoint, flow, params in cloudpickle.loads(sys.stdin.buffer.read()):\n"
            "    assert flow is warm._imported(entrypoint), entrypoint\n"
            "    if set(flow.parameters.required or ()) <= set(params):\n"
            "        flow.validate_parameters(params)\n"
            "    print(entrypoint)\n")
    done = subprocess.run([sys.executable, "-c", code], input=cloudpickle.dumps(pairs), capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().split() == [e for e, _, _ in pairs]
    # Without flow_of, as it was: the cohort flow's function comes back without CohortPlan.
    cohort = next(d for d in served if d.entrypoint.startswith("flows.cohort."))
    code = ("import cloudpickle, sys\nflow, params = cloudpickle.loads(sys.stdin.buffer.read())\n"
            "flow.validate_parameters(params)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, check=False,
                          input=cloudpickle.dumps((warm._imported(cohort.entrypoint), cohort.parameters)))
    assert done.returncode != 0 and b"CohortPlan" in done.stderr


class _Deployments:
    """The worker's Prefect client, as far as ``WarmProcessWorker`` reads it: deployments by id."""

    def __init__(self, entrypoints: dict[UUID, str]) -> None:
        self.entrypoints = entrypoints
        self.reads: list[UUID] = []

    async def read_deployment(self, deployment_id: UUID) -> SimpleNamespace:
        self.reads.append(deployment_id)
        return SimpleNamespace(entrypoint=self.entrypoints[deployment_id])


async def test_the_worker_forks_only_our_preloaded_flows_and_asks_for_a_deployment_once() -> None:
    from prefect.client.schemas.objects import FlowRun

    import flows.trajectory
    from deployments.worker import WarmProcessWorker

    ours, by_path, foreign, preloaded_not_a_flow = uuid4(), uuid4(), uuid4(), uuid4()
    client = _Deployments({ours: "flows.trajectory.mentee_trajectory", by_path: "flows/sweep.py:timer_sweep",
                           foreign: "somebody.elses:flow", preloaded_not_a_flow: "prefect.flow"})
    worker = WarmProcessWorker(work_pool_name="pool")
    worker.warm = True
    worker._client = client  # type: ignore[assignment]  # the worker's client, unstarted

    def run_of(deployment_id: UUID | None) -> FlowRun:
        return FlowRun(flow_id=uuid4(), deployment_id=deployment_id)

    first = await worker._flow(run_of(ours))
    assert first.fn is flows.trajectory.mentee_trajectory.fn and await worker._flow(run_of(ours)) is first
    assert (await worker._flow(run_of(by_path))).name == "timer-sweep"
    # Not ours: Prefect's usual new interpreter, and its module is never imported into the worker.
    assert await worker._flow(run_of(foreign)) is None and "somebody" not in sys.modules
    assert await worker._flow(run_of(preloaded_not_a_flow)) is None  # preloaded, but not one of our flows
    assert await worker._flow(run_of(None)) is None
    assert client.reads == [ours, by_path, foreign, preloaded_not_a_flow]


def test_a_worker_forkserver_writes_nothing_to_the_worker_output() -> None:
    """Runs forked from a worker's forkserver write no console line (run names) to the worker's journal."""
    code = "import os, sys; import deployments.warm_quiet; print('run'); os.write(2, b'engine')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=True)
    assert done.stdout == b"" and done.stderr == b""
