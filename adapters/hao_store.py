"""The store of programme B (hao-mentors): its people and its trajectories.

The trajectories table has the columns of programme A's (document, version, phase),
so ``HaoRepository`` keeps its trajectories in the same ``Documents`` with their
conditional updates. A trajectory's ``pseudonym`` is random and kept only here: it
is what the Prefect run shows instead of names. Every write of a trajectory records, in its
own transaction, the mail its new state owes (``domain.hao.owed``, ``adapters.owed``), so
no mail depends on the trajectory's run reaching that phase.

Register the tables by importing this module (``adapters.tables`` does).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    RowMapping,
    String,
    Table,
    insert,
    select,
    update,
)

from adapters import owed
from adapters.db import inserted_id, metadata
from adapters.repository import Documents, NotFound, T, insert_document
from domain.hao.owed import hao_owed_now
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import AnyHao, HaoDocument, HaoTrajectory, Kind

hao_people = Table(
    "hao_people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("role", String(16), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("language", String(2), nullable=False, default="nl"),
    Column("available", Boolean, nullable=False, default=True),
    Column("profile", JSON, nullable=False),  # practice, region, expertise, capacity
)

hao_trajectories = Table(
    "hao_trajectories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False, index=True),
    Column("pseudonym", String(16), nullable=False, unique=True),
    Column("phase", String(32), nullable=False, index=True),
    Column("version", Integer, nullable=False, default=1),
    Column("document", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

H = TypeVar("H", bound=HaoTrajectory)

PREFIX = {Kind.CONSULTATION: "c", Kind.GUIDANCE: "g", Kind.PROGRESS: "v"}


def new_pseudonym(kind: Kind) -> str:
    """A random, meaningless id such as ``c-7f3a9b``: made once, outside any flow, and stored."""
    return f"{PREFIX[kind]}-{secrets.token_hex(3)}"


class HaoRepository:
    """Programme B's people and trajectories; the trajectories live in ``Documents`` as programme A's do."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.documents: Documents[AnyHao] = Documents(engine, hao_trajectories, HaoDocument.model_validate,
                                                      record_owed)

    # --- people ----------------------------------------------------------------

    def add_person(self, p: HaoPerson) -> int:
        with self.engine.begin() as conn:
            existing = conn.execute(select(hao_people.c.id).where(hao_people.c.email == p.email.lower())).first()
            if existing is not None:
                return int(existing[0])
            return inserted_id(conn.execute(insert(hao_people).values(
                role=p.role.value, name=p.name, email=p.email.lower(), language=p.language, available=p.available,
                profile={"practice": p.practice, "region": p.region, "expertise": p.expertise, "capacity": p.capacity},
            )))

    def correct_email(self, old: str, new: str) -> bool:
        """A person's address corrected (a server refused the old one): every later mail goes to ``new``.
        False when nobody of the programme has ``old`` (or someone has ``new`` already)."""
        with self.engine.begin() as conn:
            taken = conn.execute(select(hao_people.c.id).where(hao_people.c.email == new.lower())).first()
            if taken is not None:
                return False
            done = conn.execute(update(hao_people).where(hao_people.c.email == old.lower()).values(email=new.lower()))
        return bool(done.rowcount)

    def person(self, person_id: int) -> HaoPerson:
        with self.engine.connect() as conn:
            row = conn.execute(select(hao_people).where(hao_people.c.id == person_id)).mappings().first()
        if row is None:
            raise NotFound(f"hao person {person_id}")
        return _person(row)

    def people(self, role: HaoRole | None = None) -> list[HaoPerson]:
        query = select(hao_people).order_by(hao_people.c.id)
        if role is not None:
            query = query.where(hao_people.c.role == role.value)
        with self.engine.connect() as conn:
            return [_person(r) for r in conn.execute(query).mappings()]

    # --- trajectories ----------------------------------------------------------

    def add_trajectory(self, t: H, now: datetime, also: Callable[[Connection], None] | None = None) -> H:
        """Insert the trajectory; ``also`` (e.g. marking the request link used) in the same transaction."""
        with self.engine.begin() as conn:
            if also is not None:
                also(conn)
            t = insert_document(conn, hao_trajectories, t, now, kind=t.kind.value, pseudonym=t.pseudonym)
            record_owed(conn, t, now)
            return t

    def trajectory(self, trajectory_id: int) -> tuple[AnyHao, int]:
        """The aggregate and the version it was read at."""
        return self.documents.get(trajectory_id)

    def change(
        self,
        trajectory_id: int,
        act: Callable[[AnyHao], T],
        now: datetime,
        also: Callable[[Connection], None] | None = None,
        attempts: int = 20,
    ) -> T:
        """Load, apply ``act`` and save, again on a concurrent change (see ``Documents.change``)."""
        return self.documents.change(trajectory_id, act, now, also, attempts)

    def all(self, kind: Kind | None = None) -> list[HaoTrajectory]:
        query = select(hao_trajectories.c.document).order_by(hao_trajectories.c.id)
        if kind is not None:
            query = query.where(hao_trajectories.c.kind == kind.value)
        with self.engine.connect() as conn:
            return [HaoDocument.model_validate(d) for d in conn.execute(query).scalars()]

    def progress_couplings(self) -> dict[int, int]:
        """Per mentor, the open progress trajectories they are coupled to (what the COMO chair may see)."""
        counts: dict[int, int] = {}
        for t in self.all(Kind.PROGRESS):
            if t.mentor_id is not None and not t.phase.ended:
                counts[t.mentor_id] = counts.get(t.mentor_id, 0) + 1
        return counts

    def kind_of(self, trajectory_id: int) -> Kind:
        with self.engine.connect() as conn:
            value = conn.execute(select(hao_trajectories.c.kind).where(hao_trajectories.c.id == trajectory_id)
                                 ).scalar_one_or_none()
        if value is None:
            raise NotFound(f"hao trajectory {trajectory_id}")
        return Kind(value)


def record_owed(conn: Connection, t: HaoTrajectory, now: datetime) -> int:
    """Record in ``conn``'s transaction the mail ``t``'s state owes: to each contact person and chair as
    they are now (``adapters.owed``); how many were new."""
    ids = conn.execute(select(hao_people.c.id, hao_people.c.role).where(
        hao_people.c.role.in_([HaoRole.STAFF.value, HaoRole.CHAIR.value])).order_by(hao_people.c.id)).all()
    staff = [pid for pid, role in ids if role == HaoRole.STAFF.value]
    chairs = [pid for pid, role in ids if role == HaoRole.CHAIR.value]
    return owed.record(conn, hao_owed_now(t, staff, chairs), now)


def _person(row: RowMapping) -> HaoPerson:
    profile = row["profile"] or {}
    return HaoPerson(id=row["id"], role=HaoRole(row["role"]), name=row["name"], email=row["email"],
                     language=row["language"], available=row["available"], **profile)
