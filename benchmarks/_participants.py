"""Acting as participants do: apply through the portal's form, open personal links from the Maildir.

Only public surfaces: the portal over HTTP, the Maildir the SMTP server writes, and our
database read through the stack's services (the link's claim, the mentor pool).
"""

from __future__ import annotations

import email
import email.policy
import os
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import httpx

from domain.clock import AMSTERDAM, Clock, local_date
from wiring.bootstrap import Services

LINK = re.compile(r"https?://[^\s\"'<>]+/a/[A-Za-z0-9_\-.]+")
PERSON = {"phone": "040-2123456", "practice_name": "Praktijk Strijp", "street": "Hoogstraat 12",
          "postcode": "5615 PA", "city": "Eindhoven", "consent": "on"}


def mentor_form(n: int) -> dict[str, str]:
    return {**PERSON, "name": f"Dr. Mentor {n}", "email": f"mentor{n}@example.org", "years_experience": "20",
            "topics": "praktijkvoering"}


def mentee_form(n: int) -> dict[str, str]:
    # A practice of their own: a mentor of the same practice is a conflict the matching rules refuse.
    return {**PERSON, "name": f"Mentee {n}", "email": f"mentee{n}@example.org", "years_experience": "2",
            "learning_goals": "grenzen stellen", "practice_name": f"Praktijk De Hoeve {n}",
            "street": f"Dorpstraat {n}", "postcode": "5504 HB", "city": "Veldhoven"}


@dataclass
class Mail:
    to: str
    arrived: float  # the file's mtime: when the SMTP server wrote it
    links: list[str]


class Inbox:
    """The Maildir, read incrementally: every mail once, in order of arrival."""

    def __init__(self, maildir: Path, svc: Services) -> None:
        self.maildir = maildir
        self.svc = svc
        self.seen: set[str] = set()
        self.mails: list[Mail] = []

    def new(self) -> list[Mail]:
        fresh = []
        for sub in ("new", "cur"):
            folder = self.maildir / sub
            for name in os.listdir(folder) if folder.exists() else []:
                if name in self.seen:
                    continue
                path = folder / name
                msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                body = msg.get_body(preferencelist=("plain",))
                text = body.get_content() if body is not None else ""
                fresh.append(Mail(str(msg["To"]), path.stat().st_mtime, list(dict.fromkeys(LINK.findall(text)))))
                self.seen.add(name)
        fresh.sort(key=lambda m: m.arrived)
        self.mails += fresh
        return fresh

    def link(self, to: str, action: str, trajectory_id: int) -> str:
        """The newest personal link for ``action`` on the trajectory in mail to ``to``."""
        self.new()
        for mail in reversed(self.mails):
            if to not in mail.to:
                continue
            for url in mail.links:
                claim = self.svc.links.read(url.rsplit("/", 1)[1])
                if claim.action == action and claim.trajectory_id == trajectory_id:
                    return url
        raise LookupError(f"no {action} link for {to} on trajectory {trajectory_id}")


class Portal:
    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(timeout=30)

    def apply(self, role: str, form: dict[str, str]) -> None:
        r = self.http.post(f"{self.url}/apply?role={role}", data=form)
        r.raise_for_status()

    def open(self, link: str) -> None:
        """GET the page first, as a participant does before sending the form."""
        self.http.get(link).raise_for_status()

    def act(self, link: str, form: dict[str, str]) -> None:
        r = self.http.post(link, data=form)
        if r.status_code != 200 or 'class="error' in r.text:
            raise RuntimeError(f"portal refused {link}: {r.status_code}")


def meeting_date(clock: Clock, weeks: int = 4) -> dict[str, str]:
    """A weekday at 14:00 some weeks ahead on the stack's clock: a date the rules accept."""
    day = local_date(clock.now()) + timedelta(weeks=weeks)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime.combine(day, time(14, 0), tzinfo=AMSTERDAM)
    return {"date": start.date().isoformat(), "time": start.strftime("%H:%M")}
