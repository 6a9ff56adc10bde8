"""The real stack for the slow tests: Prefect server, served deployments, SMTP and portal.

One per test session (starting it costs half a minute); the flow tests and the
browser tests share it, each with its own people and trajectories. The cohort and
programme B tests start their own, since they need a clock of their own.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator

from mentorschap.stack import ROOT, Stack, free_port, project_env, stack_environment
from wiring.bootstrap import Services, run_services

AUTH = "facilitator:" + secrets.token_urlsafe(12)  # the tests run a locked Prefect, as production would


def warm_start() -> dict[str, str]:
    """``MENTORSCHAP_TEST_WARM_START=1`` runs the served tests with the warm start on (issue 8.8)."""
    return {"MENTORSCHAP_WARM_START": "1"} if os.environ.get("MENTORSCHAP_TEST_WARM_START") == "1" else {}


def svc() -> Services:
    """The services of the stack this test process is a client of: ``stack_environment`` built them from
    the stack's settings and provides them (``wiring.bootstrap.provided``) while the stack runs."""
    with run_services() as provided:
        return provided


def running_stack(name: str, clock_start: str, speed: float = 1, auth: str | None = None,
                  env: dict[str, str] | None = None, deployments: tuple[str, ...] = (),
                  database: str | None = None) -> Iterator[Stack]:
    """Start a stack in ``var/tests/<name>-<pid>`` with its own clock and database (a SQLite file there, or
    ``database``: the ``served_database`` fixture's); stop it after."""
    # Under var/ (not pytest's tmp) so the processes' logs outlive the run for a post-mortem.
    home = ROOT / "var" / "tests" / f"{name}-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    smtp_port, portal_port = free_port(), free_port()
    stack_env = {**project_env(home, smtp_port, portal_port, f"test-secret-for-{name}", 3600, clock_start, speed),
                 **warm_start(), **(env or {})}
    if database:
        stack_env["MENTORSCHAP_DATABASE_URL"] = database
    s = Stack.create(home, stack_env, auth=auth)
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    with stack_environment(s.env):
        try:
            s.start_mailserver(home / "maildir", smtp_port)
            s.start_prefect()
            s.start_runner()
            if deployments:
                s._wait_deployments(list(deployments))
            s.start_portal(portal_port)
            s.portal = f"http://127.0.0.1:{portal_port}"  # type: ignore[attr-defined]
            s.maildir = home / "maildir"  # type: ignore[attr-defined]
            # Prefect reads its settings once, at import: a test process that imported it before this
            # stack existed would otherwise talk to an ephemeral server of its own.
            with temporary_settings(updates={PREFECT_API_URL: s.api_url, PREFECT_API_AUTH_STRING: auth}):
                yield s
        finally:
            flush_prefect_client()
            s.stop_all()


def flush_prefect_client(timeout: float = 15) -> None:
    """Send what this process still queues for the stack's Prefect server (events, logs) while it is up.

    Left queued, they are retried against a server that is gone: each failed connection takes seconds, and
    at interpreter exit Prefect drains them one by one ("Still processing items: 25 items remaining"), which
    held a finished test run for minutes.
    """
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (EventsWorker, APILogWorker):
        worker.drain_all(timeout=timeout, at_exit=False)
