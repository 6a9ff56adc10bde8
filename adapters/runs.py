"""The runs and their waits, for every kind of long-lived run, in one table.

A row per subject (kind + id): its Prefect flow run, the wait it is in (label and
number) and the subject's version when that wait began. The subject's own table
(trajectories, hao trajectories, cohorts) keeps its version and whether it ended;
``SUBJECTS`` says where, so the one sweep sees every kind the same way.

Register the table by importing this module (``adapters.db`` does).
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    and_,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.cohorts import cohorts
from adapters.db import metadata
from adapters.hao_store import hao_trajectories
from adapters.tables import trajectories
from domain.waits import HAO_KINDS, RunKind, RunState, Subject, WaitKey

runs = Table(
    "runs",
    metadata,
    Column("kind", String(16), primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("flow_run_id", String(36), nullable=True),
    Column("waits", Integer, nullable=False, default=0),  # waits begun, the open one included
    Column("wait_label", String(64), nullable=True),  # None: not waiting
    Column("wait_version", Integer, nullable=True),
    Column("waiting_since", DateTime(timezone=True), nullable=True),
    Column("refusal", Text, nullable=True),  # why the last form given to this run was not carried out
)


@dataclass(frozen=True)
class SubjectTable:
    """Where a kind's subjects live: their id, version and whether they ended."""

    table: Table
    id: ColumnElement
    version: ColumnElement
    ended: ColumnElement[bool]
    only: ColumnElement[bool]  # which rows of the table are of this kind


def _subjects() -> dict[RunKind, SubjectTable]:
    t, h, c = trajectories.c, hao_trajectories.c, cohorts.c
    found = {
        RunKind.TRAJECTORY: SubjectTable(trajectories, t.id, t.version, t.phase.in_(["closed", "withdrawn"]), true()),
        RunKind.COHORT: SubjectTable(cohorts, c.id, c.version, c.stage == "matched", true()),
    }
    for kind in HAO_KINDS:
        found[kind] = SubjectTable(hao_trajectories, h.id, h.version, h.phase == "closed", h.kind == kind.value)
    return found


SUBJECTS = _subjects()


