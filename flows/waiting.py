"""The one way every long-lived run waits: suspended, at a key fixed in the database.

The key is written before the run suspends, so a run that is resumed (and replays
from the top) gets the same key back, and with it the input Prefect stored for it.
Whoever acts writes the database first and then wakes the run; the run always
re-reads the database, so a wake-up only says "look again". Trajectories, cohorts
and the three hao kinds all wait through ``wait``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput

from domain.waits import Subject
from tasks.runs import input_given_at
from wiring.bootstrap import services

W = TypeVar("W", bound=RunInput)


def wait(subject: Subject, label: str, seen_version: int, model: type[W],
         handle: Callable[[W, datetime | None], None] | None = None) -> tuple[W, datetime | None] | None:
    """Suspend until someone wakes the run; returns the input and the time a facilitator gave it.

    ``handle`` writes what the input carries before the wake-up is recorded, so a run that
    dies in between handles the same input again on its replay (each act is idempotent).
    None, without waiting, when the subject changed since it was read at ``seen_version``.
    """
    svc = services()
    key = svc.run_store.open_wait(subject, label, seen_version, svc.clock.now())
    if key is None:
        return None
    received = suspend_flow_run(wait_for_input=model, key=str(key), timeout=None)
    # Only a facilitator's form carries an act to date (a participant's is in the database already).
    given_at = input_given_at(key) if getattr(received, "woken_by", None) == "facilitator" else None
    if handle is not None:
        handle(received, given_at)
    svc.run_store.close_wait(key)
    return received, given_at
