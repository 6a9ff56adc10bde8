"""Simulated participants and facilitator: they read their mail and act as a person would.

Members read the cohort's invitation and apply through the portal's form. Participants
open the personal links from the Maildir over HTTP (GET the page, then POST its form)
some simulated days after the mail arrived. The facilitator records the training
attendance, approves the matching proposal and each rematch, and records evaluations
through the Prefect API, the same calls the Prefect UI's input forms make.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from pathlib import Path

import httpx

from demo.cast import ASKS_REVIEW, CALLS_OFF, DECLINES, MOVES, SLOW_MENTOR_SIGNATURE
from demo.inbox import Mail
from demo.screens import screenshot
from domain.clock import AMSTERDAM, local_date
from domain.cohort import APPROVAL, TRAINING
from domain.people import Role
from domain.phases import Phase
from domain.rules import MIN_DAYS_BETWEEN_MEETINGS
from domain.trajectory import Trajectory
from tasks.cohort import rematch_for
from wiring.bootstrap import Services

LINK = re.compile(r"https?://[^\s\"'<>]+/a/[A-Za-z0-9_\-.]+")
OPTION = re.compile(r'<option value="(\d+)"[^>]*>([^<(]+) \(')
MEETINGS_WANTED = 7
FINAL_EVALUATION_ROOM = timedelta(weeks=6)
PROPOSAL_LEAD = timedelta(weeks=4)
SHOTS = Path("var/screenshots")


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

    def __init__(self, svc: Services, mentee_index: dict[int, int]) -> None:
        self.svc = svc
        self.done: set[tuple[int, int, str]] = set()  # (person, trajectory, occasion)
        self.queue: list[Planned] = []
        self.mentee_index = mentee_index  # mentee person id -> index in the cast
        self.http = httpx.Client(timeout=30, follow_redirects=True)
        self.acts = 0
        self.sign_page_shot = False
        self.changed: set[int] = set()  # mentees (cast index) whose pair moved or called off a meeting

    def read_mail(self, mails: list[Mail]) -> None:
        now = self.svc.clock.now()
        for mail in mails:
            for url in dict.fromkeys(LINK.findall(mail.text)):
                self._plan(url, now)

    def _plan(self, url: str, now: datetime) -> None:
        claim = self.svc.links.read(url.rsplit("/", 1)[1])
        occasion = (claim.person_id, claim.trajectory_id, claim.ref)
        if occasion in self.done or any(p.occasion == occasion for p in self.queue):
            return
        delay = self._delay(claim.action, claim.role, claim.trajectory_id, claim.ref)
        self.queue.append(Planned(now + delay, url, claim.action, claim.person_id, claim.ref,
                                  claim.trajectory_id, dict(claim.extra)))
        self.queue.sort()

    def _delay(self, action: str, role: Role, trajectory_id: int, ref: str = "") -> timedelta:
        days = {"kennismaking": 4, "plan": 5, "sign": 1, "propose": 1, "topics": 1, "confirm": 0.3,
                "evaluation": 2, "meeting": 0.2}.get(action, 1)
        if action == "plan" and ref.endswith("-plan-v2"):
            days = 1  # the revision after the facilitator's comment
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
            try:
                page = self.http.get(planned.url)
            except httpx.TransportError:  # the portal is down (restarting): she tries again later
                self.later(planned, now)
                return
            if page.status_code >= 500:
                self.later(planned, now)
                return
            if planned.action == "sign" and not self.sign_page_shot and page.status_code == 200:
                self.sign_page_shot = screenshot(planned.url, SHOTS / "portal-sign-phone.png", 390, 844)
            if page.status_code != 200:
                self.done.add(planned.occasion)
                continue
            try:
                response = self.http.post(planned.url, data=form)
            except httpx.TransportError:  # went down while she sent it: she sends it again (once, the link says)
                self.later(planned, now)
                return
            if response.status_code == 200 and 'class="error' not in response.text:
                self.done.add(planned.occasion)
                self.acts += 1
            elif response.status_code in (400, 403, 410):
                self.done.add(planned.occasion)
            if response.status_code != 200:  # a person meets a refusal: the demo's log says so
                found = re.search(r'class="err"[^>]*>([^<]*)<', response.text)
                print(f"[{now:%Y-%m-%d}] {planned.action} refused ({response.status_code}): "
                      f"{found.group(1) if found else ''}", flush=True)

    def later(self, planned: Planned, now: datetime) -> None:
        """The portal did not answer: the person tries again half a day later."""
        self.queue.append(replace(planned, at=now + timedelta(hours=12)))
        self.queue.sort()

    def _form(self, p: Planned, now: datetime) -> dict | None:
        t, _ = self.svc.repo.trajectory(p.trajectory_id)
        index = self.mentee_index.get(t.mentee_id, -1)
        if p.action == "kennismaking":
            declines = (index, len(t.matches) - 1) in DECLINES and p.ref.endswith("kennismaking")
            if declines and self.svc.repo.person(p.person_id).role is Role.MENTEE:
                return {"agree": "no", "reason": "Onze leerdoelen en haar ervaring sluiten niet goed op elkaar aan."}
            return {"agree": "yes"}
        if p.action == "plan":
            plan = {"goals": "Grenzen stellen aan mijn werkweek\nEen eigen stijl vinden in lastige gesprekken\n"
                             "Keuze maken: waarnemen of associëren",
                    "text": "Ik wil in negen maanden een eigen weg vinden als huisarts. We bespreken per bijeenkomst "
                            "een casus uit mijn praktijk en één leerdoel."}
            if index == ASKS_REVIEW and p.ref.endswith("-plan"):  # the first version: she asks for comment
                return {**plan, "review": "yes"}
            if p.ref.endswith("-plan-v2"):  # the facilitator's comment: she makes the goals measurable
                return {**plan, "goals": plan["goals"].replace("werkweek", "werkweek: uiterlijk 18:00 klaar")}
            return plan
        if p.action == "sign":
            revising = index == ASKS_REVIEW and p.extra.get("plan_version") == 1
            if revising and self.svc.repo.person(p.person_id).role is Role.MENTEE:
                return None  # she revises after the comment and signs that version
            return {"sign": "yes"}
        if p.action == "propose":
            return self._date_fields(self._next_date(t, now), "")
        if p.action == "topics":
            return {"topics": "Een casus over een patiënt met veel klachten; hoe plan ik mijn visites?"}
        if p.action == "evaluation":
            return {"went_well": "Open gesprekken, goed voorbereid.", "could_be_better": "Vaker een casus meenemen."}
        if p.action == "meeting":  # most pairs keep their date; the cast says who moves or calls off one
            number = int(p.extra.get("meeting", 0))
            who = self.svc.repo.person(p.person_id).role.value
            meeting = next((m for m in t.match.meetings if m.number == number), None) if t.match else None
            if meeting is None or p.extra.get("sequence") != 0:
                return None
            # In compressed time an invitation may come late: the first meeting from the second on whose
            # invitation leaves two days is the one moved or called off, once per pair.
            if number < 2 or meeting.starts_at - now < timedelta(days=2) or index in self.changed:
                return None
            if MOVES.get(index) == who:
                self.changed.add(index)
                return {"choice": "move", **self._date_fields(meeting.starts_at + timedelta(days=7), "new_")}
            if CALLS_OFF.get(index) == who:
                self.changed.add(index)
                return {"choice": "cancel", "reason": "I am ill that day; I will plan a new date as soon as I can."}
            return None
        if p.action == "confirm":
            match = t.match
            if match is None or t.phase not in (Phase.MEETINGS, Phase.INTERIM_EVALUATION, Phase.FURTHER_MEETINGS):
                return None
            held = len(match.held_meetings()) + 1
            next_start = self._next_date(t, now)
            # Like a pair would, they leave weeks before the end for the final evaluation (in compressed
            # time its request takes weeks to go out).
            fits = match.ends_by is not None and next_start < match.ends_by - FINAL_EVALUATION_ROOM
            if held >= MEETINGS_WANTED or not fits:
                return {"choice": "held", "last": "on"}
            return {"choice": "held", **self._date_fields(next_start, "next_")}
        return None

    @staticmethod
    def _date_fields(start: datetime, prefix: str) -> dict:
        local = start.astimezone(AMSTERDAM)
        return {f"{prefix}date": local.date().isoformat(), f"{prefix}time": local.strftime("%H:%M")}

    @staticmethod
    def _next_date(t: Trajectory, now: datetime) -> datetime:
        """A weekday at 14:00, at least four weeks ahead (in compressed time the invitation takes
        weeks to go out) and 43 days after the last meeting (the rule's 42 and a day to spare)."""
        match = t.match
        meetings = match.active_meetings() if match else []
        day = local_date(now) + PROPOSAL_LEAD
        if meetings:
            day = max(day, local_date(meetings[-1].starts_at) + timedelta(days=MIN_DAYS_BETWEEN_MEETINGS + 1))
        while day.weekday() >= 5:  # Saturday, Sunday: the Monday after
            day += timedelta(days=1)
        return datetime.combine(day, time(14, 0), tzinfo=AMSTERDAM)


class Facilitator:
    """Records the training attendance, approves the cohort's proposal and each rematch proposal, and
    records evaluations: all through the Prefect API, the same calls the Prefect UI's input forms make."""

    def __init__(self, svc: Services, mentee_index: dict[int, int], cohort: str) -> None:
        self.svc = svc
        self.mentee_index = mentee_index
        self.cohort = cohort
        self.first_seen: dict[tuple[int | str, str], datetime] = {}

    def _after(self, what: tuple[int | str, str], days: float, now: datetime) -> bool:
        """True once ``what`` has been seen for ``days`` (she reads her mail and phones around first)."""
        return now - self.first_seen.setdefault(what, now) >= timedelta(days=days)

    def act(self) -> None:
        now = self.svc.clock.now()
        self._cohort(now)
        for tid in self.svc.repo.trajectory_ids(active_only=True):
            t, _ = self.svc.repo.trajectory(tid)
            plan = t.match.plan if t.match else None
            if plan is not None and plan.awaiting_review and self._after((tid, f"review-{plan.version}"), 2, now):
                if self.svc.runs.waiting_at(tid)[1] is not None:  # the PlanReview form of the waiting run
                    self.svc.runs.wake(tid, "facilitator", extra={
                        "comment": "Mooi plan. Maak het eerste leerdoel meetbaar: wanneer is het gelukt?"})
                continue
            if t.phase not in (Phase.MATCHING, Phase.INTERIM_EVALUATION, Phase.FINAL_EVALUATION):
                continue
            if t.phase is Phase.MATCHING and not t.matches and self.svc.cohorts.stage(self.cohort) != "matched":
                continue  # the first match comes from the cohort's approved proposal
            if not self._after((tid, f"{t.phase}-{len(t.matches)}"), 2, now):
                continue
            _, key = self.svc.runs.waiting_at(tid)
            if key is None:
                continue
            if t.phase is Phase.MATCHING:
                choice, _rows = rematch_for(self.svc, tid)  # what the run's artifact and form show
                if choice["mentor_id"] is not None:
                    self.svc.runs.wake(tid, "facilitator", f"nieuw voorstel: {choice['mentor']}",
                                       {"mentor_id": choice["mentor_id"]})
                else:  # no mentor with room this round: she tells the mentee and ends the trajectory
                    reason = f"geen mentor beschikbaar in deze ronde ({choice['reason']})"

                    def withdraw(t: Trajectory, r: str = reason) -> None:
                        t.withdraw(Role.FACILITATOR, r, now)

                    self.svc.repo.change(tid, withdraw, now)
                    self.svc.runs.wake(tid, "system", "geen mentor")  # the withdrawal is written already
            else:
                kind = "tussenevaluatie" if t.phase is Phase.INTERIM_EVALUATION else "eindevaluatie"
                self.svc.runs.wake(tid, "facilitator", kind, {
                    "contact": "telefoon",
                    "outcome": f"{kind}: beiden tevreden; leerdoelen op koers, afspraken over de volgende fase.",
                })

    def _cohort(self, now: datetime) -> None:
        plan = self.svc.cohorts.plan(self.cohort)
        if plan is None:
            return
        runs = self.svc.cohort_runs
        _, key = runs.waiting_at(self.cohort)
        if key is None:
            return
        if key.label == TRAINING and now >= plan.training_ends_at + timedelta(hours=12):
            present = [p.id for p in self.svc.repo.mentor_pool(self.cohort)]  # everyone came
            runs.wake(self.cohort, "facilitator", "presentielijst", {"attended_mentor_ids": present}, label=TRAINING)
        elif key.label == APPROVAL and self._after((self.cohort, str(key)), 1, now):
            runs.wake(self.cohort, "facilitator", "voorstel akkoord", {"approve": True, "changes": []}, label=APPROVAL)


class Applicants:
    """Members read the cohort's invitation and apply through the portal's web form: mentors soon,
    mentees once the mentors' list is known, naming their preferred mentors from the form's list."""

    def __init__(self, svc: Services, portal: str, cohort: str, mentors: list[dict], mentees: list[dict]) -> None:
        self.svc = svc
        self.portal = portal
        self.cohort = cohort
        self.people = {p["email"]: ("mentor", p) for p in mentors} | {p["email"]: ("mentee", p) for p in mentees}
        self.queue: list[tuple[datetime, str]] = []
        self.applied: list[tuple[str, str]] = []  # (role, name)
        self.http = httpx.Client(timeout=30)

    def read_mail(self, mails: list[Mail]) -> None:
        now = self.svc.clock.now()
        plan = self.svc.cohorts.plan(self.cohort)
        for mail in mails:
            address = mail.to
            if f"{self.portal}/?lang=" not in mail.text or address not in self.people or plan is None:
                continue
            role, _ = self.people[address]
            at = now + timedelta(hours=6)
            if role == "mentee":  # waits until the mentors' list is known
                at = max(at, plan.mentor_deadline + timedelta(hours=6))
            self.queue.append((at, address))
            self.queue.sort()

    def apply_when_due(self) -> None:
        now = self.svc.clock.now()
        while self.queue and self.queue[0][0] <= now:
            _, address = self.queue.pop(0)
            role, person = self.people[address]
            try:
                page = self.http.get(f"{self.portal}/apply?role={role}").text
                options = dict((name.strip(), value) for value, name in OPTION.findall(page))
                form = {k: v for k, v in person.items() if k != "preferred"}
                form |= {"consent": "on", "language": person.get("language", "nl")}
                form["preferred_mentor_ids"] = [options[n] for n in person.get("preferred", []) if n in options]
                response = self.http.post(f"{self.portal}/apply?role={role}", data=form)
            except httpx.TransportError:  # the portal is down (restarting): the GP tries again later
                self.queue.append((now + timedelta(hours=12), address))
                self.queue.sort()
                return
            if response.status_code == 422:  # e.g. too late: the form says why
                reasons = re.findall(r'<p class="err"[^>]*>([^<]+)</p>', response.text)
                self.applied.append((role, f"{person['name']} (refused: {'; '.join(reasons[1:] or reasons)})"))
                continue
            response.raise_for_status()
            self.applied.append((role, person["name"]))
