"""Reading and writing people and trajectories, with conditional (compare-and-set) updates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from adapters.tables import people, trajectories
from domain.errors import DomainError
from domain.people import Application, Person, Role
from domain.trajectory import Trajectory

T = TypeVar("T")


class Conflict(RuntimeError):
    """Someone else changed the row first; load again and retry."""


class NotFound(LookupError):
    pass


class Repository:
    """The store's one entry point; holds an engine, opens short transactions.

    ``table`` and ``model`` name where the aggregates live and what they are; another
    programme's store (``adapters.hao_store``) reuses the conditional updates on its own
    table. The runs that orchestrate them and their waits are in ``adapters.runs``.
    """

    table = trajectories
    model: Any = Trajectory

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

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
                return int(conn.execute(insert(people).values(**row)).inserted_primary_key[0])
        except IntegrityError as exc:
            raise DomainError(
                "email", f"er is al een aanmelding met {application.email} voor dit cohort"
            ) from exc

    def person(self, person_id: int) -> Person:
        with self.engine.connect() as conn:
            row = conn.execute(select(people).where(people.c.id == person_id)).mappings().first()
        if row is None:
            raise NotFound(f"person {person_id}")
        return _person(row)

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
            new_id = conn.execute(
                insert(self.table).values(
                    programme=t.programme, cohort=t.cohort, mentee_id=t.mentee_id, phase=t.phase.value,
                    version=1, document={}, updated_at=now,
                )
            ).inserted_primary_key[0]
            t = t.model_copy(update={"id": int(new_id)})
            conn.execute(
                update(self.table).where(self.table.c.id == new_id).values(document=t.model_dump(mode="json"))
            )
        return t

    def trajectory(self, trajectory_id: int) -> tuple[Trajectory, int]:
        """The aggregate and the version it was read at."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(self.table.c.document, self.table.c.version).where(self.table.c.id == trajectory_id)
            ).first()
        if row is None:
            raise NotFound(f"trajectory {trajectory_id}")
        return self.model.model_validate(row.document), row.version

    def save(
        self, t: Trajectory, expected_version: int, now: datetime, also: Callable[[Connection], None] | None = None
    ) -> int:
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
        return expected_version + 1

    def change(
        self,
        trajectory_id: int,
        act: Callable[[Trajectory], T],
        now: datetime,
        also: Callable[[Connection], None] | None = None,
        attempts: int = 20,
    ) -> T:
        """Load, apply ``act`` and save; on a concurrent change, start again from a fresh read.

        A ``DomainError`` from ``act`` propagates and nothing is written.
        """
        for _ in range(attempts):
            t, version = self.trajectory(trajectory_id)
            result = act(t)
            try:
                self.save(t, version, now, also)
            except Conflict:
                continue
            return result
        raise Conflict(f"trajectory {trajectory_id}: too many concurrent changes")

    def trajectory_ids(self, cohort: str | None = None, active_only: bool = False) -> list[int]:
        query = select(self.table.c.id).order_by(self.table.c.id)
        if cohort:
            query = query.where(self.table.c.cohort == cohort)
        if active_only:
            query = query.where(self.table.c.phase.not_in(["closed", "withdrawn"]))
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def cohorts(self, programme: str | None = None) -> list[str]:
        query = select(self.table.c.cohort).distinct().order_by(self.table.c.cohort)
        if programme:
            query = query.where(self.table.c.programme == programme)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def count_trajectories(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(self.table)).scalar_one())


def _person(row) -> Person:  # type: ignore[no-untyped-def]
    app = row["application"]
    return Person(
        id=row["id"], role=Role(row["role"]), name=row["name"], email=row["email"],
        phone=app.get("phone", ""), practice_name=app.get("practice_name", ""),
        practice_address=app.get("practice_address"), big_number=app.get("big_number"),
        language=row["language"],
    )
