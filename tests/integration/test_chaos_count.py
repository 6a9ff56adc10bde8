"""``make chaos`` counts what was delivered: a Maildir's ``new/`` and ``cur/``, not a file an SMTP server
killed mid-write left in ``tmp/`` (it never said 250 for it, so our re-send of the same Message-ID is the
one delivery, not a duplicate; found when a chaos run printed duplicated=1 for exactly such a file)."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

from demo.chaos import finished_demo, message_ids


def mail(message_id: str) -> bytes:
    message = EmailMessage()
    message["Message-ID"], message["Subject"] = message_id, "Overzicht"
    message.set_content("tekst")
    return message.as_bytes()


def test_a_half_written_file_in_tmp_is_no_delivery_but_two_in_new_and_cur_are_a_duplicate(tmp_path: Path) -> None:
    box = mailbox.Maildir(tmp_path / "maildir", create=True)
    box.add(mail("<a@example.org>"))
    (tmp_path / "maildir" / "tmp" / "1.killed").write_bytes(mail("<a@example.org>"))
    box.add(mail("<b@example.org>"))
    assert message_ids(tmp_path / "maildir") == {"<a@example.org>": 1, "<b@example.org>": 1}
    key = box.add(mail("<b@example.org>"))
    read = tmp_path / "maildir" / "new" / key
    read.rename(tmp_path / "maildir" / "cur" / f"{key}:2,S")  # read, as a mail program moves it to cur/
    assert message_ids(tmp_path / "maildir") == {"<a@example.org>": 1, "<b@example.org>": 2}


def test_only_a_demo_that_ended_is_a_baseline(tmp_path: Path) -> None:
    """A demo that timed out (found: one whose mentors were all refused) leaves its database without
    ``summary.json``: chaos runs its own demo without kills rather than compare with part of the mail."""
    database = tmp_path / "mentorschap.db"
    assert not finished_demo(database)
    database.write_bytes(b"")
    assert not finished_demo(database)
    (tmp_path / "summary.json").write_text("{}")
    assert finished_demo(database)
