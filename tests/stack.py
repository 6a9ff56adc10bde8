"""The real stack for the slow tests: Prefect server, served deployments, SMTP and portal.

One per test session (starting it costs half a minute); the flow tests and the
browser tests share it, each with its own people and trajectories.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime

from mentorschap.stack import ROOT, Stack, free_port

AUTH = "facilitator:" + secrets.token_urlsafe(12)  # the tests run a locked Prefect, as production would


def running_stack() -> Iterator[Stack]:
    # Under var/ (not pytest's tmp) so the processes' logs outlive the run for a post-mortem.
    home = ROOT / "var" / "tests" / f"stack-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    smtp_port, portal_port = free_port(), free_port()
    env = {
        "MENTORSCHAP_DATABASE_URL": f"sqlite:///{home / 'mentorschap.db'}",
        "MENTORSCHAP_SMTP_PORT": str(smtp_port),
        "MENTORSCHAP_PORTAL_URL": f"http://127.0.0.1:{portal_port}",
        "MENTORSCHAP_SIGNING_SECRET": "test-secret-for-the-served-deployment",
        "MENTORSCHAP_SWEEP_INTERVAL_SECONDS": "3600",
        "MENTORSCHAP_CLOCK_START": "2021-01-18T08:00:00+00:00",
        "MENTORSCHAP_CLOCK_ANCHOR": datetime.now(UTC).isoformat(),
        "MENTORSCHAP_CLOCK_SPEED": "1",
    }
    s = Stack.create(home, env, auth=AUTH)
    saved = dict(os.environ)
    os.environ.update(s.env)
    from mentorschap.bootstrap import services

    services.cache_clear()
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    try:
        s.start_mailserver(home / "maildir", smtp_port)
        s.start_prefect()
        s.start_runner()
        s.start_portal(portal_port)
        s.portal = f"http://127.0.0.1:{portal_port}"  # type: ignore[attr-defined]
        s.maildir = home / "maildir"  # type: ignore[attr-defined]
        # Prefect reads its settings once, at import; in a full suite that was before this stack existed.
        with temporary_settings(updates={PREFECT_API_URL: s.api_url, PREFECT_API_AUTH_STRING: AUTH}):
            yield s
    finally:
        s.stop_all()
        services.cache_clear()
        os.environ.clear()
        os.environ.update(saved)
