"""Consultation requests from the mentor list, until the trainer confirms them (programme B).

A request is no trajectory: nobody but the trainer hears of it until it is confirmed.
The bound on confirmation mails (``domain.hao.requests.may_mail``) is checked and the
request stored in one transaction that first locks the trainer's row (SQLite's
``BEGIN IMMEDIATE`` does the same), so two posts at once cannot both pass it.
Confirming clears the stored question: from then on it lives in the consultation only.

Register the table by importing this module (``adapters.db.TABLE_MODULES`` does).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    RowMapping,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)

from adapters.db import inserted_id, metadata
from adapters.hao_store import hao_people
from domain.hao.requests import REQUEST_VALID, ConsultationRequest, may_mail

hao_requests = Table(
    "hao_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("trainer_id", Integer, ForeignKey("hao_people.id"), nullable=False, index=True),
    Column("mentor_id", Integer, ForeignKey("hao_people.id"), nullable=False),
    Column("question", Text, nullable=False, default=""),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    sqlite_autoincrement=True,  # an id is never given twice: its mail's key and its link's use are keyed by it
)


def _utc(at: datetime) -> datetime:
    """Stored in UTC; SQLite gives it back without an offset."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _request(row: RowMapping) -> ConsultationRequest:
    return ConsultationRequest(id=row["id"], trainer_id=row["trainer_id"], mentor_id=row["mentor_id"],
                               question=row["question"], requested_at=_utc(row["requested_at"]),
                               confirmed_at=_utc(row["confirmed_at"]) if row["confirmed_at"] else None)


class HaoRequests:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_if_allowed(self, r: ConsultationRequest) -> ConsultationRequest | None:
        """Store ``r`` if its trainer may be mailed again now; None (nothing stored) if not."""
        with self.engine.begin() as conn:
            conn.execute(select(hao_people.c.id).where(hao_people.c.id == r.trainer_id).with_for_update())
            earlier = conn.execute(select(hao_requests.c.requested_at).where(
                hao_requests.c.trainer_id == r.trainer_id)).scalars().all()
            if not may_mail([_utc(a) for a in earlier], r.requested_at):
                return None
            new_id = inserted_id(conn.execute(insert(hao_requests).values(
                trainer_id=r.trainer_id, mentor_id=r.mentor_id, question=r.question,
                requested_at=r.requested_at.astimezone(UTC))))
        return r.model_copy(update={"id": new_id})

    def get(self, request_id: int) -> ConsultationRequest | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(hao_requests).where(hao_requests.c.id == request_id)).mappings().first()
        return _request(row) if row is not None else None

    def newest_id(self, trainer_id: int) -> int | None:
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(hao_requests.c.id)).where(
                hao_requests.c.trainer_id == trainer_id)).scalar_one_or_none()

    @staticmethod
    def confirm_statement(request_id: int, now: datetime) -> Callable[[Connection], None]:
        """Mark the request confirmed (once) in the transaction that stores its consultation."""

        def confirm(conn: Connection) -> None:
            done = conn.execute(update(hao_requests).where(hao_requests.c.id == request_id,
                                                           hao_requests.c.confirmed_at.is_(None))
                                .values(confirmed_at=now.astimezone(UTC), question=""))
            if done.rowcount != 1:
                raise LookupError(f"consultation request {request_id} is confirmed already")

        return confirm

    def purge(self, now: datetime) -> int:
        """Forget requests nobody confirmed in time (their question was never more than a wish)."""
        with self.engine.begin() as conn:
            gone = conn.execute(delete(hao_requests).where(hao_requests.c.confirmed_at.is_(None),
                                                           hao_requests.c.requested_at < (now - 2 * REQUEST_VALID)
                                                           .astimezone(UTC)))
        return gone.rowcount
