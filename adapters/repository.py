"""Reading and writing people and trajectories, with conditional (compare-and-set) updates."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Protocol, Self, TypeVar

from sqlalchemy import Connection, Engine, RowMapping, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters import owed
from adapters.db import inserted_id
from adapters.tables import people, trajectories
from domain.errors import DomainError
from domain.owed import owed_now
from domain.people import Application, Person, Role
from domain.trajectory import Trajectory

T = TypeVar("T")


class Conflict(RuntimeError):
    """Someone else changed the row first; load again and retry."""


class NotFound(LookupError):
    pass


class Aggregate(Protocol):
    """What the store needs of an aggregate: its id, its phase (a queried column) and its JSON."""

    @property
    def id(self) -> int | None: ...

    @property
    def phase(self) -> Enum: ...

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self: ...


A = TypeVar("A", bound=Aggregate)


def insert_document(conn: Connection, table: Table, t: A, now: datetime, **columns: Any) -> A:
    """Insert ``t`` at version 1 with its queried ``columns``; returns it with the id it got.

    The document is written after the insert because it holds the id the insert gave.
    """
    new_id = inserted_id(conn.execute(insert(table).values(
        **columns, phase=t.phase.value, version=1, document={}, updated_at=now,
    )))
    t = t.model_copy(update={"id": new_id})
    conn.execute(update(table).where(table.c.id == new_id).values(document=t.model_dump(mode="json")))
    return t


class Documents(Generic[A]):
    """Aggregates kept whole as versioned JSON documents in one table, with conditional updates.

    Both programmes' stores hold one (programme A's ``Repository``, ``adapters.hao_store``'s
    ``HaoRepository``), so the compare-and-set rules live once. The table has the columns
    ``id``, ``phase``, ``version``, ``document`` and ``updated_at``; ``read`` parses a document.
    """

    def __init__(self, engine: Engine, table: Table, read: Callable[[Any], A],
                 written: Callable[[Connection, A, datetime], object] | None = None) -> None:
        self.engine = engine
        self.table = table
        self.read = read
        self.written = written  # runs in the transaction of every write, after it (what the new state owes)

    def get(self, aggregate_id: int) -> tuple[A, int]:
        """The aggregate and the version it was read at."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.document, self.table.c.version).where(self.table.c.id == aggregate_id)
            ).first()
        if row is None:
            raise NotFound(f"trajectory {aggregate_id}")
        return self.read(row.document), row.version

    def save(self, t: A, expected_version: int, now: datetime, also: Callable[[Connection], None] | None = None) -> int:
        """Write the aggregate only if nobody changed it since it was read.

        ``also`` runs in the same transaction (e.g. marking a signed link as used), so
        the act and its bookkeeping are written together or not at all.
        """
        with self.engine.begin() as conn:
            if also is not None:
                also(conn)
            result = conn.execute(
                update(self.table)
                .where(self.table.c.id == t.id, self.table.c.version == expected_version)
                .values(
                    document=t.model_dump(mode="json"), phase=t.phase.value,
                    version=expected_version + 1, updated_at=now,
                )
            )
            if result.rowcount != 1:
                raise Conflict(f"trajectory {t.id} changed since version {expected_version}")
            if self.written is not None:
                self.written(conn, t, now)
        return expected_version + 1

    def change(
        self,
        aggregate_id: int,
        act: Callable[[A], T],
        now: datetime,
        also: Callable[[Connection], None] | None = None,
        attempts: int = 20,
    ) -> T:
        """Load, apply ``act`` and save; on a concurrent change, start again from a fresh read.

        A ``DomainError`` from ``act`` propagates and nothing is written.
        """
        for _ in range(attempts):
            t, version = self.get(aggregate_id)
            result = act(t)
            try:
                self.save(t, version, now, also)
            except Conflict:
                continue
            return result
        raise Conflict(f"trajectory {aggregate_id}: too many concurrent changes")


