"""What happened in a trajectory, as a kind and its detail; the Dutch line people read is made here.

Both programmes' histories (``domain.trajectory``, ``domain.hao.trajectory``) record an ``Event``
and its detail. Code reads the kind (when did the phase begin, which texts are a person's own,
has retention run); ``label`` makes the line the board and the history show. Entries stored
before there were kinds hold only that line: ``from_label`` reads their kind back from it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Event(StrEnum):
    PHASE = "phase"  # the trajectory entered a phase; detail: why
    WITHDRAWAL = "withdrawal"  # a participant ended the trajectory; detail: their reason, in their words
    NOTE = "note"  # the facilitator's note from her form; detail: her text
    RETENTION = "retention"  # personal data removed after the retention period
    ACT = "act"  # someone acted, or the clock did; detail: what

    @property
    def enters_phase(self) -> bool:
        return self in (Event.PHASE, Event.WITHDRAWAL)

    @property
    def authored(self) -> bool:
        """Whether the detail is the free text of the one the entry is ``by`` (erased with that person)."""
        return self in (Event.WITHDRAWAL, Event.NOTE)


RETENTION_LABEL = "persoonsgegevens verwijderd na de bewaartermijn"
# The line of each kind: a prefix before the detail (longest first: how an old line is read back).
PREFIXES = ((Event.WITHDRAWAL, "fase: traject beëindigd: "), (Event.PHASE, "fase: "), (Event.NOTE, "toelichting: "))


def label(kind: Event, detail: str) -> str:
    """The Dutch line for an entry, as the board and the history show it."""
    if kind is Event.RETENTION:
        return RETENTION_LABEL
    return dict(PREFIXES).get(kind, "") + detail


def kind_of(line: str) -> tuple[Event, str]:
    """The kind and detail of a line written before entries had a kind."""
    if line == RETENTION_LABEL:
        return Event.RETENTION, ""
    for kind, prefix in PREFIXES:
        if line.startswith(prefix):
            return kind, line.removeprefix(prefix)
    return Event.ACT, line


def from_label(data: Any) -> Any:
    """A pydantic before-validator: a stored entry with only its line (``what``) gets its kind and detail."""
    if isinstance(data, dict) and "kind" not in data and "what" in data:
        data = dict(data)
        data["kind"], data["detail"] = kind_of(data.pop("what"))
    return data
