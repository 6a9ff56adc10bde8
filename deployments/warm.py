"""A warm start for flow runs (issue 8.8, behind ``MENTORSCHAP_WARM_START``).

Prefect's runner starts every flow run, and every resume of a suspended one, in a new
interpreter (``multiprocessing`` "spawn"), which imports Prefect and our flows anew: about
two CPU-seconds, most of a wake. With the warm start the flow-run processes fork from
Python's *forkserver* instead: one process, started by the runner on its first run, that
imports Prefect and the flows once, before any thread exists in it (forking a process with
threads can deadlock Prefect's engine), and then forks a child per run. The child runs the
very call Prefect would have run in its spawned process (the same pickled call, environment
and control channel); only the way the process comes to life differs. If the forkserver
dies, ``multiprocessing`` starts a new one on the next run.

The hook is the one Prefect names for this: ``prefect.runner._starter_direct`` calls the
module-level ``run_flow_in_subprocess`` of ``prefect.flow_engine``, which asks its
``multiprocessing`` for the "spawn" context; we hand that module a stand-in whose contexts
are forkserver contexts.
"""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import multiprocessing.context
import os
from typing import TYPE_CHECKING, Any

from prefect.flows import Flow

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

# What every flow run of ours imports: loaded once in the forkserver.
PRELOAD = [
    "prefect", "prefect.flow_engine", "prefect.runner", "wiring.bootstrap", "flows.trajectory", "flows.cohort",
    "flows.sweep", "flows.retention", "flows.hao.consultation", "flows.hao.guidance", "flows.hao.progress",
    "flows.hao.support", "flows.hao.sweep",
    # What a run imports on first use (a profile of warm wakes, py-spy): Prefect's task engine, the
    # mail's address check, the console's emoji table, calendar files, links; numpy and scipy (about
    # 1.3 CPU-s) for a rematch's proposal and a cohort's matching.
    "prefect.task_engine", "email_validator", "rich._emoji_codes", "icalendar", "adapters.links",
    "domain.matching",
]
# numpy's OpenBLAS starts a thread pool when it is imported: one thread, so the forkserver has none.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


class _ForkserverMultiprocessing:
    """Stands in for the ``multiprocessing`` module inside ``prefect.flow_engine`` only."""

    context = multiprocessing.context

    @staticmethod
    def get_context(method: str | None = None) -> Any:
        return multiprocessing.get_context("forkserver")


def install(discard_output: bool = False) -> None:
    """Make the runner's flow-run processes fork from a preloaded forkserver (call before ``serve``).

    ``discard_output``: the forked runs write nothing to this process's output, as a work pool whose
    job has ``stream_output`` off (ours: ``deployments.register``) wants; their logs go to Prefect."""
    import prefect.flow_engine

    os.environ.update(ONE_THREAD)  # the forkserver inherits this process's environment
    multiprocessing.set_forkserver_preload([*(["deployments.warm_quiet"] if discard_output else []), *PRELOAD])
    prefect.flow_engine.multiprocessing = _ForkserverMultiprocessing()  # type: ignore[assignment]  # a stand-in module


def serve_warm(served: list[RunnerDeployment], limit: int) -> None:
    """``prefect.serve``, with every flow run forked from the preloaded forkserver.

    ``serve`` gives the runner deployments only, and the runner then starts each run with
    ``python -m prefect.engine``, which loads the flow from its entrypoint; a runner that holds
    the flow itself (as ``flow.serve`` makes it) runs it with ``run_flow_in_subprocess``
    instead, the path ``install`` warms. So the runner gets each deployment's flow too.
    """
    install()
    asyncio.run(_serve(served, limit))


async def _serve(served: list[RunnerDeployment], limit: int) -> None:
    from prefect.runner import Runner

    runner = Runner(pause_on_shutdown=True, limit=limit)
    for deployment in served:
        assert deployment.entrypoint is not None
        deployment_id = await runner.aadd_deployment(deployment)
        runner._deployment_registry.register_flow(deployment_id, flow_of(deployment.entrypoint))
    await runner.start()


def entrypoint_module(entrypoint: str) -> tuple[str, str]:
    """(module, flow function) of a file-path entrypoint ``flows/trajectory.py:mentee_trajectory`` or a
    module-path one ``flows.trajectory.mentee_trajectory``."""
    if ":" in entrypoint:
        path, name = entrypoint.rsplit(":", 1)
        return path.removesuffix(".py").replace("/", "."), name
    module, _, name = entrypoint.rpartition(".")
    return module, name


def flow_of(entrypoint: str) -> Any:
    """The flow object of an entrypoint, imported as its module (the forkserver has it loaded), in a copy
    that pickles as that import, so the run's process gets the module's own flow. Pickled as it is,
    cloudpickle would rebuild the flow's function by value (the module's name for it is the flow, not the
    function) with only the globals its code names, and a parameter annotated with a class the body never
    names (the cohort flow's ``plan: CohortPlan``) would then fail Prefect's parameter validation."""
    found = _imported(entrypoint)
    if not isinstance(found, Flow):
        return found
    copy = object.__new__(ImportedFlow)
    copy.__dict__.update(vars(found))
    copy.entrypoint = entrypoint
    return copy


def _imported(entrypoint: str) -> Any:
    module, name = entrypoint_module(entrypoint)
    return getattr(importlib.import_module(module), name)


class ImportedFlow(Flow):
    """A flow that pickles as the import of its entrypoint (``flow_of``)."""

    entrypoint: str

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return _imported, (self.entrypoint,)
