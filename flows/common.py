"""What every phase of a mentee trajectory does: send its messages, and wait for the next event."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, overload

from domain.waits import Subject
from flows import waiting
from flows.inputs import Wake
from tasks.store import Snapshot, Steering, record_note, steer
from wiring.bootstrap import Services

W = TypeVar("W", bound=Wake)


EMPTY = "het formulier was leeg, er is niets gedaan: vul in wat er moet gebeuren en verstuur het opnieuw"


@overload
def wait(svc: Services, s: Snapshot, label: str) -> None: ...
@overload
def wait(svc: Services, s: Snapshot, label: str, model: type[W],
         handle: Callable[[W, datetime | None], list[str]] | None = None) -> None: ...
def wait(svc: Services, s: Snapshot, label: str, model: type[Wake] = Wake,
         handle: Callable[[Any, datetime | None], list[str]] | None = None) -> None:
    """Wait for the next event. A form of the facilitator's: her note goes into the trajectory's
    history, her steering is applied, then ``handle``; an empty form or a refused act is refused
    with its reason (``flows.waiting`` keeps it where she looks)."""

    def on_input(received: Wake, given_at: datetime | None) -> list[str]:
        if received.woken_by != "facilitator":
            return handle(received, given_at) if handle is not None else []
        if not received.filled():
            return [EMPTY]
        refusals: list[str] = []
        if note := received.note.strip():
            refusals += record_note(svc, s.id, note, given_at)
        refusals += steer(svc, s.id, Steering.model_validate(received.model_dump(include=set(Steering.model_fields))),
                          given_at)
        if handle is not None:
            refusals += handle(received, given_at)
        return refusals

    waiting.wait(svc, Subject.trajectory(s.id), label, s.version, model, on_input)
