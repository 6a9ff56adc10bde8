"""Building MIME messages and handing them to an SMTP server.

``build_message`` is pure: the same rendered text, key and invitation give the same
message (the Message-ID derives from the idempotency key). ``SmtpMailer`` sends and
sorts failures into temporary ones (try again later: a 4xx for this message) and
permanent ones (a 5xx for this recipient or content: retrying will not help); a server
that cannot be reached, is slow, answers 421 or refuses us (greeting, EHLO, login, our
sender) is ``MailServerUnavailable``: every message would fail alike, so the sender stops.
"""

from __future__ import annotations

import functools
import hashlib
import socket
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.parser import BytesHeaderParser
from email.policy import Policy
from email.utils import format_datetime, getaddresses
from typing import Any, Protocol

import aiosmtplib

from adapters.calendar import Method
from adapters.rendering import Rendered
from domain.text import text_refusal


class _FoldedOnce(BaseHeader):
    """A header that folds itself once per policy: a shared one (see ``_Headers``) goes into every message."""

    def fold(self, *, policy: Policy) -> str:
        folds: dict[tuple[str, int | None, bool], str] = self.__dict__.setdefault("_folds", {})
        key = (policy.linesep, policy.max_line_length, getattr(policy, "utf8", False))  # all folding reads of it
        if key not in folds:
            folds[key] = super().fold(policy=policy)
        return folds[key]


class _Headers(HeaderRegistry):
    """The standard header classes, each made once: Python 3.11's registry makes a new class for every
    header it sets or parses, a fifth of the time it takes to build a message."""

    def __init__(self) -> None:
        super().__init__(base_class=_FoldedOnce)
        self._made: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self._made:
            self._made[key] = super().__getitem__(key)
        return self._made[key]

    def __call__(self, name: str, value: Any) -> BaseHeader:
        """The header; the same structural header (``Content-Type: text/plain; charset="utf-8"``...) or
        address (our sender, set or read back) is parsed and folded once per process, not in every message.
        Header objects are never changed after they are made (setting a parameter makes a new one), so one
        may sit in many messages."""
        key = name.lower()
        if type(value) is str and (key in _REPEATED or key in _ADDRESSES):
            return _parsed(self, name, value)
        if type(value) is Address and key in _ADDRESSES:
            return _addressed(self, name, value.display_name, value.addr_spec)
        return self[name](name, value)


# Headers whose few values recur in every message: the MIME structure and our fixed markers.
_REPEATED = frozenset({"content-type", "content-transfer-encoding", "content-disposition", "mime-version",
                       "auto-submitted", "x-auto-response-suppress"})
_ADDRESSES = frozenset({"from", "to", "reply-to"})


@functools.lru_cache(maxsize=256)
def _parsed(headers: _Headers, name: str, value: str) -> BaseHeader:
    return headers[name](name, value)


@functools.lru_cache(maxsize=256)
def _addressed(headers: _Headers, name: str, display_name: str, addr_spec: str) -> BaseHeader:
    return headers[name](name, Address(display_name=display_name, addr_spec=addr_spec))


POLICY = policy.default.clone(header_factory=_Headers())  # policy.default, faster; the same bytes
SMTP = POLICY.clone(linesep="\r\n")  # policy.SMTP with the same header classes: what the outbox stores


class MailError(Exception):
    """Sending failed; ``code`` is the SMTP reply code or the exception's name, never an address."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code or "?"


class TemporaryMailError(MailError):
    """The server could not take the message now; the same message may be sent again later."""


class MailServerUnavailable(TemporaryMailError):
    """Down, slow, 421, or refusing us rather than the message: no other message would fare better now."""


class PermanentMailError(MailError):
    """The server refused the message (5xx); sending it again will not help."""


class UnsafeMessageError(ValueError):
    """A composed message does not read back as it was built (an injected header or recipient)."""


class Mailer(Protocol):
    async def send(self, msg: EmailMessage | bytes) -> None: ...


def message_id_for(key: str, domain: str) -> str:
    """A stable Message-ID for an idempotency key: a re-send is recognisably the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


@dataclass(frozen=True)
class Invitation:
    """A calendar invitation to go with a mail: the .ics and its iTIP method."""

    ics: bytes
    method: Method


