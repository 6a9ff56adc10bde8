"""The outbox: every e-mail is stored under its idempotency key before it is sent.

A key is inserted once and its message never changes, so a replayed flow cannot send
a second, different mail. Sending claims the row with a conditional update
(pending → sending), or stores it claimed at once when it goes to SMTP next (``enqueue_claimed``:
one transaction, not two), so two processes never hand the same row to SMTP at once; a row
left in 'sending' by a crashed sender is claimed again after ``stale_after``. The
stored message carries its Message-ID, so such a re-send is recognisably the same
mail (at-least-once delivery, de-duplicable by the receiver).

A temporary failure (server down, slow, 4xx) puts the row back to pending with a
``next_attempt_at`` that doubles with each attempt (``retry_after`` up to 64 times it), so an
outage costs a few attempts an hour, not one a minute per message. A permanent one (5xx)
parks it as failed, with the server's answer; it goes again only when someone says so
(``retry``, after correcting the address), with the same Message-ID. One duplicate SMTP cannot
rule out: a server that took the whole message but answers only after the timeout gets it again
later (RFC 1047), recognisable by its Message-ID.

Register the table by importing this module (``adapters.tables`` does).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses
from enum import StrEnum
from typing import Any, NamedTuple

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
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.db import inserted_id, metadata
from adapters.mail import POLICY, SMTP, Envelope, Mailer, PermanentMailError, TemporaryMailError, check_composed
from domain.privacy import mentions

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)
RETRY_AFTER = timedelta(minutes=1)  # the first wait after a temporary failure; doubles up to 64 times this
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
    # Not before this instant after a temporary failure (backoff); NULL: as soon as possible.
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
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
    """The message as it is stored and sent: ``policy.SMTP``'s bytes (CRLF), with our header classes."""
    return message.as_bytes(policy=SMTP)


def parse(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=POLICY)


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


class Claim(NamedTuple):
    """A row taken for sending ('sending', claimed by us): its id and the bytes to send."""

    row_id: int
    mime: bytes


