"""The warm start (issue 8.8): a flow run's process forks from a forkserver that imported Prefect and our
flows before any thread existed, and runs the very call Prefect would have spawned a new interpreter for."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect import flow

import deployments.warm as warm


@flow(name="warm-probe", persist_result=False)
def probe(out: str) -> None:
    """Writes where it ran: its process and that process's parent (the forkserver)."""
    Path(out).write_text(f"{os.getpid()} {os.getppid()} {'flows.trajectory' in sys.modules}")


@pytest.fixture
def installed():
    import prefect.flow_engine

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
    """Forking a process with threads can deadlock Prefect's engine: the preload must leave one thread."""
    code = (f"import importlib, threading; [importlib.import_module(m) for m in {warm.PRELOAD!r}]; "
            "print(threading.active_count())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "1"