@dataclass(frozen=True)
class Envelope:
    """One e-mail of any programme and any kind, as it goes into the outbox and out over SMTP.

    The outbox key gives the Message-ID, so a re-send after a crash carries the same one; ``date``
    is the instant the sender decided to send, so the same envelope always makes the same bytes.
    """

    key: str
    message_id: str
    sender: tuple[str, str]
    to: tuple[str, str]
    rendered: Rendered
    template: str
    date: datetime
    invitation: Invitation | None = None
    trajectory_id: int | None = None

    @property
    def subject(self) -> str:
        return self.rendered.subject

    def message(self) -> EmailMessage:
        """The MIME message (built once, when the envelope goes into the outbox)."""
        ics, method = (self.invitation.ics, self.invitation.method) if self.invitation else (None, None)
        return build_message(self.rendered, self.sender, self.to, self.message_id, ics, method, date=self.date)


def _address(person: tuple[str, str]) -> Address:
    name, email = person
    return Address(display_name=name, addr_spec=email)


def build_message(
    rendered: Rendered,
    sender: tuple[str, str],
    to: tuple[str, str],
    message_id: str,
    ics: bytes | None = None,
    ics_method: str | None = None,
    *,
    date: datetime | None = None,
    reply_to: tuple[str, str] | None = None,
) -> EmailMessage:
    """The e-mail as it will be stored in the outbox and sent.

    Without an invitation: multipart/alternative (text, html). With one:
    multipart/mixed holding multipart/alternative (text, html, text/calendar with
    ``method=``) and the same calendar as the attachment ``invitation.ics``, which is
    what both Outlook/Gmail (inline part) and simpler clients (attachment) understand.
    ``date`` should be the instant the flow decided to send, so a rebuilt message is identical.
    """
    if (ics is None) != (ics_method is None):
        raise ValueError("give both ics and ics_method, or neither")
    if ics is not None and ics_method is not None and f"METHOD:{ics_method}".encode() not in ics:
        raise ValueError(f"the calendar's METHOD does not match {ics_method}")

    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(sender)
    msg["To"] = _address(to)
    if reply_to is not None:
        msg["Reply-To"] = _address(reply_to)
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    # Ask Exchange/Outlook not to answer with out-of-office replies.
    msg["X-Auto-Response-Suppress"] = "All"

    # Quoted-printable keeps every part 7-bit clean, whatever relay sits in between.
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if ics is not None and ics_method is not None:
        calendar = MIMEPart(policy=POLICY)
        calendar.set_content(
            ics.decode("utf-8"), subtype="calendar", charset="utf-8", cte="quoted-printable",
            params={"method": ics_method},
        )
        msg.attach(calendar)  # type: ignore[arg-type]  # typeshed wants an EmailMessage; a bare MIMEPart is right here
        msg.add_attachment(ics, maintype="application", subtype="ics", filename="invitation.ics")
    return msg


HEADERS = BytesHeaderParser(policy=POLICY)
_RECIPIENT_HEADERS = ("to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc")
_MIME_HEADERS = ("content-type", "content-transfer-encoding", "mime-version")  # the boundary is set on output


def check_composed(message: EmailMessage, data: bytes) -> None:
    """Refuse ``data`` (``message`` serialized) unless it parses back to the same headers and recipients.

    The last guard against header injection, whatever the values and the interpreter's
    patch level (Python's e-mail package turned encoded line breaks in a display name into
    a new header before 3.11.10): exactly the headers that were set, each recipient header
    naming exactly the intended addresses and names, and no header value that reads otherwise.
    """
    for name in ("subject", "from", "reply-to", *_RECIPIENT_HEADERS):
        values = [str(v) for v in message.get_all(name) or []]
        values += [part for pair in _recipients(message, name, bare=False) for part in pair]
        for value in values:  # what was put there holds no line break or encoded word itself
            if reason := text_refusal(value, one_line=True):
                raise UnsafeMessageError(f"{name}: {reason}")
    parsed = HEADERS.parsebytes(_head(data))  # the headers are what is checked; the body is not read
    put = Counter(name.lower() for name in message.keys())  # noqa: SIM118 (a message, not a dict)
    found = Counter(name.lower() for name in parsed.keys())  # noqa: SIM118
    if found != put:
        extra = sorted((found - put) | (put - found))
        raise UnsafeMessageError(f"headers differ after serialising: {', '.join(extra)}")
    for name in put:
        if name in _RECIPIENT_HEADERS and _recipients(message, name) != _recipients(parsed, name):
            raise UnsafeMessageError(f"the {name} header reads back with other recipients")
        if name not in (*_RECIPIENT_HEADERS, *_MIME_HEADERS) and _flat(message.get_all(name)) != _flat(
            parsed.get_all(name)
        ):
            raise UnsafeMessageError(f"the {name} header reads back differently")


