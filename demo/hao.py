"""Programme B in the demo: fictional hao-mentors, trainers, institute staff and a COMO chair.

Runs beside programme A on the same stack and clock: one consultation series (two
phone calls, asked from the mentor list the yearly information mail points to, confirmed
through the link mailed to the trainer's address on file, accepted by the mentor), one targeted guidance up to
the released results report (its trainer forgets to sign the goals: she is reminded twice and signs once the
contact persons, told after 14 days, chase her), and one starting trainer with three signed progress
reports (two required, the third offered in the mail that says the minimum is met).
People read the Maildir and open their ``/h/`` links over HTTP; the COMO chair couples
the mentor through the progress run's input form (the Prefect API).
"""

from __future__ import annotations

import re
import time as clock_time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta

import httpx

from demo.inbox import Mail
from demo.people import Planned
from domain.clock import AMSTERDAM, local_date
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Goal, Guidance, Kind, Progress
from wiring.bootstrap import Services

LINK = re.compile(r"https?://[^\s\"'<>]+/h/[A-Za-z0-9_\-.]+")

CAST = [
    HaoPerson(role=HaoRole.MENTOR, name="Dr. Ineke Brouwer", email="i.brouwer@hao-mentor.example",
              practice="Huisartsenpraktijk Sloterweg, Amsterdam", expertise="beoordelen; (dreigende) ontkoppeling"),
    HaoPerson(role=HaoRole.MENTOR, name="Dr. Ruud Meijer", email="r.meijer@hao-mentor.example",
              practice="Gezondheidscentrum Zaandam", expertise="didactiek; leergesprekken; praktijkorganisatie"),
    HaoPerson(role=HaoRole.STAFF, name="Femke de Wit (staf)", email="f.dewit@huisartsopleiding.example"),
    HaoPerson(role=HaoRole.STAFF, name="Tom Visser (staf)", email="t.visser@huisartsopleiding.example"),
    HaoPerson(role=HaoRole.CHAIR, name="Dr. Karin Smit (voorzitter COMO)", email="k.smit@huisartsopleiding.example"),
    HaoPerson(role=HaoRole.TRAINER, name="Dr. Joost Kramer", email="j.kramer@praktijk-kramer.example",
              practice="Praktijk Kramer, Hoofddorp"),
    HaoPerson(role=HaoRole.TRAINER, name="Dr. Lisa Peters", email="l.peters@huisartsen-purmerend.example",
              practice="Huisartsen Purmerend"),
    HaoPerson(role=HaoRole.TRAINER, name="Dr. Omar Haddad", email="o.haddad@praktijk-haddad.example",
              practice="Praktijk Haddad, Amstelveen", language="en"),
]
QUESTION = "Mijn aios komt steeds onvoorbereid naar het leergesprek; hoe spreek ik hem daarop aan zonder dat het botst?"
REPORT = ("Taakgebied 2: de opleider geeft nu concrete, tijdige feedback en plant leergesprekken vooraf. "
          "Taakgebied 3: de afspraken met de andere huisartsen over de aios staan op papier.")


