"""The outbox: every e-mail is stored under its idempotency key before it is sent.

A key is inserted once and its message never changes, so a replayed flow cannot send
a second, different mail. Sending claims the row with a conditional update
(pending → sending), so two processes never hand the same row to SMTP at once; a row
left in 'sending' by a crashed sender is claimed again after ``stale_after``. The
stored message carries its Message-ID, so such a re-send is recognisably the same
mail (at-least-once delivery, de-duplicable by the receiver).

Register the table by importing this module (``adapters.tables`` does).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    case,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.db import metadata
from adapters.mail import Mailer, PermanentMailError, TemporaryMailError, check_composed
from domain.privacy import mentions

STALE_AFTER = timedelta(minutes=10)
# Messages whose body is kept only until it is sent: the topics a mentee sends for a meeting go to the
# mentor, and nobody else (the facilitator included) ever reads them (see the privacy statement).
EPHEMERAL_TEMPLATES = frozenset({"topics_for_mentor"})


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    MERGED = "merged"  # went out inside a combined message (see ``merged_into``)


outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("message_id", String(200), nullable=False),
    Column("trajectory_id", Integer, nullable=True, index=True),
    Column("template", String(64), nullable=False),
    Column("recipient_email", String(320), nullable=False),
    Column("recipient_name", String(200), nullable=False, default=""),
    Column("subject", String(500), nullable=False),
    Column("mime", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False, default=OutboxStatus.PENDING.value, index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=True),
)

_CHUNK = 500  # keys per IN (...) query, well below SQLite's variable limit


def _utc(instant: datetime) -> datetime:
    """Stored in UTC: SQLite keeps no offset, and UTC strings sort like instants."""
    if instant.tzinfo is None:
        raise ValueError("the outbox needs timezone-aware datetimes")
    return instant.astimezone(UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def serialize(message: EmailMessage) -> bytes:
    return message.as_bytes(policy=policy.SMTP)


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


def message_text(data: bytes) -> str:
    """Headers and decoded text parts of a stored message, to search for a person's traces."""
    if not data:
        return ""
    message = parse(data)
    texts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_content_maintype() == "text" or part.get_content_type() == "application/ics":
            try:
                texts.append(str(part.get_content()))
            except (LookupError, ValueError):
                raw = part.get_payload(decode=True)
                texts.append(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))
    return "\n".join(texts)


