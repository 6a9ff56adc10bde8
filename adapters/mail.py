"""Building MIME messages and handing them to an SMTP server.

``build_message`` is pure: the same rendered text, key and invitation give the same
message (the Message-ID derives from the idempotency key). ``SmtpMailer`` sends and
sorts failures into temporary ones (try again later: connection refused, timeouts,
4xx) and permanent ones (5xx: retrying will not help).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from typing import Protocol

import aiosmtplib

from adapters.rendering import Rendered


class MailError(Exception):
    """Sending failed."""


class TemporaryMailError(MailError):
    """The server could not take the message now; the same message may be sent again later."""


class PermanentMailError(MailError):
    """The server refused the message (5xx); sending it again will not help."""


class Mailer(Protocol):
    async def send(self, msg: EmailMessage) -> None: ...


def message_id_for(key: str, domain: str) -> str:
    """A stable Message-ID for an idempotency key: a re-send is recognisably the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


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
    if ics_method is not None and f"METHOD:{ics_method}".encode() not in ics:  # type: ignore[operator]
        raise ValueError(f"the calendar's METHOD does not match {ics_method}")

    msg = EmailMessage()
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
        calendar = MIMEPart()
        calendar.set_content(
            ics.decode("utf-8"), subtype="calendar", charset="utf-8", cte="quoted-printable",
            params={"method": ics_method},
        )
        msg.attach(calendar)
        msg.add_attachment(ics, maintype="application", subtype="ics", filename="invitation.ics")
    return msg


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

    async def send(self, msg: EmailMessage) -> None:
        try:
            _errors, _response = await aiosmtplib.send(
                msg,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                use_tls=self.use_tls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            error = f"recipients refused: {'; '.join(f'{r.code} {r.message}' for r in exc.recipients)}"
            if all(400 <= c < 500 for c in codes):
                raise TemporaryMailError(error) from exc
            raise PermanentMailError(error) from exc
        except aiosmtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are our configuration, not this message's fault: keep it pending.
            raise TemporaryMailError(f"authentication failed: {exc.code} {exc.message}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            error = f"{exc.code} {exc.message}"
            if 400 <= exc.code < 500:
                raise TemporaryMailError(error) from exc
            raise PermanentMailError(error) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Connection refused, timeouts, a server that hung up: try again later.
            raise TemporaryMailError(f"{type(exc).__name__}: {exc}") from exc