class Repository:
    """The store's one entry point; holds an engine, opens short transactions.

    Trajectories are read and changed through ``Documents`` on the ``trajectories`` table.
    The runs that orchestrate them and their waits are in ``adapters.runs``.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Every act records the messages its new state owes in its own transaction (``adapters.owed``).
        self.documents: Documents[Trajectory] = Documents(engine, trajectories, Trajectory.model_validate,
                                                          lambda conn, t, now: owed.record(conn, owed_now(t), now))

    # --- people --------------------------------------------------------------

    def add_person(
        self, cohort: str, application: Application, now: datetime, ineligible: list[str] | None = None
    ) -> int:
        row = {
            "cohort": cohort,
            "role": application.role.value,
            "name": application.name,
            "email": application.email.lower(),
            "language": application.language.value,
            "eligible": not ineligible,
            "ineligible_reason": "; ".join(ineligible or []),
            "years_experience": application.years_experience,
            "application": application.model_dump(mode="json"),
            "applied_at": now,
        }
        try:
            with self.engine.begin() as conn:
                return inserted_id(conn.execute(insert(people).values(**row)))
        except IntegrityError as exc:
            raise DomainError(
                "email", f"er is al een aanmelding met {application.email} voor dit cohort"
            ) from exc

    def correct_email(self, person_id: int, email: str) -> None:
        """A participant's address corrected (a server refused the one they gave): the row and their
        application say the new one, so every later message goes there."""
        with self.engine.begin() as conn:
            data = conn.execute(select(people.c.application).where(people.c.id == person_id)).scalar_one()
            try:
                with conn.begin_nested():
                    conn.execute(update(people).where(people.c.id == person_id).values(
                        email=email.lower(), application={**data, "email": email}))
            except IntegrityError as exc:
                raise DomainError("to", f"er is al een aanmelding met {email} voor dit cohort") from exc

    def person(self, person_id: int) -> Person:
        with self.engine.connect() as conn:
            row = conn.execute(select(people).where(people.c.id == person_id)).mappings().first()
        if row is None:
            raise NotFound(f"person {person_id}")
        return _person(row)

    def people_by_id(self, person_ids: Iterable[int]) -> dict[int, Person]:
        """Each of ``person_ids`` by id, in one query (a mail reads its mentee and mentor together)."""
        wanted = set(person_ids)
        with self.engine.connect() as conn:
            found = {row["id"]: _person(row) for row in conn.execute(
                select(people).where(people.c.id.in_(wanted))).mappings()}
        if missing := wanted - found.keys():
            raise NotFound(f"person {min(missing)}")
        return found

    def application(self, person_id: int) -> Application:
        with self.engine.connect() as conn:
            data = conn.execute(select(people.c.application).where(people.c.id == person_id)).scalar_one()
        return Application.model_validate(data)

    def mentor_pool(self, cohort: str) -> list[Person]:
        """Eligible mentors of a cohort."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(people)
                .where(people.c.cohort == cohort, people.c.role == Role.MENTOR.value, people.c.eligible.is_(True))
                .order_by(people.c.id)
            ).mappings()
            return [_person(r) for r in rows]

    def people_of(self, cohort: str) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(people).where(people.c.cohort == cohort)).mappings()]

    # --- trajectories --------------------------------------------------------

    def add_trajectory(self, t: Trajectory, now: datetime) -> Trajectory:
        with self.engine.begin() as conn:
            return insert_document(conn, trajectories, t, now,
                                   programme=t.programme, cohort=t.cohort, mentee_id=t.mentee_id)

    def trajectory(self, trajectory_id: int) -> tuple[Trajectory, int]:
        """The aggregate and the version it was read at."""
        return self.documents.get(trajectory_id)

    def save(
        self, t: Trajectory, expected_version: int, now: datetime, also: Callable[[Connection], None] | None = None
    ) -> int:
        """Write the aggregate only if nobody changed it since it was read (see ``Documents.save``)."""
        return self.documents.save(t, expected_version, now, also)

    def change(
        self,
        trajectory_id: int,
        act: Callable[[Trajectory], T],
        now: datetime,
        also: Callable[[Connection], None] | None = None,
        attempts: int = 20,
    ) -> T:
        """Load, apply ``act`` and save, again on a concurrent change (see ``Documents.change``)."""
        return self.documents.change(trajectory_id, act, now, also, attempts)

    def trajectory_ids(self, cohort: str | None = None, active_only: bool = False) -> list[int]:
        query = select(trajectories.c.id).order_by(trajectories.c.id)
        if cohort:
            query = query.where(trajectories.c.cohort == cohort)
        if active_only:
            query = query.where(trajectories.c.phase.not_in(["closed", "withdrawn"]))
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def cohorts(self, programme: str | None = None) -> list[str]:
        query = select(trajectories.c.cohort).distinct().order_by(trajectories.c.cohort)
        if programme:
            query = query.where(trajectories.c.programme == programme)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def count_trajectories(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(trajectories)).scalar_one())


def _person(row: RowMapping) -> Person:
    app = row["application"]
    return Person(
        id=row["id"], role=Role(row["role"]), name=row["name"], email=row["email"],
        phone=app.get("phone", ""), practice_name=app.get("practice_name", ""),
        practice_address=app.get("practice_address"), big_number=app.get("big_number"),
        language=row["language"],
    )
