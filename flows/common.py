"""What every phase does: send its messages, and wait durably for the next event.

A wait suspends the run (no process is held) at a key fixed in the database.
Whoever acts writes the database first and then wakes the run; the run always
re-reads the database, so a wake-up only says "look again".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from prefect import get_run_logger
from prefect.flow_runs import suspend_flow_run

from flows.inputs import Wake
from tasks.messages import Message, send, unsent
from tasks.runs import input_given_at
from tasks.store import Snapshot, Steering, open_wait, record_wake, steer

W = TypeVar("W", bound=Wake)


def send_all(messages: list[Message]) -> None:
    """Send each message whose key is new; known keys cost nothing."""
    for message in unsent(messages) if messages else []:
        send(message)


def wait(s: Snapshot, label: str, model: type[W] = Wake,
         handle: Callable[[W, datetime | None], None] | None = None) -> W | None:
    """Suspend until someone wakes the run; ``handle`` writes a facilitator's input first,
    with the time the input was given.

    Returns None without waiting when the trajectory changed since ``s`` was read.
    """
    trajectory_id = s.trajectory.id
    key = open_wait(trajectory_id, label, s.version)
    if key is None:
        return None
    received = suspend_flow_run(wait_for_input=model, key=key, timeout=None)
    if received.note.strip():
        get_run_logger().info("toelichting (%s): %s", received.woken_by, received.note.strip())
    steering = Steering.model_validate(received.model_dump(include=set(Steering.model_fields)))
    # Only a facilitator's input carries an act to date (a participant's is in the database already).
    given_at = input_given_at(key) if received.woken_by == "facilitator" and (steering or handle) else None
    if steering:
        for refusal in steer(trajectory_id, steering, given_at):
            get_run_logger().warning("niet uitgevoerd: %s", refusal)
    if handle is not None:
        handle(received, given_at)
    record_wake(trajectory_id, key)
    return received