class RunStore:
    """Reads and writes the ``runs`` table; every write is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _select(self, kind: RunKind) -> Select[Any]:
        s = SUBJECTS[kind]
        return (
            select(
                literal(kind.value).label("kind"), s.id.label("subject"), s.version.label("version"),
                s.ended.label("ended"), runs.c.flow_run_id, runs.c.waits, runs.c.wait_label, runs.c.wait_version,
            )
            .select_from(s.table.outerjoin(runs, and_(runs.c.kind == kind.value,
                                                      runs.c.subject == _as_text(s.id))))
            .where(s.only)
        )

    def run(self, subject: Subject) -> RunState | None:
        """The run of one subject; None when the subject does not exist."""
        s = SUBJECTS[subject.kind]
        key = subject.number if subject.kind is not RunKind.COHORT else subject.id
        with self.engine.connect() as conn:
            row = conn.execute(self._select(subject.kind).where(s.id == key)).first()
        return _state(row) if row is not None else None

    def all(self, kinds: tuple[RunKind, ...] = tuple(RunKind), also: Collection[str] = ()) -> list[RunState]:
        """Every subject that is not ended or whose run still waits, for the sweep, and those whose run is
        one of ``also`` (flow run ids).

        An ended subject whose run still waits is one too: the act that ended it may have
        lost its wake-up, and only a woken run sends the closing mail and completes. So is one
        whose run a kill left before its first wait (Pending or Crashed: Prefect names them,
        ``also``) while its people went on to the end without it (found by ``make chaos``).
        """
        found: list[RunState] = []
        with self.engine.connect() as conn:
            for kind in kinds:
                s = SUBJECTS[kind]
                swept = or_(~s.ended, runs.c.wait_label.is_not(None), runs.c.flow_run_id.in_(list(also)))
                query = self._select(kind).where(swept).order_by(s.id)
                found += [_state(r) for r in conn.execute(query)]
        return found

    def set_flow_run(self, subject: Subject, flow_run_id: str) -> None:
        with self.engine.begin() as conn:
            _ensure(conn, subject)
            conn.execute(_where(update(runs), subject).values(flow_run_id=flow_run_id))

    def flow_run_id(self, subject: Subject) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(_where(select(runs.c.flow_run_id), subject)).scalar()

    def open_wait(self, subject: Subject, label: str, seen_version: int, now: datetime) -> WaitKey | None:
        """The key of the wait in force, fixed in the database before the run suspends.

        A replayed run gets the same key back (and so Prefect's stored input); after a
        recorded wake-up the next wait gets a fresh key. None when the subject changed
        since the run read it at ``seen_version``: look again, do not wait.
        """
        s = SUBJECTS[subject.kind]
        key = subject.number if subject.kind is not RunKind.COHORT else subject.id
        with self.engine.begin() as conn:
            _ensure(conn, subject)
            row = conn.execute(_where(select(runs.c.waits, runs.c.wait_label), subject)).one()
            if row.wait_label is not None:
                return WaitKey(subject, row.waits, row.wait_label)
            version = conn.execute(select(s.version).where(s.id == key)).scalar_one()
            if version != seen_version:
                return None
            conn.execute(_where(update(runs), subject).values(
                waits=row.waits + 1, wait_label=label, wait_version=seen_version, waiting_since=now))
            return WaitKey(subject, row.waits + 1, label)

    def close_wait(self, key: WaitKey, refusal: str | None = None) -> bool:
        """Record the wake-up of the wait ``key`` and why its form was refused (None: it was not,
        or it was no form); False if it was recorded already."""
        with self.engine.begin() as conn:
            result = conn.execute(
                _where(update(runs), key.subject)
                .where(runs.c.waits == key.number, runs.c.wait_label == key.label)
                .values(wait_label=None, wait_version=None, waiting_since=None, refusal=refusal)
            )
        return result.rowcount == 1

    def refusal(self, subject: Subject) -> str | None:
        """Why the last form given to the subject's run was not carried out, if it was not."""
        with self.engine.connect() as conn:
            return conn.execute(_where(select(runs.c.refusal), subject)).scalar()

    def refusals(self, kind: RunKind) -> dict[str, str]:
        """Every run of ``kind`` whose last form was refused: subject id -> why (the cohort board)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(runs.c.subject, runs.c.refusal)
                                .where(runs.c.kind == kind.value, runs.c.refusal.is_not(None)))
            return {row.subject: row.refusal for row in rows}

    def wakes(self, subject: Subject) -> int:
        """How many wake-ups the run has had (waits begun and closed)."""
        with self.engine.connect() as conn:
            row = conn.execute(_where(select(runs.c.waits, runs.c.wait_label), subject)).first()
        return 0 if row is None else row.waits - (row.wait_label is not None)


def _as_text(column: ColumnElement) -> ColumnElement:
    from sqlalchemy import cast

    return cast(column, String) if column.type.python_type is int else column


class _Filterable(Protocol):
    def where(self, *whereclause: ColumnElement[bool]) -> Self: ...


F = TypeVar("F", bound=_Filterable)


def _where(statement: F, subject: Subject) -> F:
    return statement.where(runs.c.kind == subject.kind.value, runs.c.subject == subject.id)


def _ensure(conn: Connection, subject: Subject) -> None:
    """The subject's row, made on first use; a concurrent maker wins and that is fine."""
    if conn.execute(_where(select(runs.c.kind), subject)).first() is None:
        with contextlib.suppress(IntegrityError), conn.begin_nested():
            conn.execute(insert(runs).values(kind=subject.kind.value, subject=subject.id, waits=0))


def _state(row: Row[Any]) -> RunState:
    subject = Subject(RunKind(row.kind), str(row.subject))
    wait = WaitKey(subject, row.waits, row.wait_label) if row.wait_label is not None else None
    return RunState(subject=subject, flow_run_id=row.flow_run_id, wait=wait, wait_version=row.wait_version,
                    version=row.version, ended=bool(row.ended))
