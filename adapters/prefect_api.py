"""Starting and waking trajectory runs through the Prefect API.

Every act is written to the database before a run is woken, so a wake-up that is
refused or lost changes nothing: the timer sweep wakes any run whose wait is
already satisfied. A run is only woken while it waits at the key our database
says it waits at, so a stale wake-up cannot resume a later wait.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.exceptions import PrefectHTTPStatusError
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from prefect.states import Scheduled

from adapters.repository import Repository

log = logging.getLogger(__name__)

TRAJECTORY_DEPLOYMENT = "mentee-trajectory/mentee-trajectory"
RESUME_PAUSES = (0.2, 0.5, 1.0)  # seconds between the quick attempts of a wake-up


def resume(run_id: str, run_input: dict[str, Any]) -> Any:
    """Resume a paused run with ``run_input``; Prefect's answer, or None when it stayed busy.

    On its SQLite database Prefect answers 503 ('database is locked') to a resume that races
    other writes, and its client then backs off for up to a minute, holding up whoever woke
    the run (a participant's page, the sweep). A wake-up is only a nudge: the act is in our
    database already and the sweep wakes any run whose wait is satisfied. So a few quick
    attempts, then it is the sweep's.
    """
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}), get_client(sync_client=True) as client:
        for pause in (*RESUME_PAUSES, None):
            try:
                return client.resume_flow_run(UUID(run_id), run_input=run_input)
            except PrefectHTTPStatusError as exc:
                if exc.response.status_code != 503:
                    raise
                if pause is None:
                    log.info("run %s: Prefect stayed busy; the sweep wakes it", run_id)
                    return None
                time.sleep(pause)
    return None


class RunControl:
    def __init__(self, repo: Repository, deployment: str = TRAJECTORY_DEPLOYMENT) -> None:
        self.repo = repo
        self.deployment = deployment

    def start(self, trajectory_id: int, name: str | None = None, tags: list[str] | None = None) -> str:
        """Create the trajectory's one flow run (once) and remember its id."""
        existing, _, _ = self.repo.run_info(trajectory_id)
        if existing:
            return existing
        run = run_deployment(
            self.deployment,
            parameters={"trajectory_id": trajectory_id},
            timeout=0,
            flow_run_name=name or f"traject {trajectory_id}",
            tags=tags or [],
            idempotency_key=f"trajectory-{trajectory_id}",
            _sync=True,  # also from code that runs an event loop (the portal, a browser test)
        )
        self.repo.set_flow_run(trajectory_id, str(run.id))
        return str(run.id)

    def waiting_at(self, trajectory_id: int) -> tuple[str | None, str | None]:
        """(flow run id, pause key) when the run is suspended at the key in our database."""
        run_id, wait_key, _ = self.repo.run_info(trajectory_id)
        if not run_id or not wait_key:
            return run_id, None
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(run_id))
        state = run.state
        if state is None or state.type is not StateType.PAUSED:
            return run_id, None
        if state.state_details.pause_key != wait_key:
            return run_id, None
        return run_id, wait_key

    def state(self, trajectory_id: int) -> str | None:
        """The Prefect state type of the trajectory's run (e.g. 'PAUSED', 'COMPLETED')."""
        run_id, _, _ = self.repo.run_info(trajectory_id)
        if not run_id:
            return None
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(run_id))
        return run.state.type.value if run.state else None

    def revive_if_crashed(self, trajectory_id: int) -> bool:
        """Schedule a crashed run again: it replays from the top and finds its place in the database."""
        run_id, _, _ = self.repo.run_info(trajectory_id)
        if not run_id:
            return False
        with get_client(sync_client=True) as client:
            run = client.read_flow_run(UUID(run_id))
            if run.state is None or run.state.type is not StateType.CRASHED:
                return False
            client.set_flow_run_state(UUID(run_id), Scheduled(name="Herstart na crash"), force=True)
        log.warning("trajectory %s: crashed run %s scheduled again", trajectory_id, run_id)
        return True

    def wake(self, trajectory_id: int, woken_by: str, note: str = "", extra: dict[str, Any] | None = None) -> bool:
        """Resume the run if it waits at our key; False when it does not (the sweep will)."""
        run_id, key = self.waiting_at(trajectory_id)
        if run_id is None or key is None:
            return False
        run_input = {"woken_by": woken_by, "note": note, **(extra or {})}
        result = resume(run_id, run_input)
        accepted = getattr(result, "status", None)
        ok = str(accepted).upper().endswith("ACCEPT")
        if not ok:
            log.info("trajectory %s: wake-up not accepted: %s", trajectory_id, getattr(result, "details", ""))
        return ok
