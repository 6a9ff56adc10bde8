"""The demo's Maildir, read once a round for every simulated person in it."""

from __future__ import annotations

import email
import email.policy
import mailbox
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Mail:
    to: str  # the recipient's address
    text: str  # the plain-text body, where the personal links are
    subject: str = ""


class Inbox:
    def __init__(self, maildir: Path) -> None:
        self.box = mailbox.Maildir(maildir, factory=None, create=True)
        self.seen: set[str] = set()

    def new(self) -> list[Mail]:
        """The messages that arrived since the last call."""
        fresh: list[Mail] = []
        for key in self.box.iterkeys():
            if key in self.seen:
                continue
            self.seen.add(key)
            msg = email.message_from_bytes(self.box.get_bytes(key), policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            fresh.append(Mail(to=str(msg["To"]).rsplit("<", 1)[-1].rstrip(">"),
                              text=body.get_content() if body else "", subject=str(msg["Subject"] or "").strip()))
        return fresh