class Outbox:
    """Stores, claims and delivers messages; one short transaction per call."""

    def __init__(self, engine: Engine, stale_after: timedelta = STALE_AFTER) -> None:
        """``stale_after`` is the sender's lease in the clock's time (a compressed clock stretches it)."""
        self.engine = engine
        self.stale_after = stale_after

    def enqueue(
        self, key: str, message: EmailMessage, trajectory_id: int | None, template: str, now: datetime
    ) -> bool:
        """Store the message under ``key``; False (and nothing changed) if the key is known.

        Raises ``UnsafeMessageError`` (nothing stored) if the message does not parse back with
        exactly its own headers and recipients: an injected ``Bcc:`` never reaches SMTP.
        """
        message_id = message["Message-ID"]
        if not message_id:
            raise ValueError("a message needs a Message-ID before it goes into the outbox")
        mime = serialize(message)
        check_composed(message, mime)
        [(name, email)] = getaddresses([str(message["To"])])
        row = {
            "key": key, "message_id": str(message_id), "trajectory_id": trajectory_id, "template": template,
            "recipient_email": email, "recipient_name": name, "subject": str(message["Subject"] or ""),
            "mime": mime, "status": OutboxStatus.PENDING.value, "attempts": 0, "last_error": "",
            "created_at": _utc(now),
        }
        with self.engine.begin() as conn:
            if conn.execute(select(outbox.c.id).where(outbox.c.key == key)).first() is not None:
                return False
            try:
                with conn.begin_nested():
                    conn.execute(insert(outbox).values(**row))
            except IntegrityError:  # another process inserted it just now
                return False
        return True

    def record_merged(self, keys: Iterable[str], into: str, recipient: tuple[str, str], now: datetime) -> None:
        """Mark ``keys`` as sent inside the combined message ``into`` (one transaction with nothing else)."""
        name, email = recipient
        with self.engine.begin() as conn:
            for key in keys:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(outbox).values(
                            key=key, message_id="", trajectory_id=None, template="merged", recipient_email=email,
                            recipient_name=name, subject=f"merged into {into}", mime=b"",
                            status=OutboxStatus.MERGED.value, attempts=0, last_error="", created_at=_utc(now),
                            sent_at=_utc(now)))
                except IntegrityError:
                    continue

    def known(self, keys: Iterable[str]) -> set[str]:
        """The subset of ``keys`` that is in the outbox (sent or not)."""
        wanted = list(dict.fromkeys(keys))
        found: set[str] = set()
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), _CHUNK):
                chunk = wanted[i : i + _CHUNK]
                found.update(conn.execute(select(outbox.c.key).where(outbox.c.key.in_(chunk))).scalars())
        return found

    def claim(self, key: str, now: datetime, stale_after: timedelta | None = None) -> bytes | None:
        """Take the row for sending: its stored bytes; None if it is sent, failed, unknown or someone
        else is sending it."""
        now = _utc(now)
        stale_after = self.stale_after if stale_after is None else stale_after
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(outbox)
                .where(
                    outbox.c.key == key,
                    or_(
                        outbox.c.status == OutboxStatus.PENDING.value,
                        and_(outbox.c.status == OutboxStatus.SENDING.value, outbox.c.claimed_at <= now - stale_after),
                    ),
                )
                .values(status=OutboxStatus.SENDING.value, claimed_at=now)
            )
            if claimed.rowcount != 1:
                return None
            data = conn.execute(select(outbox.c.mime).where(outbox.c.key == key)).scalar_one()
        return bytes(data)

    def mark_sent(self, key: str, now: datetime) -> None:
        """Sent; the body of an ephemeral message (``EPHEMERAL_TEMPLATES``) is dropped in the same statement."""
        ephemeral = outbox.c.template.in_(EPHEMERAL_TEMPLATES)
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.key == key, outbox.c.status == OutboxStatus.SENDING.value)
                .values(status=OutboxStatus.SENT.value, sent_at=_utc(now), attempts=outbox.c.attempts + 1,
                        last_error="", mime=case((ephemeral, b""), else_=outbox.c.mime),
                        subject=case((ephemeral, ""), else_=outbox.c.subject))
            )

    def redact(self, ids: Iterable[int], addressed_to_erased: bool = False) -> int:
        """Empty the stored bodies and subjects of rows ``ids`` (their keys stay, so nothing is sent
        again); ``addressed_to_erased`` also blanks the recipient. Returns the rows changed."""
        wanted = list(ids)
        values: dict[str, Any] = {"mime": b"", "subject": "", "last_error": ""}
        if addressed_to_erased:
            values.update(recipient_name="", recipient_email="")
        with self.engine.begin() as conn:
            for i in range(0, len(wanted), _CHUNK):
                conn.execute(update(outbox).where(outbox.c.id.in_(wanted[i:i + _CHUNK])).values(**values))
        return len(wanted)

    def traces(self, emails: Iterable[str], key_prefixes: Iterable[str], words: Iterable[str]) -> list[dict[str, Any]]:
        """Rows addressed to ``emails``, of the trajectories with ``key_prefixes`` (``t12:``), or whose
        message mentions one of ``words``: id, key, template, whether it was to one of ``emails``, its text."""
        addresses = {e.lower() for e in emails}
        prefixes, words = tuple(key_prefixes), list(words)
        found = []
        with self.engine.connect() as conn:
            for row in conn.execute(select(outbox.c.id, outbox.c.key, outbox.c.template, outbox.c.recipient_email,
                                           outbox.c.recipient_name, outbox.c.subject, outbox.c.mime,
                                           outbox.c.created_at, outbox.c.sent_at)).mappings():
                text = message_text(bytes(row["mime"]))
                own = row["recipient_email"].lower() in addresses
                if own or row["key"].startswith(prefixes) or mentions(f"{row['recipient_name']} {text}", words):
                    found.append({"id": row["id"], "key": row["key"], "template": row["template"], "to_person": own,
                                  "subject": row["subject"], "created_at": _aware(row["created_at"]),
                                  "sent_at": _aware(row["sent_at"]), "text": text})
        return found

    def mark_failed(self, key: str, error: str, now: datetime, permanent: bool) -> None:
        """A temporary failure puts the row back to pending; a permanent one parks it as failed."""
        status = OutboxStatus.FAILED if permanent else OutboxStatus.PENDING
        with self.engine.begin() as conn:
            conn.execute(
                update(outbox)
                .where(outbox.c.key == key, outbox.c.status == OutboxStatus.SENDING.value)
                .values(status=status.value, attempts=outbox.c.attempts + 1, last_error=error[:2000],
                        claimed_at=_utc(now))
            )

    def status(self, key: str) -> OutboxStatus | None:
        with self.engine.connect() as conn:
            value = conn.execute(select(outbox.c.status).where(outbox.c.key == key)).scalar_one_or_none()
        return OutboxStatus(value) if value is not None else None

    def message(self, key: str) -> EmailMessage:
        with self.engine.connect() as conn:
            data = conn.execute(select(outbox.c.mime).where(outbox.c.key == key)).scalar_one_or_none()
        if data is None:
            raise KeyError(key)
        return parse(data)

    def pending_keys(
        self, limit: int = 100, now: datetime | None = None, stale_after: timedelta | None = None
    ) -> list[str]:
        """Keys waiting to be sent, oldest first; with ``now``, also rows a crashed sender left behind."""
        stale_after = self.stale_after if stale_after is None else stale_after
        waiting = outbox.c.status == OutboxStatus.PENDING.value
        if now is not None:
            waiting = or_(
                waiting,
                and_(outbox.c.status == OutboxStatus.SENDING.value, outbox.c.claimed_at <= _utc(now) - stale_after),
            )
        with self.engine.connect() as conn:
            return list(conn.execute(select(outbox.c.key).where(waiting).order_by(outbox.c.id).limit(limit)).scalars())

    async def deliver(
        self, key: str, mailer: Mailer, now: datetime, stale_after: timedelta | None = None
    ) -> str:
        """Claim, send, record. Returns the row's status afterwards ('sent', 'sending', 'failed').

        A temporary failure leaves the row pending and re-raises, so a task retry tries
        again; a permanent one marks it failed and returns 'failed'.
        """
        message = self.claim(key, now, stale_after)
        if message is None:
            current = self.status(key)
            if current is None:
                raise KeyError(f"no outbox message with key {key!r}")
            return current.value
        try:
            await mailer.send(message)
        except TemporaryMailError as exc:
            self.mark_failed(key, str(exc), now, permanent=False)
            raise
        except PermanentMailError as exc:
            self.mark_failed(key, str(exc), now, permanent=True)
            return OutboxStatus.FAILED.value
        except BaseException as exc:
            # Anything unexpected (including cancellation): do not leave the row stuck in 'sending'.
            self.mark_failed(key, f"{type(exc).__name__}: {exc}", now, permanent=False)
            raise
        self.mark_sent(key, now)
        return OutboxStatus.SENT.value

    def rows(self, trajectory_id: int | None = None) -> list[dict[str, Any]]:
        """Every row (oldest first) without the message body, for inspection and tests."""
        columns = [c for c in outbox.c if c.name != "mime"]
        query = select(*columns).order_by(outbox.c.id)
        if trajectory_id is not None:
            query = query.where(outbox.c.trajectory_id == trajectory_id)
        with self.engine.connect() as conn:
            result = [dict(r) for r in conn.execute(query).mappings()]
        for row in result:
            for name in ("created_at", "claimed_at", "sent_at"):
                row[name] = _aware(row[name])
        return result
