"""Her forms as the Prefect UI sends them (the same API call, no field of ours added), and what she
sees next: the next form's description, the run's name."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.waits import WaitKey


@dataclass(frozen=True)
class Seen:
    """A waiting run as she finds it in the Prefect UI."""

    run_id: str
    key: WaitKey
    name: str
    description: str  # the form's text above its fields


def board(cohort: str = "zob-2021") -> tuple[str, list[dict[str, str]]]:
    """The cohort board as the sweep published it last: its description and its rows."""
    from prefect import get_client

    from flows.sweep import sweep_now

    sweep_now()
    with get_client(sync_client=True) as client:
        found = [a for a in client.read_latest_artifacts() if a.key == f"cohortbord-{cohort}"]
    assert found, "no cohort board"
    data = found[0].data
    return found[0].description or "", data if isinstance(data, list) else json.loads(str(data))


def submit(run_id: str, values: dict[str, Any]) -> None:
    """Press 'Resume' on the run's form with ``values``: the UI's own call, which sends no ``woken_by``."""
    from prefect import get_client

    with get_client(sync_client=True) as client:
        result = client.resume_flow_run(UUID(run_id), run_input=values)
    assert str(result.status).upper().endswith("ACCEPT"), result.details


def seen(runs: Any, subject_id: int | str, after: WaitKey | None = None, timeout: float = 150,
         sweep: bool = False) -> Seen:
    """The run once it waits again at a key later than ``after``: its key, name and form text."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

    from flows.sweep import sweep_now

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_id, key = runs.waiting_at(subject_id)
        if run_id and key and (after is None or key.number > after.number):
            with get_client(sync_client=True) as client:
                name = client.read_flow_run(UUID(run_id)).name
                try:
                    description = json.loads(client.read_flow_run_input(UUID(run_id), f"suspended-{key}-description"))
                except (ObjectNotFound, PrefectHTTPStatusError):  # a form without a text of its own
                    description = ""
            return Seen(run_id, key, name, description)
        if sweep:
            sweep_now()
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {subject_id} to wait after {after}")
