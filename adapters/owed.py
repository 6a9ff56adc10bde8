"""The messages an act owes, recorded in the act's own transaction (a transactional outbox).

The repository writes a row for every message the new state calls for (``domain.owed``)
whose key it has not recorded yet, together with the act; the row holds ids and names
only (occasion, template, recipient role, links' ids), never a rendered text or a person's
data. The run sends them as it derives them; the sweep sends those a lagging run will no
longer derive (``tasks.owed``). Both go through the outbox by the same key, so nothing goes
twice; a row is settled once its key is in the outbox or it is no longer wanted.

Both programmes keep their owed mail here, told apart by the outbox key's first letter (as in the
outbox itself): ``t`` for programme A's trajectories (``domain.owed``), ``h`` for programme B's
(``domain.hao.owed``, recorded by ``adapters.hao_store``); their trajectory ids are separate series.

Register the table by importing this module (``adapters.db`` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Column, Connection, DateTime, Engine, Integer, String, Table, insert, select, update

from adapters.db import metadata
from adapters.outbox import outbox
from domain.occasion_keys import read
from domain.owed import WITH_TEXT, Owed
from domain.people import Role

if TYPE_CHECKING:  # programme B's owed mail, imported where a row of it is read (programme A's runs never do)
    from domain.hao.owed import HaoOwed

PEER, HAO = "t", "h"  # the first letter of each programme's outbox keys

owed_messages = Table(
    "owed_messages",
    metadata,
    Column("key", String(300), primary_key=True),  # the outbox key
    Column("trajectory_id", Integer, nullable=False, index=True),
    Column("template", String(64), nullable=False),
    Column("recipient", String(16), nullable=False),  # a role, not an address
    Column("spec", JSON, nullable=False),  # the rest of ``domain.owed.Owed``, ids only
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("settled_at", DateTime(timezone=True), nullable=True, index=True),
)


def record(conn: Connection, owed: Sequence[Owed | HaoOwed], now: datetime) -> int:
    """Record in ``conn``'s transaction the messages not recorded before; how many were new."""
    wanted = {o.key: o for o in owed if o.template not in WITH_TEXT}
    if not wanted:
        return 0
    known = set(conn.execute(select(owed_messages.c.key).where(owed_messages.c.key.in_(list(wanted)))).scalars())
    rows = [_row(o, now) for key, o in wanted.items() if key not in known]
    if rows:
        conn.execute(insert(owed_messages), rows)
    return len(rows)


class OwedStore:
    """Reads and settles the owed messages; every call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open(self, now: datetime, limit: int = 500) -> dict[int, list[Owed]]:
        """Programme A's owed messages not in the outbox yet, per trajectory; those that are get settled here."""
        return {tid: [_owed(r) for r in rows] for tid, rows in self._open(now, PEER, limit).items()}

    def open_hao(self, now: datetime, limit: int = 500) -> dict[int, list[HaoOwed]]:
        """The same for programme B's trajectories."""
        return {tid: [_hao_owed(r) for r in rows] for tid, rows in self._open(now, HAO, limit).items()}

    def _open(self, now: datetime, programme: str, limit: int) -> dict[int, list[Any]]:
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(owed_messages, outbox.c.id.label("outbox_id"))
                .outerjoin(outbox, outbox.c.key == owed_messages.c.key)
                .where(owed_messages.c.settled_at.is_(None), owed_messages.c.key.startswith(programme))
                .order_by(owed_messages.c.created_at).limit(limit)
            ).all()
            done = [r.key for r in rows if r.outbox_id is not None]
            if done:
                conn.execute(update(owed_messages).where(owed_messages.c.key.in_(done)).values(settled_at=now))
        found: dict[int, list[Any]] = {}
        for r in rows:
            if r.outbox_id is None:
                found.setdefault(r.trajectory_id, []).append(r._mapping)
        return found

    def settle(self, keys: list[str], now: datetime) -> None:
        """Mark messages as no longer owed (no longer wanted; sent ones settle by themselves)."""
        if keys:
            with self.engine.begin() as conn:
                conn.execute(update(owed_messages).where(owed_messages.c.key.in_(keys)).values(settled_at=now))

    def keys(self, trajectory_id: int, programme: str = PEER) -> set[str]:
        """Every key ever owed by the trajectory (tests, the chaos check)."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(owed_messages.c.key).where(
                owed_messages.c.trajectory_id == trajectory_id, owed_messages.c.key.startswith(programme))).scalars())


def _row(o: Owed | HaoOwed, now: datetime) -> dict[str, Any]:
    """The row of ``o``: the fields that are not columns go to ``spec``, the occasions as their text."""
    spec: dict[str, Any] = {"occasion": o.occasion.key, "link": o.link, "link_ref": o.link_ref,
                            "link_extra": o.link_extra, "calendar": o.calendar, "extra": o.extra}
    if isinstance(o, Owed):
        spec |= {"meeting": o.meeting, "series": o.series.key if o.series else "", "order": o.order}
    else:
        spec |= {"person_id": o.person_id, "conversation": o.conversation}
    return {"key": o.key, "trajectory_id": o.trajectory_id, "template": o.template, "recipient": o.to.value,
            "spec": spec, "created_at": now, "settled_at": None}


def _owed(row: Any) -> Owed:
    spec = dict(row["spec"])  # the occasions as stored text: read back here, at the boundary
    spec["occasion"] = read(spec["occasion"])
    spec["series"] = read(spec["series"]) if spec.get("series") else None
    return Owed(trajectory_id=row["trajectory_id"], template=row["template"], to=Role(row["recipient"]), **spec)


def _hao_owed(row: Any) -> HaoOwed:
    from domain.hao.occasion_keys import HaoOccasion
    from domain.hao.owed import HaoOwed
    from domain.hao.people import HaoRole

    spec = dict(row["spec"])  # the occasion as stored text: read back here, at the boundary
    spec["occasion"] = HaoOccasion.read(spec["occasion"])
    return HaoOwed(trajectory_id=row["trajectory_id"], template=row["template"], to=HaoRole(row["recipient"]), **spec)
