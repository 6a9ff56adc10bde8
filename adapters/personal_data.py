"""One person's rows in our database: found by address, read for an export, erased in place.

Rows keep their ids (trajectories, the other party's record, point at them); what named
the person is replaced (``domain.privacy``). The trajectories' documents are changed
through their stores' conditional updates, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.engine import make_url

from adapters.artifacts import published_artifacts
from adapters.cohorts import cohorts, members, participation, pending_applications
from adapters.db import load_tables, metadata
from adapters.hao_requests import hao_requests
from adapters.hao_store import hao_people
from adapters.runs import runs
from adapters.tables import people
from domain.privacy import NAMELESS, erased_address, scrub


@dataclass
class Rows:
    """A person's rows, by table: ``people`` (programme A, one per cohort), ``hao_people``, ``members``."""

    people: list[dict[str, Any]] = field(default_factory=list)
    hao_people: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    participation: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)  # applications waiting for admission as member
    hao_requests: list[dict[str, Any]] = field(default_factory=list)  # consultation requests by or to them

    @property
    def found(self) -> bool:
        return bool(self.people or self.hao_people or self.members or self.pending)

    def names(self) -> list[str]:
        return [r["name"] for r in (*self.people, *self.hao_people, *self.members, *self.pending)]

    def addresses(self) -> list[str]:
        return sorted({r["email"] for r in (*self.people, *self.hao_people, *self.members, *self.pending)})


class PersonalData:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rows(self, email: str) -> Rows:
        address = email.strip().lower()
        with self.engine.connect() as conn:
            found = Rows(
                people=[dict(r) for r in conn.execute(select(people).where(people.c.email == address)).mappings()],
                hao_people=[dict(r) for r in conn.execute(
                    select(hao_people).where(hao_people.c.email == address)).mappings()],
                members=[dict(r) for r in conn.execute(select(members).where(members.c.email == address)).mappings()],
            )
            found.pending = [dict(r) for r in conn.execute(
                select(pending_applications).where(pending_applications.c.email == address)).mappings()]
            hao_ids = [r["id"] for r in found.hao_people]
            if hao_ids:
                found.hao_requests = [dict(r) for r in conn.execute(select(hao_requests).where(
                    hao_requests.c.trainer_id.in_(hao_ids) | hao_requests.c.mentor_id.in_(hao_ids))).mappings()]
            ids = [r["id"] for r in found.people]
            if ids:
                found.participation = [dict(r) for r in conn.execute(
                    select(participation).where(participation.c.person_id.in_(ids))).mappings()]
        return found

    def erase_rows(self, rows: Rows) -> None:
        """Replace name, address and application of the person's rows; their members' rows go."""
        with self.engine.begin() as conn:
            for r in rows.people:
                conn.execute(update(people).where(people.c.id == r["id"]).values(
                    name=NAMELESS, email=erased_address(r["id"]), eligible=False, ineligible_reason="verwijderd",
                    years_experience=None, application={"erased": True}))
            for r in rows.hao_people:
                conn.execute(update(hao_people).where(hao_people.c.id == r["id"]).values(
                    name=NAMELESS, email=erased_address(r["id"], "h"), available=False, profile={}))
            for r in rows.members:
                conn.execute(delete(members).where(members.c.id == r["id"]))
            for r in rows.pending:  # an application that never became a person: nothing else points at it
                conn.execute(delete(pending_applications).where(pending_applications.c.id == r["id"]))
            for r in rows.hao_requests:  # transient: a confirmed one lives on in its (scrubbed) consultation
                conn.execute(delete(hao_requests).where(hao_requests.c.id == r["id"]))

    def erase_people(self, person_ids: list[int]) -> None:
        """Programme A's rows by id (retention: people whose every trajectory expired)."""
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(select(people).where(people.c.id.in_(person_ids))).mappings()]
        self.erase_rows(Rows(people=rows))

    def people_applied(self) -> list[dict[str, Any]]:
        """Every person of programme A not erased yet: id, role, applied_at (for retention)."""
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(people.c.id, people.c.role, people.c.applied_at, people.c.name, people.c.email)
                .where(people.c.name != NAMELESS)).mappings()]

    def scrub_proposals(self, words: list[str]) -> None:
        """The cohorts' matching proposals name people: replace ``words`` in them."""
        with self.engine.begin() as conn:
            for cohort_id, proposal in conn.execute(select(cohorts.c.id, cohorts.c.proposal)).all():
                if proposal:
                    conn.execute(update(cohorts).where(cohorts.c.id == cohort_id)
                                 .values(proposal=scrub(proposal, words)))

    def forget_runs(self, subjects: list[tuple[str, str]]) -> None:
        """Why a form was refused may quote what was typed: forget it for these (kind, subject)."""
        with self.engine.begin() as conn:
            for kind, subject in subjects:
                conn.execute(update(runs).where(runs.c.kind == kind, runs.c.subject == subject).values(refusal=None))

    def forget_published(self, keys: list[str]) -> None:
        """Artifacts deleted from Prefect: forget what was shown, so a board is published again (nameless)."""
        with self.engine.begin() as conn:
            conn.execute(delete(published_artifacts).where(published_artifacts.c.key.in_(keys)))

    def compact(self) -> None:
        """Rewrite the database so that erased values do not linger: on SQLite in free pages or the WAL,
        on PostgreSQL in the dead row versions an update leaves behind until a vacuum."""
        if self.engine.dialect.name == "postgresql":
            vacuum_postgres(self.engine)
        else:
            compact_sqlite(self.engine.url.render_as_string(hide_password=False))


def vacuum_postgres(engine: Engine) -> None:
    """VACUUM FULL every table of ours: each is rewritten into new files and its old ones removed. The
    tables are locked for that moment (milliseconds at a kring's size); erasures are rare."""
    load_tables()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (FULL) " + ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)))


def compact_sqlite(url: str) -> None:
    """VACUUM and truncate the WAL of a SQLite database file (any other database: nothing to do)."""
    import sqlite3

    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    with sqlite3.connect(Path(parsed.database), timeout=30, isolation_level=None) as conn:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