class Outbox:
    """Stores, claims and delivers messages; one short transaction per call."""

    def __init__(self, engine: Engine, stale_after: timedelta = STALE_AFTER,
                 retry_after: timedelta = RETRY_AFTER) -> None:
        """``stale_after`` is the sender's lease and ``retry_after`` the first backoff, both in the clock's
        time (a compressed clock stretches them)."""
        self.engine = engine
        self.stale_after = stale_after
        self.retry_after = retry_after

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: 1, 2, 4 ... 64 times ``retry_after``."""
        return self.retry_after * 2 ** min(max(attempts - 1, 0), 6)

    def _sendable(self, now: datetime, stale_after: timedelta) -> Any:
        """Pending and due (its backoff over), or left in 'sending' by a sender whose lease ran out."""
        return or_(
            and_(outbox.c.status == OutboxStatus.PENDING.value,
                 or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now)),
            and_(outbox.c.status == OutboxStatus.SENDING.value, outbox.c.claimed_at <= now - stale_after),
        )

    def enqueue(self, envelope: Envelope, now: datetime) -> bool:
        """Store the envelope's message under its key; False (and nothing changed) if the key is known.

        The MIME bytes are made here, once, and sent as they are ever after. Raises
        ``UnsafeMessageError`` (nothing stored) if the message does not parse back with
        exactly its own headers and recipients: an injected ``Bcc:`` never reaches SMTP.
        """
        return self._store(envelope, now, OutboxStatus.PENDING) is not None

    def enqueue_claimed(self, envelope: Envelope, now: datetime) -> Claim | None:
        """``enqueue`` and ``claim`` in one transaction, for a sender about to hand the message to SMTP
        (``deliver(..., claimed=)``): the row goes in as 'sending', claimed at ``now``. None (nothing
        changed) if the key is known. A sender that dies before recording the outcome leaves the row to
        be claimed again after ``stale_after``, as after any claim: the same bytes, the same Message-ID."""
        return self._store(envelope, now, OutboxStatus.SENDING)

    def _store(self, envelope: Envelope, now: datetime, status: OutboxStatus) -> Claim | None:
        message = envelope.message()
        message_id = message["Message-ID"]
        if not message_id:
            raise ValueError("a message needs a Message-ID before it goes into the outbox")
        mime = serialize(message)
        check_composed(message, mime)
        name, email = envelope.to
        row = {
            "key": envelope.key, "message_id": str(message_id), "trajectory_id": envelope.trajectory_id,
            "template": envelope.template,
            "recipient_email": email, "recipient_name": name, "subject": envelope.subject,
            "mime": mime, "status": status.value, "attempts": 0, "last_error": "",
            "created_at": _utc(now), "claimed_at": _utc(now) if status is OutboxStatus.SENDING else None,
        }
        with self.engine.begin() as conn:
            try:
                with conn.begin_nested():  # a known key fails here alone; the transaction stays usable
                    row_id = inserted_id(conn.execute(insert(outbox).values(**row)))
            except IntegrityError:  # the key is known (stored earlier, or by another process just now)
                return None
        return Claim(row_id, mime)

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
        """Take the row for sending: its stored bytes; None if it is sent, failed, unknown, waiting out
        its backoff, or someone else is sending it."""
        claimed = self._claim(key, now, stale_after)
        return claimed.mime if claimed else None

    def _claim(self, key: str, now: datetime, stale_after: timedelta | None) -> Claim | None:
        """The claimed row's id and stored bytes: one conditional UPDATE ... RETURNING."""
        now = _utc(now)
        stale_after = self.stale_after if stale_after is None else stale_after
        with self.engine.begin() as conn:
            row = conn.execute(
                update(outbox)
                .where(outbox.c.key == key, self._sendable(now, stale_after))
                .values(status=OutboxStatus.SENDING.value, claimed_at=now)
                .returning(outbox.c.id, outbox.c.mime)
            ).first()
        return Claim(row.id, bytes(row.mime)) if row is not None else None

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
        """A temporary failure puts the row back to pending, due again after its backoff; a permanent
        one parks it as failed."""
        now = _utc(now)
        with self.engine.begin() as conn:
            attempts = conn.execute(select(outbox.c.attempts).where(
                outbox.c.key == key, outbox.c.status == OutboxStatus.SENDING.value)).scalar_one_or_none()
            if attempts is None:  # not ours any more (a stale lease taken over)
                return
            values: dict[str, Any] = {"status": OutboxStatus.FAILED.value, "next_attempt_at": None}
            if not permanent:
                values = {"status": OutboxStatus.PENDING.value, "next_attempt_at": now + self.backoff(attempts + 1)}
            conn.execute(
                update(outbox)
                .where(outbox.c.key == key, outbox.c.status == OutboxStatus.SENDING.value)
                .values(attempts=attempts + 1, last_error=error[:2000], claimed_at=now, **values)
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
        """Keys waiting to be sent, oldest first; with ``now``, only those due (backoff over), and also
        rows a crashed sender left behind."""
        stale_after = self.stale_after if stale_after is None else stale_after
        waiting: Any = outbox.c.status == OutboxStatus.PENDING.value
        if now is not None:
            waiting = self._sendable(_utc(now), stale_after)
        with self.engine.connect() as conn:
            return list(conn.execute(select(outbox.c.key).where(waiting).order_by(outbox.c.id).limit(limit)).scalars())

    async def deliver(
        self, key: str, mailer: Mailer, now: datetime, stale_after: timedelta | None = None,
        claimed: Claim | None = None,
    ) -> str:
        """Claim, send, record. Returns the row's status afterwards ('sent', 'sending', 'failed', or
        'pending' while its backoff lasts). ``claimed``: the row is ours already (``enqueue_claimed``).

        A temporary failure leaves the row pending (due after its backoff) and re-raises, so the
        caller knows; a permanent one marks it failed, logs its row id and code, and returns 'failed'.
        """
        if claimed is None:
            claimed = self._claim(key, now, stale_after)
        if claimed is None:
            current = self.status(key)
            if current is None:
                raise KeyError(f"no outbox message with key {key!r}")
            return current.value
        row_id, message = claimed
        try:
            await mailer.send(message)
        except TemporaryMailError as exc:
            self.mark_failed(key, str(exc), now, permanent=False)
            raise
        except PermanentMailError as exc:
            self.mark_failed(key, str(exc), now, permanent=True)
            # Ids only: the server's answer may quote the address (it is in the row, for the facilitator).
            log.warning("bericht %s geweigerd (%s), niet opnieuw verstuurd: zie `mentorschap mail failed`",
                        row_id, exc.code)
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
            for name in ("created_at", "claimed_at", "sent_at", "next_attempt_at"):
                row[name] = _aware(row[name])
        return result

    def failed(self) -> list[dict[str, Any]]:
        """Messages a server refused for good (5xx), oldest first: row id, key, trajectory, template, address,
        the server's answer and when; for the facilitator, who corrects the address and sends again."""
        query = (select(outbox.c.id, outbox.c.key, outbox.c.trajectory_id, outbox.c.template,
                        outbox.c.recipient_email, outbox.c.last_error, outbox.c.claimed_at)
                 .where(outbox.c.status == OutboxStatus.FAILED.value).order_by(outbox.c.id))
        with self.engine.connect() as conn:
            return [{**row, "failed_at": _aware(row["claimed_at"])} for row in conn.execute(query).mappings()]

    def retry(self, row_id: int, now: datetime, to: str | None = None) -> str:
        """Put a failed (or pending) message back to go out at once; ``to`` corrects its address (in the
        stored message's To header, the name kept, checked as at enqueue). Returns its key.

        The Message-ID stays: it is the same message, now to the right address."""
        with self.engine.begin() as conn:
            row = conn.execute(select(outbox.c.key, outbox.c.status, outbox.c.mime)
                               .where(outbox.c.id == row_id)).mappings().first()
            if row is None:
                raise KeyError(f"geen bericht met nummer {row_id}")
            if row["status"] not in (OutboxStatus.FAILED.value, OutboxStatus.PENDING.value):
                raise ValueError(f"bericht {row_id} is {row['status']}: alleen een geweigerd of wachtend bericht "
                                 f"gaat opnieuw")
            if not row["mime"]:
                raise ValueError(f"bericht {row_id} is gewist (privacy): er is niets meer om te versturen")
            values: dict[str, Any] = {}
            if to is not None:
                message = readdressed(parse(bytes(row["mime"])), to)
                values = {"mime": serialize(message), "recipient_email": to}
                check_composed(message, values["mime"])
            conn.execute(update(outbox).where(outbox.c.id == row_id).values(
                status=OutboxStatus.PENDING.value, next_attempt_at=None, claimed_at=_utc(now), **values))
        return str(row["key"])

    def figures(self, now: datetime) -> dict[str, int]:
        """Numbers only, for the sweep's status: messages waiting, the oldest one's age in minutes, refused."""
        with self.engine.connect() as conn:
            counts: dict[str, int] = dict(conn.execute(select(outbox.c.status, func.count()).where(outbox.c.status.in_(
                [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value, OutboxStatus.FAILED.value]))
                .group_by(outbox.c.status)).tuples().all())
            oldest = _aware(conn.execute(select(func.min(outbox.c.created_at)).where(outbox.c.status.in_(
                [OutboxStatus.PENDING.value, OutboxStatus.SENDING.value]))).scalar_one_or_none())
        waiting = counts.get(OutboxStatus.PENDING.value, 0) + counts.get(OutboxStatus.SENDING.value, 0)
        age = max(int((_utc(now) - oldest).total_seconds() // 60), 0) if oldest is not None else 0
        return {"mail_pending": waiting, "mail_oldest_pending_minutes": age,
                "mail_failed": counts.get(OutboxStatus.FAILED.value, 0)}


def readdressed(message: EmailMessage, email: str) -> EmailMessage:
    """``message`` to ``email`` instead, under the same display name."""
    [(name, _old)] = getaddresses([str(message["To"])])
    del message["To"]
    message["To"] = Address(display_name=name, addr_spec=email)
    return message
