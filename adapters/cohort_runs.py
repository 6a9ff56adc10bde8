"""Waking a waiting cohort run through the Prefect API (as its input form in the UI does).

The database says at which key the run waits; a run is only resumed while Prefect
shows it paused at that key, so a stale wake-up cannot resume a later wait.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.objects import StateType

from adapters.prefect_api import resume

log = logging.getLogger(__name__)


def cohort_waiting_at(cohorts, cohort: str) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    """(flow run id, key) when the cohort run is paused at the key in our database."""
    run_id, key = cohorts.run_info(cohort)
    if not run_id or not key:
        return run_id, None
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(run_id))
    state = run.state
    if state is None or state.type is not StateType.PAUSED or state.state_details.pause_key != key:
        return run_id, None
    return run_id, key


def wake_cohort(cohorts, cohort: str, label: str | None, run_input: dict[str, Any]) -> bool:  # type: ignore[no-untyped-def]
    """Resume the cohort run if it waits (at a key ending in ``label``, when given)."""
    run_id, key = cohort_waiting_at(cohorts, cohort)
    if run_id is None or key is None or (label and not key.endswith(f"-{label}")):
        return False
    result = resume(run_id, run_input)
    ok = str(getattr(result, "status", "")).upper().endswith("ACCEPT")
    if not ok:
        log.info("cohort %s: wake-up not accepted: %s", cohort, getattr(result, "details", ""))
    return ok
