"""The real stack for a benchmark: the same launcher and settings as the served tests.

``bench_stack`` starts the Prefect server (embedded SQLite), the SMTP server writing to a
Maildir and, when asked, the project's runner (``python -m deployments.serve``) and the
portal, in ``var/bench/<name>``; it stops every process it started when the block ends,
also on an error or Ctrl-C. The server logs each API request (uvicorn's access log), so a
benchmark can count the API calls between two moments.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from mentorschap import procs
from mentorschap.stack import ROOT, Stack, flow_run_processes, free_port, project_env, stack_environment
from wiring.bootstrap import Services

VAR = ROOT / "var" / "bench"
CLOCK_START = "2021-01-18T08:00:00+00:00"  # as the served tests: the cohort's mentees apply in January
ACCESS = re.compile(r'"(GET|POST|PATCH|PUT|DELETE) (/api/[^ ?"]*)')
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def runner_limit() -> int:
    """The ``limit`` the project's ``deployments.serve`` gives ``serve``, so the baseline uses the same."""
    found = re.search(r"\bserve\(.*\blimit=(\d+)", (ROOT / "deployments" / "serve.py").read_text())
    if not found:
        raise RuntimeError("no serve(..., limit=N) in deployments/serve.py")
    return int(found.group(1))


@dataclass
class BenchStack:
    stack: Stack
    portal_port: int
    maildir: Path
    svc: Services  # our database and clock, as the stack's processes have them (read-only here)

    @property
    def portal(self) -> str:
        return f"http://127.0.0.1:{self.portal_port}"

    def start_project(self) -> None:
        """The project's runner (``deployments.serve``) and the portal."""
        self.stack.start_runner()
        self.stack.start_portal(self.portal_port)

    def idle_cpu(self, *names: str, seconds: float = 10) -> float:
        """CPU seconds per second the named trees use while nothing happens (polls, server loops)."""
        before = self.cpu(*names)
        time.sleep(seconds)
        return (self.cpu(*names) - before) / seconds

    @property
    def home(self) -> Path:
        return self.stack.home

    def pid(self, name: str) -> int:
        return self.stack.procs[name].pid

    def cpu(self, *names: str) -> float:
        return procs.cpu_seconds([self.pid(n) for n in names])

    def wait_idle(self, runner: str, timeout: float = 120) -> None:
        """Until the runner has no flow-run process in flight for half a second (with the warm start its
        forkserver and resource tracker stay children for its life: ``mentorschap.stack.flow_run_processes``)."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        while time.monotonic() < deadline:
            if flow_run_processes(self.pid(runner)):
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 0.5:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{runner} still runs a flow after {timeout:.0f}s")

    def start_runner(self, name: str, module: str, deployments: list[str], *args: str) -> None:
        self.stack.spawn(name, [sys.executable, "-m", module, *args])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(httpx.get(f"{self.stack.api_url}/deployments/name/{d}", timeout=5).status_code == 200
                   for d in deployments):
                return
            if self.stack.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.stack.logs / (name + '.log')}")
            time.sleep(0.5)
        raise TimeoutError(f"{deployments} did not appear")

    def api_log_size(self) -> int:
        return (self.stack.logs / "prefect-server.log").stat().st_size

    def api_calls(self, since: int) -> Counter[str]:
        """API requests the server logged after byte ``since`` of its log, by method and route."""
        with (self.stack.logs / "prefect-server.log").open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        return Counter(f"{m} {re.sub(r'/input/.+', '/input/{key}', UUID.sub('{id}', path))}"
                       for m, path in ACCESS.findall(text))


@contextmanager
def bench_stack(name: str, project: bool = True, env: dict[str, str] | None = None) -> Iterator[BenchStack]:
    """Server and SMTP; with ``project`` also the project's runner and the portal."""
    home = VAR / name
    shutil.rmtree(home, ignore_errors=True)
    smtp_port, portal_port = free_port(), free_port()
    # No timer runs in between (sweep once a day); uvicorn's access log: one line per API call.
    stack_env = {**project_env(home, smtp_port, portal_port, f"bench-secret-for-{name}-{os.getpid()}", 86400,
                               CLOCK_START),
                 "PREFECT_SERVER_LOGGING_LEVEL": "INFO", **(env or {})}
    s = Stack.create(home, stack_env)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with stack_environment(s.env) as svc:
        try:
            s.start_mailserver(home / "maildir", smtp_port)
            s.start_prefect()
            b = BenchStack(s, portal_port, home / "maildir", svc)
            if project:
                b.start_project()
            with temporary_settings(updates={PREFECT_API_URL: s.api_url}):
                yield b
        finally:
            s.stop_all()
