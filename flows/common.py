"""What every phase of a mentee trajectory does: send its messages, and wait for the next event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, overload

from prefect import get_run_logger

from domain.waits import Subject
from flows import waiting
from flows.inputs import Wake
from tasks.messages import Message, send, unsent
from tasks.store import Snapshot, Steering, steer

W = TypeVar("W", bound=Wake)


def send_all(messages: list[Message]) -> None:
    """Send each message whose key is new; known keys cost nothing."""
    for message in unsent(messages) if messages else []:
        send(message)


@overload
def wait(s: Snapshot, label: str) -> None: ...
@overload
def wait(s: Snapshot, label: str, model: type[W],
         handle: Callable[[W, datetime | None], None] | None = None) -> None: ...
def wait(s: Snapshot, label: str, model: type[Wake] = Wake,
         handle: Callable[[Any, datetime | None], None] | None = None) -> None:
    """Wait for the next event; the facilitator's steering on any form is applied first, then ``handle``."""

    def on_input(received: Wake, given_at: datetime | None) -> None:
        if received.note.strip():
            get_run_logger().info("toelichting (%s): %s", received.woken_by, received.note.strip())
        steering = Steering.model_validate(received.model_dump(include=set(Steering.model_fields)))
        if steering:
            for refusal in steer(s.id, steering, given_at):
                get_run_logger().warning("niet uitgevoerd: %s", refusal)
        if handle is not None:
            handle(received, given_at)

    waiting.wait(Subject.trajectory(s.id), label, s.version, model, on_input)
