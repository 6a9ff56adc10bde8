"""MIME structure of the messages and SMTP delivery to a real server on loopback."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.calendar import meeting_ics
from adapters.mail import (
    PermanentMailError,
    SmtpMailer,
    TemporaryMailError,
    UnsafeMessageError,
    build_message,
    check_composed,
    message_id_for,
)
from adapters.rendering import Rendered
from demo.mailserver import MaildirHandler, MaildirServer, free_port
from domain.text import text_refusal

SENDER = ("Mentorschap Zuidoost-Brabant", "mentorschap@example.org")
TO = ("Anna de Vries, huisarts", "anna@example.org")
NOW = datetime(2021, 2, 20, 8, 30, tzinfo=UTC)
RENDERED = Rendered(subject="Uitnodiging: bijeenkomst één", text="Beste Anna,\n\nTot dinsdag.\n",
                    html="<!DOCTYPE html><p>Beste Anna,</p>\n")


def ics(method: str = "REQUEST", sequence: int = 0) -> bytes:
    starts = datetime(2021, 3, 9, 13, 0, tzinfo=UTC)
    return meeting_ics("m1@example.org", sequence, method, starts, starts + timedelta(minutes=90),  # type: ignore[arg-type]
                       "Bijeenkomst 1", "Geen reactie nodig", "Praktijk", SENDER, [TO], NOW)


def test_message_id_is_stable_per_key() -> None:
    first = message_id_for("t7:k1-plan:request:mentee", "mentorschap.example.org")
    assert first == message_id_for("t7:k1-plan:request:mentee", "mentorschap.example.org")
    assert first != message_id_for("t7:k1-plan:reminder-1:mentee", "mentorschap.example.org")
    local, domain = first.strip("<>").split("@")
    assert len(local) == 32 and domain == "mentorschap.example.org"
    assert first.startswith("<") and first.endswith(">")


def test_a_plain_message_is_text_and_html() -> None:
    msg = build_message(RENDERED, SENDER, TO, "<abc@example.org>", date=NOW)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Subject"] == RENDERED.subject
    assert parsed["Message-ID"] == "<abc@example.org>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["To"].addresses[0].display_name == TO[0]
    assert parsed["From"].addresses[0].addr_spec == SENDER[1]
    assert parsed["Date"].datetime == NOW
    assert parsed.get_body(("plain",)).get_content() == RENDERED.text  # type: ignore[union-attr]
    assert all(b < 128 for b in msg.as_bytes()), "7-bit clean for any relay"


def test_an_invitation_is_inline_and_attached() -> None:
    data = ics("CANCEL", 3)
    msg = build_message(RENDERED, SENDER, TO, "<abc@example.org>", data, "CANCEL", date=NOW)
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = list(parsed.iter_parts())
    assert alternative.get_content_type() == "multipart/alternative"
    text, html, calendar = list(alternative.iter_parts())
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_param("method") == "CANCEL" and calendar.get_content_charset() == "utf-8"
    assert calendar.get_content_disposition() is None  # inline
    assert "METHOD:CANCEL" in calendar.get_content()
    assert attachment.get_filename() == "invitation.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content() == data


STORED = Path(__file__).with_name("invitation.eml")  # as Python 3.11's policy.SMTP wrote it before any speed-up


def stored_invitation(name: str) -> bytes:
    """The outbox's bytes of an invitation to ``name`` (a long one, quoted and encoded), boundaries numbered."""
    from adapters.outbox import serialize

    rendered = Rendered(subject=f"Uitnodiging: bijeenkomst één met {name}",
                        text="Beste Zoë,\n\n" + "Tot dinsdag, om 14:00 = twee uur. " * 5 + "\n",
                        html="<!DOCTYPE html><p>Beste Zoë,</p>\n")
    starts = datetime(2021, 3, 9, 13, 0, tzinfo=UTC)
    calendar = meeting_ics("m1@example.org", 0, "REQUEST", starts, starts + timedelta(minutes=90), "Bijeenkomst 1",
                           "Geen reactie nodig", "Praktijk", SENDER, [("Anna", "anna@example.org")], NOW)
    data = serialize(build_message(rendered, SENDER, (name, "zoe@example.org"), "<abc@example.org>", calendar,
                                   "REQUEST", date=NOW))
    seen: dict[bytes, bytes] = {}
    return re.sub(rb"={15}\d+==", lambda m: seen.setdefault(m.group(0), b"BOUNDARY-%d" % len(seen)), data)


def test_a_message_is_the_same_bytes_as_before_and_shares_nothing_that_changes() -> None:
    """The send path parses and folds recurring headers once per process (issue 8): the bytes stay those of
    policy.SMTP, the boundaries apart, and a message built between two others changes neither."""
    name = 'Zoë "Anna" de Vries-Ünal, huisarts (waarneming) te Veldhoven en omstreken'
    first = stored_invitation(name)
    assert first == STORED.read_bytes()
    other = stored_invitation("Bram")
    assert b"To: Bram <zoe@example.org>" in other and other.count(b"BOUNDARY-1") == first.count(b"BOUNDARY-1")
    assert stored_invitation(name) == first


def test_method_must_match_the_calendar() -> None:
    with pytest.raises(ValueError):
        build_message(RENDERED, SENDER, TO, "<abc@example.org>", ics("REQUEST"), "CANCEL")
    with pytest.raises(ValueError):
        build_message(RENDERED, SENDER, TO, "<abc@example.org>", ics("REQUEST"), None)


