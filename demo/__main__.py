"""``make demo``: a small February 2021 cohort in compressed time, on the real parts.

Starts a local Prefect server (embedded SQLite), an SMTP server writing to
``var/demo/maildir``, the portal and the served deployments; fictional GPs apply
through the web form, a simulated facilitator matches them through the Prefect API,
and the simulated participants act on the links in their mail. With no terminal
on standard input it exits 0 once every trajectory has ended.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx

from demo.cast import MENTEES, MENTORS
from mentorschap.stack import ROOT, Stack, free_port

VAR = ROOT / "var" / "demo"
SIM_START = datetime(2021, 1, 18, 8, 0, tzinfo=UTC)
DAYS_PER_SECOND = float(os.environ.get("DEMO_DAYS_PER_SECOND", "1.4"))
STARTUP_SECONDS = 40
DEADLINE_SECONDS = float(os.environ.get("DEMO_DEADLINE_SECONDS", "600"))


def say(clock, text: str) -> None:  # type: ignore[no-untyped-def]
    print(f"[{clock.now():%Y-%m-%d}] {text}", flush=True)


def apply(http: httpx.Client, portal: str, role: str, person: dict) -> None:
    form = {"consent": "on", "language": "nl", **person}
    r = http.post(f"{portal}/apply?role={role}", data=form)
    r.raise_for_status()


def main() -> int:
    started = time.monotonic()
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    smtp_port, portal_port = free_port(), free_port()
    portal = f"http://127.0.0.1:{portal_port}"
    # The simulated clock stands still at SIM_START until the stack is up (about half a minute).
    anchor = datetime.now(UTC) + timedelta(seconds=STARTUP_SECONDS)
    env = {
        "MENTORSCHAP_DATABASE_URL": f"sqlite:///{VAR / 'mentorschap.db'}",
        "MENTORSCHAP_SMTP_PORT": str(smtp_port),
        "MENTORSCHAP_PORTAL_URL": portal,
        "MENTORSCHAP_SIGNING_SECRET": "demo-secret-" + anchor.isoformat(),
        "MENTORSCHAP_CLOCK_START": SIM_START.isoformat(),
        "MENTORSCHAP_CLOCK_ANCHOR": anchor.isoformat(),
        "MENTORSCHAP_CLOCK_SPEED": str(DAYS_PER_SECOND * 86400),
        "MENTORSCHAP_SWEEP_INTERVAL_SECONDS": "30",
        "MENTORSCHAP_FACILITATOR_NAME": "Majorie (procesfacilitator)",
        "MENTORSCHAP_FACILITATOR_ADDRESS": "mentorschap@huisartsenkring.example",
        "MENTORSCHAP_SENDER_ADDRESS": "mentorschap@huisartsenkring.example",
    }
    stack = Stack.create(VAR, env)
    os.environ.update(stack.env)  # this process is the facilitator's and the participants' machine
    os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
    from demo.people import Facilitator, Participants
    from flows.sweep import sweep_now
    from mentorschap.bootstrap import services

    svc = services()
    clock = svc.clock
    try:
        print(f"Starting the stack (logs in {stack.logs}) ...", flush=True)
        stack.start_mailserver(VAR / "maildir", smtp_port)
        stack.start_prefect()
        stack.start_runner()
        stack.start_portal(portal_port)
        print(f"Prefect UI: {stack.ui_url}   portal: {portal}   mail: {VAR / 'maildir'}", flush=True)
        http = httpx.Client(timeout=30)
        for person in MENTORS:
            apply(http, portal, "mentor", person)
        mentor_ids = [p.id for p in svc.repo.mentor_pool(svc.cohort)]
        say(clock, f"{len(MENTORS)} mentors applied; {len(mentor_ids)} eligible")
        for person in MENTEES:
            apply(http, portal, "mentee", person)
        mentee_index = {}
        for tid in svc.repo.trajectory_ids():
            t, _ = svc.repo.trajectory(tid)
            email = svc.repo.person(t.mentee_id).email
            mentee_index[t.mentee_id] = next(i for i, m in enumerate(MENTEES) if m["email"] == email)
        say(clock, f"{len(mentee_index)} mentees applied; one trajectory run each")
        participants = Participants(svc, VAR / "maildir", mentee_index)
        facilitator = Facilitator(svc, mentee_index, mentor_ids)
        phases: dict[int, str] = {}
        last_sweep = 0.0
        while True:
            participants.read_mail()
            participants.act_when_due()
            facilitator.act()
            if time.monotonic() - last_sweep > 1.0:
                sweep_now()
                last_sweep = time.monotonic()
            active = 0
            for tid in svc.repo.trajectory_ids():
                t, _ = svc.repo.trajectory(tid)
                if phases.get(tid) != t.phase.value:
                    phases[tid] = t.phase.value
                    say(clock, f"traject {tid} ({svc.repo.person(t.mentee_id).name}): {t.phase.label}")
                # Ended in the database and the run finished (its closing mail sent).
                active += not t.phase.ended or svc.runs.state(tid) != "COMPLETED"
            if not active:
                break
            if time.monotonic() - started > DEADLINE_SECONDS:
                print("The demo did not finish in time; see the logs in", stack.logs, file=sys.stderr)
                return 1
            time.sleep(0.3)
        sweep_now()  # deliver what is left
        elapsed = time.monotonic() - started
        summary = summarize(svc, elapsed)
        (VAR / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        print(f"Done in {elapsed:.0f}s. Mail: {VAR / 'maildir'}  Export: .venv/bin/mentorschap export")
        if sys.stdin.isatty():
            print(f"The Prefect UI stays up at {stack.ui_url}; Ctrl-C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
        return 0
    finally:
        stack.stop_all()


def summarize(svc, elapsed: float) -> dict:  # type: ignore[no-untyped-def]
    from collections import Counter

    rows = svc.outbox.rows()
    templates = Counter(r["template"] for r in rows)
    out = {"seconds": round(elapsed, 1), "messages": len(rows), "by_template": dict(sorted(templates.items())),
           "trajectories": []}
    for tid in svc.repo.trajectory_ids():
        t, _ = svc.repo.trajectory(tid)
        _, _, wakes = svc.repo.run_info(tid)
        out["trajectories"].append({"id": tid, "phase": t.phase.value, "matches": len(t.matches),
                                    "meetings_held": len(t.match.held_meetings()) if t.match else 0,
                                    "wake_ups": wakes})
    return out


if __name__ == "__main__":
    sys.exit(main())