def _recipients(message: EmailMessage, name: str, bare: bool = True) -> list[tuple[str, str]]:
    return [(_bare(a.display_name) if bare else a.display_name, a.addr_spec.lower())
            for header in message.get_all(name) or [] for a in getattr(header, "addresses", ())]


def _flat(values: list[object] | None) -> list[str]:
    return [_bare(v) for v in values or []]


def _bare(value: object) -> str:
    """Without whitespace: folding, and the parser's space between adjacent encoded words, may move it."""
    return "".join(str(value).split())


_RAW_HEADERS = BytesHeaderParser(policy=policy.compat32)  # plain strings: no header objects to build


def _head(data: bytes) -> bytes:
    """The header block of a serialised message (what a parser reads before the first empty line)."""
    end = data.find(b"\r\n\r\n")
    return data if end < 0 else data[:end + 2]


def envelope_of(data: bytes) -> dict[str, Any]:
    """The SMTP envelope (sender and every recipient) of a serialised message, from its headers only.

    The headers are read as plain text and only the addresses taken out of them: the message was
    checked when it entered the outbox (``check_composed``), so this is the send path's one cheap look.
    """
    headers = _RAW_HEADERS.parsebytes(_head(data))
    senders = getaddresses(headers.get_all("sender") or headers.get_all("from") or [])
    recipients = [address for name in ("to", "cc", "bcc") for _, address in getaddresses(headers.get_all(name) or [])
                  if address]
    return {"sender": senders[0][1] if senders else "", "recipients": recipients}


@functools.cache
def local_hostname() -> str:
    """This machine's name for EHLO, looked up once per process (aiosmtplib would look it up, in a
    thread of its own, for every connection)."""
    return socket.getfqdn()


class SmtpMailer:
    """Hands a message to an SMTP server (the real adapter behind ``Mailer``)."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 10,
        use_tls: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout
        self.use_tls = use_tls

    async def send(self, msg: EmailMessage | bytes) -> None:
        """Hand over ``msg``; stored bytes go out as they are, with the envelope read from their headers
        (no parse of the body and no second serialisation: the same bytes, the same Message-ID)."""
        envelope: dict[str, Any] = {}
        if isinstance(msg, bytes):
            envelope = envelope_of(msg)
        try:
            _errors, _response = await aiosmtplib.send(
                msg,
                **envelope,
                hostname=self.host,
                port=self.port,
                local_hostname=local_hostname(),
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            error = f"recipients refused: {'; '.join(f'{r.code} {r.message}' for r in exc.recipients)}"
            code = str(codes[0]) if codes else "?"
            if 421 in codes:
                raise MailServerUnavailable(error, code) from exc
            if all(400 <= c < 500 for c in codes):
                raise TemporaryMailError(error, code) from exc
            raise PermanentMailError(error, code) from exc
        except aiosmtplib.SMTPDataError as exc:  # the content was refused, or not taken now
            error, code = f"{exc.code} {exc.message}", str(exc.code)
            if exc.code == 421:
                raise MailServerUnavailable(error, code) from exc
            if 400 <= exc.code < 500:
                raise TemporaryMailError(error, code) from exc
            raise PermanentMailError(error, code) from exc
        except aiosmtplib.SMTPResponseException as exc:
            # Greeting, EHLO, STARTTLS, login or our own sender refused: the server or our configuration,
            # not this message (a 5xx here would otherwise park every message as failed).
            raise MailServerUnavailable(f"{type(exc).__name__}: {exc.code} {exc.message}", str(exc.code)) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Connection refused, timeouts, a server that hung up: try again later.
            raise MailServerUnavailable(f"{type(exc).__name__}: {exc}", type(exc).__name__) from exc