class HaoDemo:
    def __init__(self, svc: Services, say: Callable[[str], None]) -> None:
        self.svc = svc
        self.hao = svc.hao
        self.planned: set[str] = set()
        self.queue: list[Planned] = []
        self.http = httpx.Client(timeout=30, follow_redirects=True)
        self.say = say
        self.ids: dict[str, int] = {}
        self.trajectories: dict[Kind, int] = {}
        self.phases: dict[int, str] = {}
        self.last_sweep = 0.0
        self.coupled = False
        self.started = False
        self.completed: set[int] = set()
        self.last_chair = 0.0
        self.asked = 0  # how often Joost asked from the mentor list
        self.goals_url = ""  # Lisa's newest link to sign the goals, which she leaves until she is chased
        self.chased = False

    # --- the start ---------------------------------------------------------

    def start(self) -> None:
        from prefect.deployments import run_deployment

        from adapters.hao_store import new_pseudonym

        for p in CAST:
            self.ids[p.email] = self.hao.repo.add_person(p)
        mentors = [self.ids[p.email] for p in CAST if p.role is HaoRole.MENTOR]
        trainers = [self.ids[p.email] for p in CAST if p.role is HaoRole.TRAINER]
        now = self.svc.clock.now()
        # The yearly information mail to all trainers (normally on its schedule); Joost asks for a consultation.
        for _ in range(60):
            try:
                run_deployment("hao-information/hao-information", timeout=0)
                break
            except Exception:  # the runner registers the deployments a moment after programme A's
                clock_time.sleep(1)
        guidance = Guidance.request(trainers[1], mentors[1], "institute", "tailoring",
                                    [Goal(area=2, text="Concrete, tijdige feedback geven aan de aios"),
                                     Goal(area=3, text="Afspraken over de opleiding met de andere huisartsen")],
                                    new_pseudonym(Kind.GUIDANCE), now)
        g = self.hao.repo.add_trajectory(guidance, now)
        due = now + timedelta(days=240)  # two conversations within eight months
        progress = self.hao.repo.add_trajectory(Progress.start(trainers[2], new_pseudonym(Kind.PROGRESS), now, due),
                                                now)
        for t in (g, progress):
            self.trajectories[t.kind] = t.require_id()
            self.hao.start(t)
        self.say(f"hao: {len(CAST)} people; guidance {g.pseudonym} and progress {progress.pseudonym} started")

    # --- every tick --------------------------------------------------------

    def act(self, mails: list[Mail], start: bool = True) -> None:
        """Read the round's new mail and act what is due; ``start``: the first call with True starts
        programme B (its mail all comes after that)."""
        if not self.started:
            if not start:
                return
            self.start()
            self.started = True
        now = self.svc.clock.now()
        self._read_mail(mails, now)
        while self.queue and self.queue[0].at <= now:
            planned = self.queue.pop(0)
            try:
                self._do(planned)
            except httpx.TransportError:  # the portal is down (restarting): tried again half a day later
                self.queue.append(replace(planned, at=now + timedelta(hours=12)))
                self.queue.sort()
                break
        self._chair()
        if clock_time.monotonic() - self.last_sweep > 3:  # often enough to send reminders by day (days pass fast)
            from flows.hao.sweep import hao_sweep_now

            hao_sweep_now()
            self.last_sweep = clock_time.monotonic()
        for t in self.hao.repo.all():
            if t.kind not in self.trajectories:
                self.trajectories[t.kind] = t.require_id()
            if self.phases.get(t.require_id()) != t.phase.value:
                self.phases[t.require_id()] = t.phase.value
                self.say(f"hao {t.kind.label} {t.pseudonym}: {t.phase.label}")

    def done(self) -> bool:
        """All three ended in the database and their runs completed (the API is asked only then, once each)."""
        if len(self.trajectories) < 3:
            return False
        for tid in self.trajectories.values():
            if tid in self.completed:
                continue
            t, _ = self.hao.repo.trajectory(tid)
            if not t.phase.ended or self.hao.state(tid) != "COMPLETED":
                return False
            self.completed.add(tid)
        return True

    def summary(self) -> dict:
        from administration.hao_export import finance_export, institute_export

        institute = institute_export(self.svc)
        return {
            "trajectories": [{"kind": t.kind.value, "pseudonym": t.pseudonym, "phase": t.phase.value,
                              "conversations": len(t.held())} for t in self.hao.repo.all()],
            "institute_sees": [{"kind": x["kind"], "phase": x["phase"], "report_released": bool(x.get("report")),
                                "signed_reports": len(x.get("reports", []))} for x in institute["trajectories"]],
            "finance_mentor_totals": finance_export(self.svc)["mentor_totals"],
            "reminders": dict(Counter(r["template"] for r in self.svc.outbox.rows() if r["template"] in (
                "hao_reminder", "hao_escalation", "hao_answer_reminder", "hao_answer_waiting"))),
        }

    # --- the people --------------------------------------------------------

    def _chair(self) -> None:
        """The COMO chair reads her mail and couples Ineke Brouwer through the run's input form."""
        tid = self.trajectories.get(Kind.PROGRESS)
        if self.coupled or tid is None or clock_time.monotonic() - self.last_chair < 2:
            return
        self.last_chair = clock_time.monotonic()
        _, key = self.svc.control.waiting_at(self.hao.subject(tid))
        if key and key.label == "coupling":
            mentor = self.ids[CAST[0].email]
            self.coupled = self.hao.wake(tid, "facilitator", "koppeling door de voorzitter COMO", {"mentor_id": mentor})

    def _read_mail(self, mails: list[Mail], now: datetime) -> None:
        for mail in mails:
            for url in dict.fromkeys(LINK.findall(mail.text)):
                if url in self.planned:
                    continue
                self.planned.add(url)
                claim = self.hao.links.read(url.rsplit("/", 1)[1])
                if claim.action == "hao_request" and claim.person_id != self.ids[CAST[5].email]:
                    continue  # only Joost asks for a consultation this year
                at = self._when(claim.action, claim.trajectory_id, claim.extra, now)
                if claim.action == "hao_goals":
                    self.goals_url = url
                if at is not None:
                    self.queue.append(Planned(at, url, claim.action, claim.person_id, claim.ref, claim.trajectory_id,
                                              dict(claim.extra)))
                    self.queue.sort()
        for mail in mails:  # after the links: her reminder may come in the same round as their word
            self._chase(mail, now)

    def _chase(self, mail: Mail, now: datetime) -> bool:
        """The contact persons hear that Lisa has not signed the goals (programme B's escalation, issue
        10.8); the first of them phones her, and she signs through her newest link the next day."""
        staff = {p.email for p in CAST if p.role is HaoRole.STAFF}
        if mail.to not in staff or not mail.subject.startswith("Actie nodig") or self.chased or not self.goals_url:
            return False
        self.chased = True
        claim = self.hao.links.read(self.goals_url.rsplit("/", 1)[1])
        self.say(f"hao: the contact persons are told the goals wait for {CAST[6].name}; they phone her")
        self.queue = [q for q in self.queue if q.action != "hao_goals"]  # not also her own late memory
        self.queue.append(Planned(now + timedelta(days=1), self.goals_url, claim.action, claim.person_id, claim.ref,
                                  claim.trajectory_id, dict(claim.extra)))
        self.queue.sort()
        return True

    def _when(self, action: str, tid: int, extra: dict, now: datetime) -> datetime | None:
        if action == "hao_goals" and not self.chased:
            # Lisa leaves it (the reminders' links too) until the contact persons phone her; if their
            # word is slow to come (the sweep sends it on a weekday by day), she remembers after 25 days.
            return None if self.goals_url else now + timedelta(days=25)
        if action == "hao_close":
            return None  # the mentor closes this series
        if action == "hao_held":
            t, _ = self.hao.repo.trajectory(tid)
            return t.conversation(int(extra["conversation"])).ends_at + timedelta(hours=2)
        return now + timedelta(days={"hao_request": 1, "hao_confirm": 0.2, "hao_report": 2,
                                     "hao_discussed": 2}.get(action, 1))

    def _do(self, p: Planned) -> None:
        if p.action == "hao_request":  # he asks from the mentor list the mail points to (issue 10.9)
            if Kind.CONSULTATION not in self.trajectories:
                self.asked += 1
                asked = self.http.post(f"{self.svc.settings.portal_url}/hao/mentoren", data={
                    "email": CAST[5].email, "mentor_id": str(self.ids[CAST[0].email]), "question": QUESTION})
                self.say(f"hao: {CAST[5].name} asks a consultation from the mentor list ({asked.status_code})")
            return
        form = self._form(p)
        if form is None:
            return
        page = self.http.get(p.url)
        done = self.http.post(p.url, data=form) if page.status_code == 200 else page
        if done.status_code != 200:  # a person meets a refusal: the demo's log says so, not only the Maildir
            self.say(f"hao: {p.action} refused ({done.status_code}): {_headline(done.text)}")
            if p.action == "hao_confirm" and done.status_code == 410 and self.asked < 3:
                self._do(replace(p, action="hao_request"))  # his link lapsed (compressed time): he asks again

    def _form(self, p: Planned) -> dict | None:
        now = self.svc.clock.now()
        if p.action == "hao_confirm":  # the link the list's form sent to his address on file
            if Kind.CONSULTATION in self.trajectories:
                return None
            return {"mentor_id": str(self.ids[CAST[0].email]), "form": "phone", "question": QUESTION}
        t, _ = self.hao.repo.trajectory(p.trajectory_id)
        if p.action == "hao_plan":
            return {**_fields(now + timedelta(days=3)), "form": {"consultation": "phone", "guidance": "visit"}.get(
                t.kind.value, "meeting")}
        if p.action == "hao_held":
            number = int(p.extra["conversation"])
            claim = {"km": "0" if t.kind is Kind.CONSULTATION else "24", "hours": "1"}
            if t.kind is Kind.PROGRESS:
                text = {1: "Goede start: leerplan van de aios staat, eerste beoordeling gepland.",
                        2: "Beoordelingen op tijd; de rol als opleider is helder; geen zorgen.",
                        3: "Derde gesprek, aangeboden na de verplichte twee: feedbackgesprekken lopen goed."}.get(
                            number, "Prima.")
                return {**claim, "text": text, **({"done": "yes"} if number >= 3 else {})}  # more than two may
            if number >= 2:
                return {**claim, "done": "yes"}
            return {**claim, **_fields(now + timedelta(days=6), "next_")}
        if p.action == "hao_answer":
            return {"answer": "accept"}
        if p.action == "hao_goals" or p.action == "hao_sign_report":
            return {}
        if p.action == "hao_report":
            return {"text": REPORT}
        if p.action == "hao_discussed":
            return {"discussed": "yes", "dissent": ""}
        return None


def _fields(start: datetime, prefix: str = "") -> dict[str, str]:
    day = local_date(start)
    at = datetime.combine(day, time(10, 0), tzinfo=AMSTERDAM)
    return {f"{prefix}date": at.date().isoformat(), f"{prefix}time": "10:00"}


def _headline(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    return found.group(1).strip() if found else page[:120]
