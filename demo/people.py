"""Simulated participants and facilitator: they read their mail and act as a person would.

Participants open the personal links from the Maildir over HTTP (GET the page,
then POST its form) some simulated days after the mail arrived. The facilitator
chooses mentors and records evaluations through the Prefect API, the same call the
Prefect UI's input form makes.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

import httpx

from demo.cast import DECLINES, MATCH_PLAN, SLOW_MENTOR_SIGNATURE
from domain.clock import AMSTERDAM, local_date
from domain.people import Role
from domain.phases import Phase
from domain.rules import MIN_DAYS_BETWEEN_MEETINGS
from mentorschap.bootstrap import Services

LINK = re.compile(r"https?://[^\s\"'<>]+/a/[A-Za-z0-9_\-.]+")
MEETINGS_WANTED = 7


@dataclass(order=True)
class Planned:
    at: datetime
    url: str = field(compare=False)
    action: str = field(compare=False)
    person_id: int = field(compare=False)
    ref: str = field(compare=False)
    trajectory_id: int = field(compare=False)
    extra: dict = field(compare=False, default_factory=dict)

    @property
    def occasion(self) -> tuple[int, int, str]:
        return (self.person_id, self.trajectory_id, self.ref)


class Participants:
    """Everyone with a mailbox: reads new mail, plans the act, does it when its time comes."""

    def __init__(self, svc: Services, maildir: Path, mentee_index: dict[int, int]) -> None:
        self.svc = svc
        self.box = mailbox.Maildir(maildir, factory=None, create=True)
        self.seen: set[str] = set()
        self.done: set[tuple[int, int, str]] = set()  # (person, trajectory, occasion)
        self.queue: list[Planned] = []
        self.mentee_index = mentee_index  # mentee person id -> index in the cast
        self.http = httpx.Client(timeout=30, follow_redirects=True)
        self.acts = 0

    def read_mail(self) -> None:
        now = self.svc.clock.now()
        for key in list(self.box.iterkeys()):
            if key in self.seen:
                continue
            self.seen.add(key)
            msg = email.message_from_bytes(self.box.get_bytes(key), policy=email.policy.default)
            body = msg.get_body(preferencelist=("plain",))
            text = body.get_content() if body else ""
            for url in dict.fromkeys(LINK.findall(text)):
                self._plan(url, now)

    def _plan(self, url: str, now: datetime) -> None:
        claim = self.svc.links.read(url.rsplit("/", 1)[1])
        occasion = (claim.person_id, claim.trajectory_id, claim.ref)
        if occasion in self.done or any(p.occasion == occasion for p in self.queue):
            return
        delay = self._delay(claim.action, claim.role, claim.trajectory_id)
        self.queue.append(Planned(now + delay, url, claim.action, claim.person_id, claim.ref,
                                  claim.trajectory_id, dict(claim.extra)))
        self.queue.sort()

    def _delay(self, action: str, role: Role, trajectory_id: int) -> timedelta:
        days = {"kennismaking": 4, "plan": 5, "sign": 1, "propose": 1, "topics": 1, "confirm": 0.3,
                "evaluation": 2}.get(action, 1)
        if action == "sign" and role is Role.MENTOR and self._index(trajectory_id) == SLOW_MENTOR_SIGNATURE:
            days = 9  # late: the 7-day reminder goes out first
        return timedelta(days=days)

    def _index(self, trajectory_id: int) -> int:
        t, _ = self.svc.repo.trajectory(trajectory_id)
        return self.mentee_index.get(t.mentee_id, -1)

    def act_when_due(self) -> None:
        now = self.svc.clock.now()
        while self.queue and self.queue[0].at <= now:
            planned = self.queue.pop(0)
            form = self._form(planned, now)
            if form is None:
                continue
            page = self.http.get(planned.url)
            if page.status_code != 200:
                self.done.add(planned.occasion)
                continue
            response = self.http.post(planned.url, data=form)
            if response.status_code == 200 and 'class="error' not in response.text:
                self.done.add(planned.occasion)
                self.acts += 1
            elif response.status_code in (400, 403, 410):
                self.done.add(planned.occasion)

    def _form(self, p: Planned, now: datetime) -> dict | None:
        t, _ = self.svc.repo.trajectory(p.trajectory_id)
        index = self.mentee_index.get(t.mentee_id, -1)
        if p.action == "kennismaking":
            declines = (index, len(t.matches) - 1) in DECLINES and p.ref.endswith("kennismaking")
            if declines and self.svc.repo.person(p.person_id).role is Role.MENTEE:
                return {"agree": "no", "reason": "Onze leerdoelen en haar ervaring sluiten niet goed op elkaar aan."}
            return {"agree": "yes"}
        if p.action == "plan":
            return {"goals": "Grenzen stellen aan mijn werkweek\nEen eigen stijl vinden in lastige gesprekken\n"
                             "Keuze maken: waarnemen of associëren",
                    "text": "Ik wil in negen maanden een eigen weg vinden als huisarts. We bespreken per bijeenkomst "
                            "een casus uit mijn praktijk en één leerdoel."}
        if p.action == "sign":
            return {"sign": "yes"}
        if p.action == "propose":
            return self._date_fields(self._next_date(t, now), "")
        if p.action == "topics":
            return {"topics": "Een casus over een patiënt met veel klachten; hoe plan ik mijn visites?"}
        if p.action == "evaluation":
            return {"went_well": "Open gesprekken, goed voorbereid.", "could_be_better": "Vaker een casus meenemen."}
        if p.action == "confirm":
            match = t.match
            if match is None or t.phase not in (Phase.MEETINGS, Phase.INTERIM_EVALUATION, Phase.FURTHER_MEETINGS):
                return None
            held = len(match.held_meetings()) + 1
            next_start = self._next_date(t, now)
            fits = match.ends_by is not None and next_start < match.ends_by - timedelta(days=1)
            if held >= MEETINGS_WANTED or not fits:
                return {"choice": "held", "last": "on"}
            return {"choice": "held", **self._date_fields(next_start, "next_")}
        return None

    @staticmethod
    def _date_fields(start: datetime, prefix: str) -> dict:
        local = start.astimezone(AMSTERDAM)
        return {f"{prefix}date": local.date().isoformat(), f"{prefix}time": local.strftime("%H:%M")}

    @staticmethod
    def _next_date(t, now: datetime) -> datetime:  # type: ignore[no-untyped-def]
        """Two weeks ahead for the first meeting; otherwise 45 days after the last one, at 14:00."""
        match = t.match
        meetings = match.active_meetings() if match else []
        day = local_date(now) + timedelta(days=14)
        if meetings:
            day = max(day, local_date(meetings[-1].starts_at) + timedelta(days=MIN_DAYS_BETWEEN_MEETINGS + 3))
        return datetime.combine(day, time(14, 0), tzinfo=AMSTERDAM)


class Facilitator:
    """Chooses the scripted mentors and records evaluations, through the Prefect API."""

    def __init__(self, svc: Services, mentee_index: dict[int, int], mentor_ids: list[int]) -> None:
        self.svc = svc
        self.mentee_index = mentee_index
        self.mentor_ids = mentor_ids
        self.first_seen: dict[tuple[int, str], datetime] = {}

    def act(self) -> None:
        now = self.svc.clock.now()
        for tid in self.svc.repo.trajectory_ids(active_only=True):
            t, _ = self.svc.repo.trajectory(tid)
            if t.phase not in (Phase.MATCHING, Phase.INTERIM_EVALUATION, Phase.FINAL_EVALUATION):
                continue
            seen = self.first_seen.setdefault((tid, f"{t.phase}-{len(t.matches)}"), now)
            if now - seen < timedelta(days=2):
                continue  # the facilitator reads her mail and phones around first
            _, key = self.svc.runs.waiting_at(tid)
            if key is None:
                continue
            if t.phase is Phase.MATCHING:
                plan = MATCH_PLAN.get(self.mentee_index.get(t.mentee_id, -1), [0])
                mentor = self.mentor_ids[plan[min(len(t.matches), len(plan) - 1)]]
                self.svc.runs.wake(tid, "facilitator", "matching", {"mentor_id": mentor})
            else:
                kind = "tussenevaluatie" if t.phase is Phase.INTERIM_EVALUATION else "eindevaluatie"
                self.svc.runs.wake(tid, "facilitator", kind, {
                    "contact": "phone",
                    "outcome": f"{kind}: beiden tevreden; leerdoelen op koers, afspraken over de volgende fase.",
                })
