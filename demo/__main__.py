"""``make demo``: a small February 2021 cohort in compressed time, on the real parts.

Starts a local Prefect server (embedded SQLite), an SMTP server writing to
``var/demo/maildir``, the portal and the served deployments, then the cohort's kickoff
run (as its Cron schedule would): the members get the invitation, fictional GPs apply
through the web form, mentors are invited to the training, a simulated facilitator
records who attended and approves the proposed matching through the Prefect API, and
the simulated participants act on the links in their mail. With no terminal on
standard input it exits 0 once every trajectory has ended.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo.cast import MENTEES, MENTORS, OTHER_MEMBERS
from demo.inbox import Inbox
from demo.screens import screenshot
from domain.clock import AMSTERDAM, Clock
from domain.cohort import CohortPlan
from domain.people import Role
from domain.trajectory import MeetingStatus
from domain.waits import Subject
from mentorschap.stack import ROOT, Stack, free_port

if TYPE_CHECKING:
    from wiring.bootstrap import Services

VAR = ROOT / "var" / "demo"
SIM_START = datetime(2021, 1, 4, 8, 0, tzinfo=UTC)  # Monday 4 January 2021, 09:00 in Amsterdam
COHORT_DEPLOYMENT = "cohort/zob-2021"


def demo_plan(now: datetime) -> CohortPlan:
    """The first cohort with its weeks shortened to days, from the simulated now (which depends on how
    long the stack took to start), so that kickoff to matching takes seconds."""
    from deployments.cohorts import COHORTS

    day = now.astimezone(AMSTERDAM).date()

    def at(days: int, hour: int) -> datetime:
        return datetime.combine(day + timedelta(days=days), dt_time(hour), tzinfo=AMSTERDAM)

    return COHORTS[0].model_copy(update={
        "opens_at": now,
        # Each start of a flow run takes a few real seconds, i.e. days: the run's invitation can
        # arrive a week after the kickoff on a busy machine.
        "mentor_deadline": at(18, 17),
        "training_at": at(19, 19),
        "mentee_deadline": at(24, 17),
    })


DAYS_PER_SECOND = float(os.environ.get("DEMO_DAYS_PER_SECOND", "1.4"))
STARTUP_SECONDS = 30  # from Prefect's server answering: the runner, the kickoff run and the portal
DEADLINE_SECONDS = float(os.environ.get("DEMO_DEADLINE_SECONDS", "600"))


def say(clock: Clock, text: str) -> None:
    print(f"[{clock.now():%Y-%m-%d}] {text}", flush=True)


def start_cohort(stack: Stack, plan: CohortPlan, members_csv: Path) -> str:
    """Start the cohort's kickoff run now, with the demo's dates (a 2021 Cron schedule no longer fires)."""
    from prefect.deployments import run_deployment

    from adapters.prefect_api import synchronous

    stack._wait_deployments([COHORT_DEPLOYMENT])
    run = run_deployment(COHORT_DEPLOYMENT, parameters={"plan": plan.model_dump(mode="json"),
                                                        "members_csv": str(members_csv)},
                         timeout=0, flow_run_name=f"cohort {plan.id} (demo)")
    return str(synchronous(run).id)


def write_members(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "email", "language"])
        for person in [*MENTORS, *MENTEES, *OTHER_MEMBERS]:
            writer.writerow([person["name"], person["email"], person.get("language", "nl")])


def main(home: Path = VAR, extra_env: dict[str, str] | None = None,
         on_started: Callable[[Stack], Callable[[], None]] | None = None) -> int:
    """Run the demo in ``home``; ``on_started`` is called once the stack is up (``demo.chaos`` starts
    killing there) and returns what to call before the stack is stopped."""
    # A SIGTERM (kill, a CI timeout) ends the demo through ``finally``: the stack's processes run in
    # sessions of their own and would otherwise live on, writing into the next demo's files.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    smtp_port, portal_port = free_port(), free_port()
    portal = f"http://127.0.0.1:{portal_port}"
    # The simulated clock stands still at SIM_START until the stack is up; anchored again (below) once
    # Prefect's server answers: its start on a fresh database is the slow, uneven part.
    anchor = datetime.now(UTC) + timedelta(seconds=STARTUP_SECONDS)
    env = {
        "MENTORSCHAP_DATABASE_URL": f"sqlite:///{home / 'mentorschap.db'}",
        "MENTORSCHAP_SMTP_PORT": str(smtp_port),
        "MENTORSCHAP_PORTAL_URL": portal,
        "MENTORSCHAP_SIGNING_SECRET": "demo-secret-" + anchor.isoformat(),
        "MENTORSCHAP_CLOCK_START": SIM_START.isoformat(),
        "MENTORSCHAP_CLOCK_ANCHOR": anchor.isoformat(),
        "MENTORSCHAP_CLOCK_SPEED": str(DAYS_PER_SECOND * 86400),
        # The demo sweeps in-process every second; the scheduled sweep runs now and then, to be seen.
        "MENTORSCHAP_SWEEP_INTERVAL_SECONDS": "120",
        "MENTORSCHAP_FACILITATOR_NAME": "Majorie (procesfacilitator)",
        "MENTORSCHAP_FACILITATOR_ADDRESS": "mentorschap@huisartsenkring.example",
        "MENTORSCHAP_SENDER_ADDRESS": "mentorschap@huisartsenkring.example",
        **(extra_env or {}),
    }
    stack = Stack.create(home, env)
    os.environ.update(stack.env)  # this process is the facilitator's and the participants' machine
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    from demo.hao import HaoDemo
    from demo.people import Applicants, Facilitator, Participants
    from flows.sweep import sweep_now
    from wiring.bootstrap import run_services

    own = contextlib.ExitStack()
    stop_chaos: Callable[[], None] = lambda: None  # noqa: E731
    try:
        print(f"Starting the stack (logs in {stack.logs}) ...", flush=True)
        stack.start_mailserver(home / "maildir", smtp_port)
        stack.start_prefect()
        # The runner, the kickoff run and the portal start while the clock stands still (it took 55 s
        # from the very start once, on a machine just freed by a test run: the mentors' window had closed).
        os.environ["MENTORSCHAP_CLOCK_ANCHOR"] = stack.env["MENTORSCHAP_CLOCK_ANCHOR"] = (
            datetime.now(UTC) + timedelta(seconds=STARTUP_SECONDS)).isoformat()
        # The demo's services, built once from the stack's settings; its in-process sweep uses the same.
        svc = own.enter_context(run_services())
        clock = svc.clock
        stack.start_runner()
        # The kickoff run starts while the simulated clock still stands still, so its start costs no days.
        plan = demo_plan(clock.now())
        write_members(home / "members.csv")
        start_cohort(stack, plan, home / "members.csv")
        stack.start_portal(portal_port)
        print(f"Prefect UI: {stack.ui_url}   portal: {portal}   mail: {home / 'maildir'}", flush=True)
        if on_started is not None:
            stop_chaos = on_started(stack)
        say(clock, f"kickoff of {plan.name}: the cohort run opens the window and invites the members")
        mentee_index: dict[int, int] = {}
        indexed: set[int] = set()  # trajectories whose mentee has a cast index
        inbox = Inbox(home / "maildir")
        applicants = Applicants(svc, portal, plan.id, MENTORS, MENTEES)
        participants = Participants(svc, mentee_index)
        facilitator = Facilitator(svc, mentee_index, plan.id)
        hao = HaoDemo(svc, lambda text: say(clock, text))  # programme B, same stack and clock
        phases: dict[int, str] = {}
        completed: set[int] = set()
        stage = None
        last_sweep = last_trouble = 0.0

        def play_round() -> int:
            """One round: everyone reads the new mail and does what is due; how many are still active."""
            nonlocal stage, last_sweep
            mails = inbox.new()  # read once a round, for everyone, before anyone needs the portal or Prefect
            applicants.read_mail(mails)
            # New trajectories: who is the mentee? (Not "not in phases": an application made later in a
            # round gets its phase that same round, and its mentee would never be looked up.)
            for tid in set(svc.repo.trajectory_ids()) - indexed:
                t, _ = svc.repo.trajectory(tid)
                email = svc.repo.person(t.mentee_id).email
                mentee_index[t.mentee_id] = next(i for i, m in enumerate(MENTEES) if m["email"] == email)
                indexed.add(tid)
            participants.read_mail(mails)
            applicants.apply_when_due()
            for role, name in applicants.applied:
                say(clock, f"{name} applied as {role} through the web form")
            applicants.applied.clear()
            participants.act_when_due()
            facilitator.act()
            # Programme B starts once A's cohort is matched, so it never delays A's application windows.
            cohort_stage = svc.cohorts.stage(plan.id)
            hao.act(mails, start=cohort_stage == "matched")
            if time.monotonic() - last_sweep > 1.0:
                sweep_now()
                last_sweep = time.monotonic()
            cohort_run = svc.run_store.run(Subject.cohort(plan.id))
            wait_label = cohort_run.wait.label if cohort_run and cohort_run.wait else None
            now_stage = (wait_label if wait_label in COHORT_STAGES else None) or (
                cohort_stage if cohort_stage != "open" else None)
            if now_stage and now_stage != stage:
                stage = now_stage
                say(clock, f"cohort run: {COHORT_STAGES.get(stage, stage)}")
            active = 0
            for tid in svc.repo.trajectory_ids():
                t, _ = svc.repo.trajectory(tid)
                if phases.get(tid) != t.phase.value:
                    phases[tid] = t.phase.value
                    mentor = f" with {svc.repo.person(t.mentor_id).name}" if t.mentor_id else ""
                    say(clock, f"traject {tid} ({svc.repo.person(t.mentee_id).name}): {t.phase.label}{mentor}")
                # Ended in the database and the run finished (its closing mail sent); the API is asked
                # only then, and no more once it said so.
                if tid not in completed and t.phase.ended and svc.runs.state(tid) == "COMPLETED":
                    completed.add(tid)
                active += tid not in completed
            active += not hao.done()
            if cohort_stage != "matched":
                active += 1
            return active

        while True:
            try:
                active = play_round()
            except Exception as exc:  # Prefect or the portal restarting: everyone tries again next round
                if time.monotonic() - last_trouble > 10:
                    print(f"round failed ({type(exc).__name__}: {str(exc)[:120]}); the next round goes on",
                          flush=True)
                    last_trouble = time.monotonic()
                active = 1
            if not active:
                break
            if time.monotonic() - started > DEADLINE_SECONDS:
                print("The demo did not finish in time; see the logs in", stack.logs, file=sys.stderr)
                return 1
            time.sleep(0.5)
        stop_chaos()
        sweep_now()  # deliver what is left
        elapsed = time.monotonic() - started
        if on_started is None:
            # Tall enough for every run of the demo: the list scrolls inside the page, so full_page alone stops short.
            screenshot(f"{stack.ui_url}/runs", ROOT / "var" / "screenshots" / "prefect-runs.png", height=3600,
                       wait_for_text="·")
        summary = summarize(svc, elapsed)
        summary["hao"] = hao.summary()
        (home / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        from administration.report import cohort_report_html  # the kring's report (issue 10.5)

        (home / "kringrapport.html").write_text(cohort_report_html(svc, plan.id), encoding="utf-8")
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        print(f"Done in {elapsed:.0f}s. Mail: {home / 'maildir'}")
        print(f"Export: MENTORSCHAP_DATABASE_URL=sqlite:///{home.relative_to(ROOT) / 'mentorschap.db'} "
              ".venv/bin/mentorschap export")
        if sys.stdin.isatty() and on_started is None:
            print(f"The Prefect UI stays up at {stack.ui_url}; Ctrl-C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return 0
    finally:
        stop_chaos()
        stack.stop_all()
        own.close()


COHORT_STAGES = {
    "mentors-closed": "members invited; waits until mentor applications close",
    "training": "mentor applications closed, training invitations sent; waits for the attendance",
    "mentees-closed": "attendance recorded; waits until mentee applications close",
    "approval": "matching proposed (artifact in the Prefect UI); waits for the facilitator's approval",
    "approved": "proposal approved", "matched": "every approved mentee has a mentor; the cohort run ends",
}


def summarize(svc: Services, elapsed: float) -> dict:
    from collections import Counter

    rows = svc.outbox.rows()
    templates = Counter(r["template"] for r in rows)
    changed: Counter[str] = Counter()  # meetings a participant moved or called off (their invitation's link)
    for tid in svc.repo.trajectory_ids():
        for match in svc.repo.trajectory(tid)[0].matches:
            for m in match.meetings:
                if m.changed_by in (Role.MENTEE, Role.MENTOR):
                    kind = "called_off" if m.status is MeetingStatus.CANCELLED else "moved"
                    changed[f"{kind}_by_{m.changed_by.value}"] += 1
    revised = sum(1 for tid in svc.repo.trajectory_ids() for m in svc.repo.trajectory(tid)[0].matches
                  if m.plan is not None and m.plan.version > 1)
    out: dict[str, Any] = {"seconds": round(elapsed, 1), "messages": len(rows), "meetings_changed": dict(changed),
                           "plans_revised": revised,
                           "by_template": dict(sorted(templates.items())), "trajectories": []}
    for tid in svc.repo.trajectory_ids():
        t, _ = svc.repo.trajectory(tid)
        wakes = svc.run_store.wakes(Subject.trajectory(tid))
        out["trajectories"].append({"id": tid, "phase": t.phase.value, "matches": len(t.matches),
                                    "meetings_held": len(t.match.held_meetings()) if t.match else 0,
                                    "wake_ups": wakes})
    return out


if __name__ == "__main__":
    sys.exit(main())