async def test_smtp_hands_the_message_to_a_real_server(smtp: MaildirServer) -> None:
    msg = build_message(RENDERED, SENDER, TO, message_id_for("k", "example.org"), ics(), "REQUEST", date=NOW)
    await SmtpMailer("127.0.0.1", smtp.port).send(msg)
    [received] = smtp.read()
    assert received["Message-ID"] == message_id_for("k", "example.org")
    assert received["Subject"] == RENDERED.subject
    assert received.get_body(("plain",)).get_content() == RENDERED.text  # type: ignore[union-attr]


async def test_nothing_listening_is_a_temporary_failure() -> None:
    msg = build_message(RENDERED, SENDER, TO, "<abc@example.org>", date=NOW)
    with pytest.raises(TemporaryMailError):
        await SmtpMailer("127.0.0.1", free_port(), timeout=2).send(msg)


class RefusingHandler(MaildirHandler):
    def __init__(self, path: Path, reply: str) -> None:
        super().__init__(path)
        self.reply = reply

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return self.reply


@pytest.mark.parametrize(
    ("reply", "error"),
    [("550 5.1.1 No such user here", PermanentMailError), ("451 4.3.0 Mailbox busy, try later", TemporaryMailError)],
)
async def test_refusals_are_sorted_by_reply_code(tmp_path: Path, reply: str, error: type[Exception]) -> None:
    msg = build_message(RENDERED, SENDER, TO, "<abc@example.org>", date=NOW)
    with MaildirServer(tmp_path, handler=RefusingHandler(tmp_path, reply)) as server:
        with pytest.raises(error, match=reply[:3]):
            await SmtpMailer("127.0.0.1", server.port).send(msg)
        assert server.messages() == []


# --- the check before the outbox (issue 9, point 1) ---------------------------------------------

INJECTED = "=?utf-8?q?Anna=0D=0ABcc:_outsider@evil.example?="


def composed(to: tuple[str, str] = TO, rendered: Rendered = RENDERED) -> tuple[Any, bytes]:
    msg = build_message(rendered, SENDER, to, "<abc@example.org>", date=NOW)
    return msg, msg.as_bytes(policy=policy.SMTP)


def test_an_encoded_line_break_in_a_name_would_add_a_bcc_on_this_interpreter_and_is_refused() -> None:
    msg, data = composed((INJECTED, "anna@example.org"))
    with pytest.raises(UnsafeMessageError):
        check_composed(msg, data)


def test_a_serialised_message_with_a_header_that_was_not_put_there_is_refused() -> None:
    msg, data = composed()
    forged = data.replace(b"\r\nSubject:", b"\r\nBcc: outsider@evil.example\r\nSubject:", 1)
    with pytest.raises(UnsafeMessageError, match="bcc"):
        check_composed(msg, forged)


def test_a_serialised_message_whose_recipient_changed_is_refused() -> None:
    msg, data = composed()
    with pytest.raises(UnsafeMessageError, match="to"):
        check_composed(msg, data.replace(b"anna@example.org", b"outsider@evil.example", 1))


def test_an_encoded_word_in_the_subject_is_refused() -> None:
    rendered = Rendered(subject=f"Welkom {INJECTED}", text="x\n", html="<p>x</p>\n")
    msg, data = composed(rendered=rendered)
    with pytest.raises(UnsafeMessageError, match="subject"):
        check_composed(msg, data)


NAMES = st.text(st.characters(codec="utf-8"), min_size=1, max_size=120).filter(
    lambda v: text_refusal(v.strip(), one_line=True) is None and v.strip() != ""
)


@settings(max_examples=200, deadline=None)
@given(name=NAMES, subject_name=NAMES)
def test_every_name_the_domain_accepts_passes_the_check_and_reaches_only_its_recipient(
    name: str, subject_name: str
) -> None:
    rendered = Rendered(subject=" ".join(f"Kennismaking met {subject_name}".split()), text="x\n", html="<p>x</p>\n")
    msg, data = composed((name.strip(), "anna@example.org"), rendered)
    check_composed(msg, data)
    parsed = message_from_bytes(data, policy=policy.default)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["anna@example.org"]
    assert not any(parsed.get(h) for h in ("Cc", "Bcc"))


async def test_stored_bytes_go_out_as_they_are_to_every_recipient_of_their_headers(tmp_path) -> None:
    """The outbox sends what it stored without parsing and serialising it again (issue 8: the parser
    ran over every stored message); the envelope comes from the headers."""
    from adapters.mail import SmtpMailer, envelope_of
    from adapters.outbox import serialize
    from demo.mailserver import MaildirServer

    msg = EmailMessage()
    msg["From"] = "Mentorschap <noreply@example.org>"
    msg["To"] = "Sanne de Vries <sanne@example.org>"
    msg["Cc"] = "anneke@example.org"
    msg["Subject"] = "Uitnodiging"
    msg["Message-ID"] = "<t1.k1@example.org>"
    msg.set_content("Tot dan.\n")
    data = serialize(msg)
    assert envelope_of(data) == {"sender": "noreply@example.org",
                                 "recipients": ["sanne@example.org", "anneke@example.org"]}
    server = MaildirServer(tmp_path / "maildir").start()
    try:
        await SmtpMailer("127.0.0.1", server.port).send(data)
        [got] = server.read()
    finally:
        server.stop()
    assert got["Message-ID"] == "<t1.k1@example.org>" and got.get_content().strip() == "Tot dan."
