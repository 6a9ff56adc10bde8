"""A process worker of the pool ``deployments.register`` fills, with the warm start of issue 8.8.

``python -m deployments.worker --pool NAME --name NAME --limit N`` is ``prefect worker start --type
process`` with one difference, behind ``MENTORSCHAP_WARM_START=1``: a flow run of one of our flows
forks from the forkserver ``deployments.warm`` preloads (Prefect and our flows imported once)
instead of a new ``python -m prefect.engine`` that imports them all again, about two CPU-seconds
a wake. The run is the same call Prefect's own runner makes for a flow it holds
(``DirectSubprocessStarter``), with the job's environment; a deployment whose entrypoint is not one
of ours, or a pool whose job sets its own command, runs the process worker's usual way. And it
stops on SIGTERM (``_work``), which Prefect's own stops acting on once it has run a flow.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import warnings
from typing import Any
from uuid import UUID

import anyio
import anyio.abc
from prefect.client.schemas.objects import FlowRun
from prefect.flow_engine import run_flow_in_subprocess
from prefect.runner._control_channel import ControlChannel
from prefect.runner._flow_run_executor import FlowRunExecutionResult, FlowRunExecutorContext
from prefect.runner._process_manager import ProcessHandle
from prefect.settings import PREFECT_WORKER_HEARTBEAT_SECONDS
from prefect.workers.process import ProcessJobConfiguration, ProcessWorker, ProcessWorkerResult

from deployments import warm
from wiring.settings import Settings


class _ForkedStarter:
    """Starts one flow run as Prefect's ``DirectSubprocessStarter`` does (``run_flow_in_subprocess``, which
    ``warm.install`` turned to the forkserver), with the job's environment, which that starter leaves out."""

    def __init__(self, flow: Any, env: dict[str, str | None], control_channel: ControlChannel) -> None:
        self._flow, self._env, self._control = flow, env, control_channel

    async def start(self, flow_run: FlowRun,
                    task_status: anyio.abc.TaskStatus[ProcessHandle] = anyio.TASK_STATUS_IGNORED) -> None:
        env = dict(self._env)
        registered = False
        try:
            port, token = self._control.register(flow_run.id)
            env |= {"PREFECT__CONTROL_PORT": str(port), "PREFECT__CONTROL_TOKEN": token}
            registered = True
        except RuntimeError:  # no loopback listener: cancelling kills the process, as with Prefect's starter
            pass
        handed_off = False
        try:
            process = run_flow_in_subprocess(self._flow, flow_run=flow_run, env=env)
            task_status.started(ProcessHandle(process))
            handed_off = True
            await anyio.to_thread.run_sync(process.join)
        except BaseException:
            if registered and not handed_off:
                self._control.unregister(flow_run.id)
            raise


with warnings.catch_warnings():  # it takes the key "process" in this process's registry of worker types
    warnings.simplefilter("ignore")

    class WarmProcessWorker(ProcessWorker):
        """A process worker whose runs of our flows fork from the preloaded forkserver."""

        warm = False  # main() sets it from MENTORSCHAP_WARM_START, after warm.install()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._flows: dict[UUID, Any] = {}  # deployment id -> our flow object, or None: not ours

        async def run(self, flow_run: FlowRun, configuration: ProcessJobConfiguration,
                      task_status: anyio.abc.TaskStatus[int] | None = None) -> ProcessWorkerResult:
            flow = await self._flow(flow_run) if self.warm and not configuration._command_configured else None
            if flow is None:
                return await super().run(flow_run, configuration, task_status)
            status = task_status or anyio.TASK_STATUS_IGNORED
            execution: FlowRunExecutionResult | None = None
            async with FlowRunExecutorContext() as ctx:
                starter = _ForkedStarter(flow, dict(configuration.env), ctx.control_channel)

                async def resolve_flow(_: FlowRun) -> Any:  # for the flow's crash and cancellation hooks
                    return flow

                executor = ctx.create_executor(flow_run, starter, resolve_flow=resolve_flow, propose_submitting=False)

                async def execute(*, task_status: anyio.abc.TaskStatus[ProcessHandle] = anyio.TASK_STATUS_IGNORED
                                  ) -> None:
                    nonlocal execution
                    execution = await executor.submit(task_status=task_status)

                async with anyio.create_task_group() as group:
                    handle = await group.start(execute)
                    if handle.pid is None:
                        raise RuntimeError("Flow run process has no PID")
                    status.started(handle.pid)
            if execution is None or execution.status_code is None:
                raise RuntimeError("Failed to start flow run process.")
            return ProcessWorkerResult(status_code=execution.status_code, identifier=str(execution.handle.pid))

        async def _flow(self, flow_run: FlowRun) -> Any:
            """The flow object of the run's deployment when it is one of our flows (preloaded), else None."""
            if flow_run.deployment_id is None:
                return None
            if flow_run.deployment_id not in self._flows:
                deployment = await self.client.read_deployment(flow_run.deployment_id)
                entrypoint = deployment.entrypoint or ""
                module, _ = warm.entrypoint_module(entrypoint)
                ours = module.startswith("flows.") and module in warm.PRELOAD
                self._flows[flow_run.deployment_id] = warm.flow_of(entrypoint) if ours else None
            return self._flows[flow_run.deployment_id]


async def _work(pool: str, name: str | None, limit: int) -> None:
    """The worker until SIGTERM or SIGINT, which cancel it: it takes no new run and ends in seconds. (Prefect's
    own handler turns SIGTERM into a SIGINT that its worker, once it has run a flow, no longer acts on: a
    stop waited for systemd's SIGKILL, 30 s. A run stopped in its step is scheduled again by the sweep.)"""
    worker = WarmProcessWorker(work_pool_name=pool, name=name, limit=limit,
                               heartbeat_interval_seconds=int(PREFECT_WORKER_HEARTBEAT_SECONDS.value()))
    stopping = asyncio.current_task()
    assert stopping is not None
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.cancel)
    try:
        await worker.start(printer=print)
    except asyncio.CancelledError:
        print(f"Worker {worker.name!r} stopped!", flush=True)


def main(argv: list[str] | None = None) -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="python -m deployments.worker", description=__doc__.splitlines()[0])
    parser.add_argument("--pool", default=settings.work_pool, help="the process work pool (MENTORSCHAP_WORK_POOL)")
    parser.add_argument("--name", default=None, help="the worker's name (Prefect makes one up when left out)")
    parser.add_argument("--limit", type=int, default=8, help="flow runs at once; a suspended trajectory holds none")
    args = parser.parse_args(argv)
    if settings.warm_start:
        warm.install(discard_output=True)  # before any thread: the forkserver starts from this process
        WarmProcessWorker.warm = True
    asyncio.run(_work(args.pool, args.name, args.limit))


if __name__ == "__main__":
    main()
