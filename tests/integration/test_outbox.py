"""The outbox against a real SQLite file and a real SMTP server: once per key, and nothing lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import vobject
from icalendar import Calendar
from sqlalchemy import Engine

from adapters.calendar import meeting_ics
from adapters.db import make_engine
from adapters.mail import (
    Envelope,
    Invitation,
    SmtpMailer,
    TemporaryMailError,
    UnsafeMessageError,
    message_id_for,
)
from adapters.outbox import Outbox, parse
from adapters.rendering import Rendered, Renderer
from demo.mailserver import MaildirHandler, MaildirServer, free_port
from domain.clock import AMSTERDAM

DOMAIN = "mentorschap.example.org"
SENDER = ("Mentorschap Zuidoost-Brabant", "mentorschap@example.org")
ANNA = SimpleNamespace(name="Anna de Vries", email="anna@example.org")
BRAM = SimpleNamespace(name="Bram Bakker", email="bram@example.org", phone="0401234567",
                       practice_name="Praktijk Bakker", address="Markt 1, 5611 AB Eindhoven")
NOW = datetime(2021, 2, 20, 8, 30, tzinfo=UTC)
STARTS = datetime(2021, 3, 9, 14, 0, tzinfo=AMSTERDAM)


def invitation_message(key: str, method: str = "REQUEST", sequence: int = 0,
                       template: str = "meeting_invitation") -> Envelope:
    """What the meeting task builds: rendered mail plus the .ics, keyed by trajectory + step + recipient."""
    meeting = SimpleNamespace(number=1, starts_at=STARTS, ends_at=STARTS + timedelta(minutes=90), cancel_reason="")
    rendered = Renderer().render("meeting_invitation" if method == "REQUEST" else "meeting_cancelled", "nl", {
        "person": ANNA, "programme_name": "Mentorschap Zuidoost-Brabant",
        "facilitator": {"name": "Fenna", "email": "facilitator@example.org"}, "portal_url": "https://portal.example.org",
        "action_url": "https://portal.example.org/a/xyz", "trajectory_id": 7,
        "meeting": meeting, "location": f"{BRAM.practice_name}, {BRAM.address}", "other": BRAM, "changed_by": "",
    })
    ics = meeting_ics(
        uid=f"t7-k1-m1@{DOMAIN}", sequence=sequence, method=method,  # type: ignore[arg-type]
        starts_at=meeting.starts_at, ends_at=meeting.ends_at, summary="Mentorschap: bijeenkomst 1",
        description="Bevestigen of verzetten via het portaal.", location=f"{BRAM.practice_name}, {BRAM.address}",
        organizer=SENDER, attendees=[(ANNA.name, ANNA.email), (BRAM.name, BRAM.email)], stamp=NOW,
    )
    return Envelope(key, message_id_for(key, DOMAIN), SENDER, (ANNA.name, ANNA.email), rendered, template, NOW,
                    Invitation(ics, method), trajectory_id=7)  # type: ignore[arg-type]  # method: a str the test varies


def plain_message(key: str, subject: str = "Herinnering", template: str = "reminder") -> Envelope:
    rendered = Rendered(subject=subject, text="Beste Anna,\n", html="<p>Beste Anna,</p>\n")
    return Envelope(key, message_id_for(key, DOMAIN), SENDER, (ANNA.name, ANNA.email), rendered, template, NOW,
                    trajectory_id=7)


async def test_an_invitation_arrives_whole_and_parses_back(box: Outbox, smtp: MaildirServer) -> None:
    key = "t7:k1-m1:invitation:mentee"
    assert box.enqueue(invitation_message(key, template="meeting_invitation"), NOW)
    assert await box.deliver(key, SmtpMailer("127.0.0.1", smtp.port), NOW) == "sent"

    [received] = smtp.read()
    assert received["Message-ID"] == message_id_for(key, DOMAIN)
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["To"].addresses[0].addr_spec == ANNA.email
    assert received.get_content_type() == "multipart/mixed"
    alternative, attachment = list(received.iter_parts())
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html", "text/calendar"]
    text, html, calendar = list(alternative.iter_parts())
    assert "dinsdag 9 maart 2021 om 14:00" in text.get_content()
    assert "hoeft de agenda-uitnodiging niet te accepteren" in text.get_content()
    assert "Bram Bakker" in html.get_content()
    assert attachment.get_filename() == "invitation.ics"

    inline_ics = calendar.get_content().encode()
    assert attachment.get_content().replace(b"\r\n", b"\n") == inline_ics  # the same calendar twice
    for data in (inline_ics, attachment.get_content()):
        cal = Calendar.from_ical(data)
        assert str(cal["METHOD"]) == calendar.get_param("method") == "REQUEST"
        [event] = cal.walk("VEVENT")
        assert str(event["UID"]) == f"t7-k1-m1@{DOMAIN}" and int(event["SEQUENCE"]) == 0
        assert event.decoded("DTSTART").astimezone(UTC) == datetime(2021, 3, 9, 13, 0, tzinfo=UTC)
        parsed = vobject.readOne(data.decode())
        assert parsed.method.value == "REQUEST"
        assert parsed.vevent.uid.value == f"t7-k1-m1@{DOMAIN}"
        assert parsed.vevent.dtstart.value.astimezone(UTC).hour == 13
        assert parsed.vevent.organizer.value == f"mailto:{SENDER[1]}"
        assert parsed.vevent.location.value == "Praktijk Bakker, Markt 1, 5611 AB Eindhoven"
        assert [a.params["RSVP"] for a in parsed.vevent.attendee_list] == [["FALSE"], ["FALSE"]]

    [row] = box.rows(trajectory_id=7)
    assert row["status"] == "sent" and row["attempts"] == 1 and row["sent_at"] == NOW
    assert row["recipient_email"] == ANNA.email and row["recipient_name"] == ANNA.name
    assert row["template"] == "meeting_invitation" and row["message_id"] == message_id_for(key, DOMAIN)


async def test_a_cancellation_reaches_the_calendar_with_a_higher_sequence(box: Outbox, smtp: MaildirServer) -> None:
    mailer = SmtpMailer("127.0.0.1", smtp.port)
    for key, method, sequence in [("t7:k1-m1:invitation:mentee", "REQUEST", 0),
                                  ("t7:k1-m1:cancel-s1:mentee", "CANCEL", 1)]:
        box.enqueue(invitation_message(key, method, sequence, template="meeting"), NOW)
        await box.deliver(key, mailer, NOW)
    request, cancel = smtp.read()
    assert request["Message-ID"] != cancel["Message-ID"]
    events = []
    for message in (request, cancel):
        [calendar] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
        parsed = vobject.readOne(calendar.get_content())
        assert parsed.method.value == calendar.get_param("method")
        events.append(parsed.vevent)
    assert events[0].uid.value == events[1].uid.value
    assert int(events[1].sequence.value) > int(events[0].sequence.value)
    assert events[1].status.value == "CANCELLED"


def test_a_key_is_stored_once_and_never_changed(box: Outbox) -> None:
    key = "t7:k1-plan:request:mentee"
    assert box.enqueue(plain_message(key, "Eerste versie", template="plan_request"), NOW)
    assert not box.enqueue(plain_message(key, "Andere tekst", template="plan_request"), NOW + timedelta(hours=1))
    [row] = box.rows()
    assert row["subject"] == "Eerste versie" and row["created_at"] == NOW
    assert box.message(key)["Subject"] == "Eerste versie"
    assert box.known([key, "t7:other", key]) == {key}
    assert box.pending_keys() == [key]


async def test_a_message_with_an_injected_recipient_never_enters_the_outbox(box: Outbox, smtp: MaildirServer) -> None:
    """Issue 9: on Python 3.11.7 this name became a Bcc: outsider@evil.example header."""
    key = "t7:k1-kennismaking:invitation:mentor"
    rendered = Rendered(subject="Kennismaking", text="Uw link\n", html="<p>Uw link</p>\n")
    name = "=?utf-8?q?Anna=0D=0ABcc:_outsider@evil.example?="
    envelope = Envelope(key, message_id_for(key, DOMAIN), SENDER, (name, ANNA.email), rendered,
                        "kennismaking_invitation", NOW, trajectory_id=7)
    with pytest.raises(UnsafeMessageError):
        box.enqueue(envelope, NOW)
    assert box.rows() == [] and box.pending_keys() == []
    with pytest.raises(KeyError):
        await box.deliver(key, SmtpMailer("127.0.0.1", smtp.port), NOW)
    assert smtp.read() == []


async def test_delivering_twice_sends_once(box: Outbox, smtp: MaildirServer) -> None:
    key = "t7:k1-plan:reminder-1:mentee"
    box.enqueue(plain_message(key, template="reminder"), NOW)
    mailer = SmtpMailer("127.0.0.1", smtp.port)
    assert await box.deliver(key, mailer, NOW) == "sent"
    assert await box.deliver(key, mailer, NOW + timedelta(hours=1)) == "sent"
    assert len(smtp.messages()) == 1
    assert box.pending_keys() == []


async def test_a_server_that_is_down_keeps_the_message_until_it_is_back(box: Outbox, tmp_path: Path) -> None:
    key = "t7:k1-kennismaking:invitation:mentor"
    box.enqueue(plain_message(key, template="kennismaking_invitation"), NOW)
    port = free_port()
    mailer = SmtpMailer("127.0.0.1", port, timeout=2)

    with pytest.raises(TemporaryMailError):
        await box.deliver(key, mailer, NOW)
    [row] = box.rows()
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["last_error"]
    assert box.pending_keys() == [key]

    with MaildirServer(tmp_path / "maildir", port=port) as server:
        assert await box.deliver(key, mailer, NOW + timedelta(minutes=5)) == "sent"
        assert await box.deliver(key, mailer, NOW + timedelta(minutes=6)) == "sent"
        [received] = server.read()
    assert received["Message-ID"] == message_id_for(key, DOMAIN)
    [row] = box.rows()
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, "")


def test_two_concurrent_claims_only_one_wins(db_url, outbox_engine: Engine, tmp_path: Path) -> None:
    key = "t7:k1-sign-v1:request:mentor"
    Outbox(outbox_engine).enqueue(plain_message(key, template="sign_request"), NOW)
    # Two processes: two engines (own connections) on the same SQLite file.
    boxes = [Outbox(make_engine(db_url)) for _ in range(8)]
    start = threading.Barrier(len(boxes))
    results: list[bytes | None] = []
    lock = threading.Lock()

    def claim(b: Outbox) -> None:
        start.wait()
        got = b.claim(key, NOW, timedelta(minutes=10))
        with lock:
            results.append(got)

    threads = [threading.Thread(target=claim, args=(b,)) for b in boxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r is not None]
    assert len(results) == len(boxes) and len(winners) == 1
    assert parse(winners[0])["Message-ID"] == message_id_for(key, DOMAIN)


async def test_a_sender_that_crashed_after_the_hand_off_is_resent_with_the_same_message_id(
    box: Outbox, smtp: MaildirServer
) -> None:
    key = "t7:k1-m2:confirm:request:mentee"
    box.enqueue(plain_message(key, template="meeting_confirm_request"), NOW)
    mailer = SmtpMailer("127.0.0.1", smtp.port)
    # The crash: claimed and handed to SMTP, but the process died before mark_sent.
    claimed = box.claim(key, NOW, timedelta(minutes=10))
    assert claimed is not None
    await mailer.send(claimed)

    assert await box.deliver(key, mailer, NOW + timedelta(minutes=1)) == "sending"  # still someone else's
    assert len(smtp.messages()) == 1
    assert box.pending_keys(now=NOW + timedelta(minutes=11)) == [key]
    assert await box.deliver(key, mailer, NOW + timedelta(minutes=11)) == "sent"
    first, second = smtp.read()
    assert first["Message-ID"] == second["Message-ID"] == message_id_for(key, DOMAIN)
    assert box.rows()[0]["status"] == "sent"


async def test_a_message_stored_claimed_is_sent_once_and_after_a_crash_again_the_same(
    box: Outbox, smtp: MaildirServer
) -> None:
    """The send task stores and claims in one transaction: nobody else takes the row meanwhile, a known
    key changes nothing, and a sender that died before the record leaves it to be claimed after the lease."""
    key, other = "t7:k1-m1:invitation:mentee", "t7:k1-m1:invitation:mentor"
    claimed = box.enqueue_claimed(invitation_message(key), NOW)
    assert claimed is not None and parse(claimed.mime)["Message-ID"] == message_id_for(key, DOMAIN)
    [row] = box.rows()
    assert (row["status"], row["claimed_at"], row["id"]) == ("sending", NOW, claimed.row_id)
    assert box.enqueue_claimed(invitation_message(key, "CANCEL"), NOW) is None
    assert not box.enqueue(invitation_message(key, "CANCEL"), NOW)
    assert box.claim(key, NOW + timedelta(minutes=1)) is None and box.pending_keys(now=NOW) == []
    mailer = SmtpMailer("127.0.0.1", smtp.port)
    assert await box.deliver(key, mailer, NOW, claimed=claimed) == "sent"
    assert await box.deliver(key, mailer, NOW + timedelta(hours=1)) == "sent"

    # The crash at the worst moment: handed to SMTP, the process gone before the record.
    crashed = box.enqueue_claimed(invitation_message(other), NOW)
    assert crashed is not None
    await mailer.send(crashed.mime)
    assert await box.deliver(other, mailer, NOW + timedelta(minutes=1)) == "sending"
    assert await box.deliver(other, mailer, NOW + timedelta(minutes=11)) == "sent"
    _first, second, third = smtp.messages()
    assert second == third and second.replace(b"\n", b"\r\n") == crashed.mime  # the same bytes again
    assert [r["status"] for r in box.rows()] == ["sent", "sent"]


class RefusingHandler(MaildirHandler):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 No such user here"


async def test_a_permanent_refusal_parks_the_message(box: Outbox, tmp_path: Path) -> None:
    key = "t7:k1-closed:mentee"
    box.enqueue(plain_message(key, template="closed"), NOW)
    with MaildirServer(tmp_path / "md", handler=RefusingHandler(tmp_path / "md")) as server:
        mailer = SmtpMailer("127.0.0.1", server.port)
        assert await box.deliver(key, mailer, NOW) == "failed"
        assert await box.deliver(key, mailer, NOW + timedelta(hours=1)) == "failed"
    [row] = box.rows()
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "550" in row["last_error"]
    assert box.pending_keys(now=NOW + timedelta(days=1)) == []


async def test_an_unknown_key_is_an_error(box: Outbox, smtp: MaildirServer) -> None:
    with pytest.raises(KeyError):
        await box.deliver("nope", SmtpMailer("127.0.0.1", smtp.port), NOW)
