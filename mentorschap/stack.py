"""Starting the real parts as local processes: Prefect server, runner, SMTP, portal.

Used by ``make demo`` and by the tests that need a served deployment. Every child
gets the same environment, so all of them share one database and one clock.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from mentorschap import procs

if TYPE_CHECKING:
    from wiring.bootstrap import Services

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def stack_environment(env: Mapping[str, str]) -> Iterator[Services]:
    """This process as a client of a stack: its PREFECT_ and MENTORSCHAP_ variables replaced by
    ``env`` (another stack's auth string must not leak in), and services built from them, provided
    (``wiring.bootstrap.provided``) to what this process calls in-process (the sweep, the CLI) and
    yielded; all restored afterwards. For the served tests and the benchmarks."""
    from wiring.bootstrap import build, provided
    from wiring.settings import Settings

    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith(("PREFECT_", "MENTORSCHAP_"))]:
        del os.environ[name]
    os.environ.update(env)
    try:
        svc = build(Settings())
        try:
            with provided(svc):
                yield svc
        finally:
            svc.engine.dispose()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def project_env(home: Path, smtp_port: int, portal_port: int, secret: str, sweep_seconds: int,
                clock_start: str, speed: float = 1) -> dict[str, str]:
    """The project's settings for a stack in ``home``: its own database, mail port, portal, secret and
    a clock that starts at ``clock_start`` now (tests and benchmarks each add what is theirs)."""
    from datetime import UTC, datetime

    return {
        "MENTORSCHAP_DATABASE_URL": f"sqlite:///{home / 'mentorschap.db'}",
        "MENTORSCHAP_SMTP_PORT": str(smtp_port),
        "MENTORSCHAP_PORTAL_URL": f"http://127.0.0.1:{portal_port}",
        "MENTORSCHAP_SIGNING_SECRET": secret,
        "MENTORSCHAP_SWEEP_INTERVAL_SECONDS": str(sweep_seconds),
        "MENTORSCHAP_CLOCK_START": clock_start,
        "MENTORSCHAP_CLOCK_ANCHOR": datetime.now(UTC).isoformat(),
        "MENTORSCHAP_CLOCK_SPEED": str(speed),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 90.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args!s} exited with {proc.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code < 500:  # 401 when locked: up all the same
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


def wait_port(port: int, timeout: float) -> None:
    """Wait until something accepts connections on the loopback ``port`` (the SMTP server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing answered on port {port} within {timeout:.0f}s")


@dataclass
class Stack:
    """A set of child processes sharing one environment."""

    home: Path
    env: dict[str, str]
    logs: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @classmethod
    def create(
        cls, home: Path, extra_env: dict[str, str], prefect_port: int | None = None, auth: str | None = None
    ) -> Stack:
        """``auth`` ('user:password') locks the Prefect UI and API, as any setup beyond one laptop should."""
        home.mkdir(parents=True, exist_ok=True)
        logs = home / "logs"
        logs.mkdir(exist_ok=True)
        port = prefect_port or free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "MENTORSCHAP_"))}
        env.update({
            "PREFECT_HOME": str(home / "prefect"),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_SERVER_API_PORT": str(port),
            "PREFECT_UI_URL": f"http://127.0.0.1:{port}",
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",  # nor the client's usage events (Prefect's CLI, runner, workers, flow runs)
            "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "5",
            "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
            # No automations and no workers here (the deployments are served): on a 2-core machine
            # the server's CPU is better spent on the runs than on evaluating triggers per event.
            "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
            "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "false",
            "PREFECT_LOGGING_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        })
        # Every flow run (and every resume) is a new process that imports this code: let them keep
        # its compiled bytecode (__pycache__, ignored by git) rather than compile it each time.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if auth:
            env["PREFECT_SERVER_API_AUTH_STRING"] = auth  # the server refuses requests without it
            env["PREFECT_API_AUTH_STRING"] = auth  # every client of ours sends it
        env.update(extra_env)
        return cls(home=home, env=env, logs=logs)

    @property
    def api_url(self) -> str:
        return self.env["PREFECT_API_URL"]

    @property
    def ui_url(self) -> str:
        return self.env["PREFECT_UI_URL"]

    def spawn(self, name: str, args: list[str], env: dict[str, str] | None = None,
              cwd: Path = ROOT) -> subprocess.Popen:
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 (kept open for the child)
        proc = subprocess.Popen(args, env=env or self.env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_prefect(self) -> None:
        proc = self.spawn("prefect-server", [sys.executable, "-m", "prefect", "server", "start"])
        wait_http(self.api_url + "/health", timeout=120, proc=proc)

    def migrate(self) -> None:
        """Bring the stack's database to the newest migration (``mentorschap db upgrade``) before the
        processes that use it start, so they do not all find it empty at once."""
        from adapters.db import create_schema, make_engine

        url = self.env.get("MENTORSCHAP_DATABASE_URL")
        if url is None:  # the default database, relative to the children's folder: each migrates it
            return
        engine = make_engine(url)
        create_schema(engine)
        engine.dispose()

    def start_runner(self) -> None:
        self.migrate()
        self.spawn("runner", [sys.executable, "-m", "deployments.serve"])
        self._wait_deployments(["mentee-trajectory/mentee-trajectory", "timer-sweep/timer-sweep"])

    def start_mailserver(self, maildir: Path, port: int) -> None:
        self.spawn("smtp", [sys.executable, "-m", "demo.mailserver", "--maildir", str(maildir), "--port", str(port)])
        wait_port(port, timeout=30)

    def start_portal(self, port: int) -> None:
        self.migrate()
        proc = self.spawn("portal", [sys.executable, "-m", "uvicorn", "--factory", "mentorschap.web:make_app",
                                     "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"])
        # The process answers; /healthz would also wait for Prefect, which a restarting stack may lack.
        wait_http(f"http://127.0.0.1:{port}/portal.css", timeout=60, proc=proc)

    def _wait_deployments(self, names: list[str], timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = 0
            for name in names:
                r = httpx.get(f"{self.api_url}/deployments/name/{name}", timeout=5, auth=self._basic_auth())
                found += r.status_code == 200
            if found == len(names):
                return
            if self.procs["runner"].poll() is not None:
                raise RuntimeError("the runner exited; see " + str(self.logs / "runner.log"))
            time.sleep(0.5)
        raise TimeoutError("deployments did not appear")

    def wait_idle(self, name: str, timeout: float = 60) -> None:
        """Wait until the runner runs no flow (it is between flow runs)."""
        proc = self.procs[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and flow_run_processes(proc.pid):
            time.sleep(0.2)

    def _basic_auth(self) -> tuple[str, str] | None:
        auth = self.env.get("PREFECT_API_AUTH_STRING")
        if not auth:
            return None
        user, _, password = auth.partition(":")
        return user, password

    def stop(self, name: str, timeout: float = 15) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)


# What multiprocessing starts for the warm start (deployments/warm.py) lives as long as the runner.
FORKSERVER, RESOURCE_TRACKER = b"multiprocessing.forkserver", b"multiprocessing.resource_tracker"


def flow_run_processes(runner: int) -> list[int]:
    """The flow-run processes of a runner or worker: its children, or with the warm start the forkserver's (the
    forkserver and multiprocessing's resource tracker are not runs: they stay while the runner lives)."""
    found = []
    for child in procs.children(runner):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if FORKSERVER in command:
            found += procs.children(child)
        elif RESOURCE_TRACKER not in command:
            found.append(child)
    return found
