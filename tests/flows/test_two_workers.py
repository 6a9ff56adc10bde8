"""Production's parts (issue 11.3): PostgreSQL for Prefect and for us, the deployments registered to one
process work pool, two workers as on two machines (own PREFECT_HOME and temp folder), and two mentee
trajectories driven through the portal from application to closure. Prefect's server, the deploy step,
the workers and the portal start with the command lines of deploy/systemd's units (tests/units.py).

The participants and the facilitator are the demo's simulated people (they read the Maildir and act
through the portal and the runs' input forms) on a clock at four days a second, so nine months take
about 70 seconds. The figures (wakes per worker, a wake's seconds and a worker's memory) are printed
for the README's "what one worker carries".
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import re
import shutil
import signal
import socket
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mentorschap import procs
from mentorschap.stack import (
    ROOT,
    Stack,
    flow_run_processes,
    free_port,
    project_env,
    stack_environment,
    wait_http,
)
from tests.postgres import cluster, database
from tests.stack import AUTH, flush_prefect_client, svc, warm_start
from tests.units import Units

pytestmark = pytest.mark.slow

POOL = "mentorschap"
COHORT = "zob-2021"
WORKERS = ("worker-a", "worker-b")
MB = 2**20
DAYS_PER_SECOND = 4
STANDSTILL_SECONDS = 30  # the clock stands still this long after the portal starts, for the applications
PERSON = {"phone": "040-2123456", "street": "Hoogstraat 12", "city": "Eindhoven", "consent": "on", "language": "nl"}
MENTORS = [
    {"name": "Dr. Anneke van Dijk", "email": "anneke@example.org", "practice_name": "Praktijk Strijp",
     "postcode": "5615 PA", "years_experience": "20", "topics": "praktijkvoering", "capacity": "1"},
    {"name": "Dr. Pieter Janssens", "email": "pieter@example.org", "practice_name": "Praktijk Geldrop",
     "postcode": "5664 HK", "years_experience": "15", "topics": "leidinggeven", "capacity": "1"},
]
MENTEES = [
    {"name": "Sanne de Vries", "email": "sanne@example.org", "practice_name": "Huisartsen Veldhoven",
     "postcode": "5504 HB", "years_experience": "2", "learning_goals": "grenzen stellen"},
    {"name": "Youssef el Amrani", "email": "youssef@example.org", "practice_name": "Praktijk Nuenen",
     "postcode": "5671 GE", "years_experience": "3", "learning_goals": "associëren"},
]
SUBMITTING = re.compile(r"Worker '[\w.-]+' submitting flow run '([0-9a-f-]{36})'")
NOT_RUN = re.compile(r"Aborted submission of flow run '([0-9a-f-]{36})'")  # another worker had taken it


@pytest.fixture(scope="module")
def stack():
    home = ROOT / "var" / "tests" / f"workers-{os.getpid()}"
    shutil.rmtree(home, ignore_errors=True)
    smtp_port, portal_port = free_port(), free_port()
    with cluster() as admin:
        prefect_db = database(admin, "prefect").replace("+psycopg", "+asyncpg")  # Prefect's server: asyncpg
        env = {**project_env(home, smtp_port, portal_port, "test-secret-for-two-workers", 60,
                             "2021-01-18T08:00:00+00:00", DAYS_PER_SECOND * 86400),
               "MENTORSCHAP_DATABASE_URL": database(admin, "mentorschap"),
               "MENTORSCHAP_VAR_DIR": str(home / "var"),
               "MENTORSCHAP_WORK_POOL": POOL,
               # 30 days are 7.5 s at this speed: on a loaded machine a link could lapse between the run
               # that rendered it and the participant's click (the demo's people do not ask again).
               "MENTORSCHAP_LINK_VALID_DAYS": "3650",
               "PREFECT_API_DATABASE_CONNECTION_URL": prefect_db,
               # Production's services: a run left Late or Pending by a killed worker is seen again.
               "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "true",
               "PREFECT_SERVER_SERVICES_FOREMAN_ENABLED": "true",
               "PREFECT_WORKER_QUERY_SECONDS": "1",
               **warm_start()}  # make test: the workers' runs fork from their preloaded forkservers
        s = Stack.create(home, env, auth=AUTH)
        from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

        try:
            s.start_mailserver(home / "maildir", smtp_port)
            # Production's parts, each started by its unit's own command line (tests/units.py).
            units = Units(s, home, ports={8100: portal_port})
            s.units = units  # type: ignore[attr-defined]
            wait_http(s.api_url + "/health", timeout=120, proc=units.start("prefect-server.service"))
            units.run("mentorschap-deploy.service")  # our schema migrated, the deployments registered to POOL
            # The clock stands still at the start until the applications are in (the window closes that day).
            s.env["MENTORSCHAP_CLOCK_ANCHOR"] = (datetime.now(UTC) + timedelta(seconds=STANDSTILL_SECONDS)).isoformat()
            # stack_environment builds our schema, once, before the portal and the flow runs open the database.
            with stack_environment(s.env), temporary_settings(updates={PREFECT_API_URL: s.api_url,
                                                                       PREFECT_API_AUTH_STRING: AUTH}):
                units.start("mentorschap-portal.service", name="portal")
                wait_http(f"http://127.0.0.1:{portal_port}/portal.css", timeout=60, proc=s.procs["portal"])
                s.portal = f"http://127.0.0.1:{portal_port}"  # type: ignore[attr-defined]
                s.maildir = home / "maildir"  # type: ignore[attr-defined]
                yield s
        finally:
            flush_prefect_client()
            for worker in WORKERS:  # the test stopped them itself; after a failure, 2 s of grace
                s.stop(worker, timeout=2)
            s.stop_all()


def alive(pid: int) -> bool:
    """Running, not a zombie (an exited process nobody reaped yet: a container's first process may not)."""
    return (found := procs.stat(pid)) is not None and found.state != "Z"


class Sampler:
    """Each worker's memory, and per flow-run process (one wake, a cohort step or a sweep: a worker's child,
    or with the warm start its forkserver's) how long it held a slot, its memory and CPU (its own children
    counted), sampled every half second."""

    def __init__(self, stack: Stack) -> None:
        self.pids = {name: stack.procs[name].pid for name in WORKERS}
        self.worker_rss = dict.fromkeys(WORKERS, 0.0)
        self.runs: dict[int, dict[str, float]] = {}  # child pid -> first, last, rss, cpu
        self.started = Counter[bool]()  # new runs by whether the worker started them itself (not its forkserver)

    def sample(self) -> None:
        now = time.monotonic()
        stats = procs.all_stats()  # one reading of /proc per sample
        for name, pid in self.pids.items():
            runs = flow_run_processes(pid)
            resident = [s for s in stats.values() if s.pid == pid or (s.ppid == pid and s.pid not in runs)]
            self.worker_rss[name] = max(self.worker_rss[name], sum(s.rss for s in resident) / MB)  # with its forkserver
            for child in runs:
                if child not in self.runs:  # unknown (it had ended) counts as forked
                    self.started[child in stats and stats[child].ppid == pid] += 1
                tree = procs.tree(child, stats)
                run = self.runs.setdefault(child, {"first": now, "last": now, "rss": 0.0, "cpu": 0.0})
                run["last"] = now
                run["rss"] = max(run["rss"], sum(s.rss for s in tree) / MB)
                run["cpu"] = max(run["cpu"], sum(s.own for s in tree))

    def figures(self) -> str:
        done = [r for r in self.runs.values() if r["last"] > r["first"]]
        if not done:
            return "no flow-run process seen"

        def median(key: str) -> float:
            values = sorted(r["last"] - r["first"] if key == "held" else r[key] for r in done)
            return values[len(values) // 2]

        return (f"{len(done)} flow-run processes: a slot held p50 {median('held'):.1f}s, "
                f"CPU p50 {median('cpu'):.1f}s, RSS p50 {median('rss'):.0f} MB (max {max(r['rss'] for r in done):.0f})")


def kick_off(stack: Stack) -> str:
    """The cohort deployment's run, with the plan its schedule gives it moved to now (the clock's)."""
    from prefect.deployments import run_deployment

    from deployments.cohorts import declared_cohorts

    now = svc().clock.now()
    plan = next(p for p in declared_cohorts() if p.id == COHORT).model_copy(update={
        "opens_at": now, "mentor_deadline": now + timedelta(days=3650), "training_at": now + timedelta(days=3651),
        "mentee_deadline": now + timedelta(days=3652)})
    run = run_deployment(f"cohort/{COHORT}", parameters={"plan": plan.model_dump(mode="json")}, timeout=0)
    return str(run.id)


def apply(portal: str, role: str, person: dict) -> None:
    response = httpx.post(f"{portal}/apply?role={role}", data={**PERSON, **person}, timeout=30)
    assert response.status_code == 200, response.text[-500:]


def mails(maildir: Path) -> list[email.message.EmailMessage]:
    box = mailbox.Maildir(maildir, create=True)
    return [email.message_from_bytes(box.get_bytes(k), policy=email.policy.default) for k in box.iterkeys()]


@pytest.mark.timeout(900)
def test_two_workers_carry_two_trajectories_to_closure(stack):
    from demo.inbox import Inbox
    from demo.people import Facilitator, Participants
    from domain.waits import Subject
    from flows.sweep import sweep_now

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    for mentor in MENTORS:
        apply(stack.portal, "mentor", mentor)
    for mentee in MENTEES:
        apply(stack.portal, "mentee", mentee)
    tids = svc().repo.trajectory_ids()
    assert len(tids) == 2
    # Their runs wait for a worker: two start, as on two machines.
    for name in WORKERS:
        stack.units.start("mentorschap-worker@.service", instance=name, name=name)
    # A cohort's kickoff runs on a worker too (its plan a parameter: a warm kickoff once failed to validate
    # it, deployments.warm.flow_of): it opens the window and waits for the mentors' deadline, years ahead.
    kickoff = kick_off(stack)
    mentors = {p.email: p.id for p in svc().repo.mentor_pool(svc().cohort)}
    chosen = dict(zip(tids, [mentors[m["email"]] for m in MENTORS], strict=True))

    participants = Participants(svc(), {})
    participants.sign_page_shot = True  # no browser here
    facilitator = Facilitator(svc(), {}, svc().cohort)
    inbox = Inbox(stack.maildir)
    sampler = Sampler(stack)
    matched: set[int] = set()
    ended: set[int] = set()
    last_sweep = 0.0
    deadline = time.monotonic() + 540  # measured 270-390 s on two cores shared at load 5-15
    while ended != set(tids):
        assert time.monotonic() < deadline, f"not ended in time: {[svc().repo.trajectory(t)[0].phase for t in tids]}"
        for tid in set(tids) - matched:  # the facilitator's MentorChoice on the waiting run, as the UI sends it
            _, key = svc().runs.waiting_at(tid)
            if key is not None and key.label == "matching" and svc().runs.wake(
                    tid, "facilitator", extra={"mentor_id": chosen[tid]}):
                matched.add(tid)
        mail = inbox.new()
        participants.read_mail(mail)
        participants.act_when_due()
        facilitator.act()
        if time.monotonic() - last_sweep > 2:  # as the timer sweep's schedule would, more often
            sweep_now()
            last_sweep = time.monotonic()
        for tid in set(tids) - ended:
            if svc().repo.trajectory(tid)[0].phase.ended and svc().runs.state(tid) == "COMPLETED":
                ended.add(tid)
        sampler.sample()
        time.sleep(0.5)
    elapsed = time.monotonic() - started

    # Every trajectory ended at its closure, every message once.
    for tid in tids:
        t, _ = svc().repo.trajectory(tid)
        assert t.phase.value == "closed", (tid, t.phase)
    message_ids = [m["Message-ID"] for m in mails(stack.maildir)]
    assert len(message_ids) == len(set(message_ids)), "a message was sent twice"

    _, waits_at = svc().cohort_runs.waiting_at(COHORT)
    assert waits_at is not None and waits_at.label == "mentors-closed", (kickoff, svc().cohort_runs.state(COHORT))

    # Both workers executed trajectory runs (a resumed run is submitted anew each wake, by either worker).
    runs = {svc().run_store.flow_run_id(Subject.trajectory(tid)) for tid in tids}
    submitted: Counter[str] = Counter()
    for name in WORKERS:
        log = (stack.logs / f"{name}.log").read_text(errors="replace")
        tried, not_run = Counter(SUBMITTING.findall(log)), Counter(NOT_RUN.findall(log))
        submitted[name] = sum(max(0, tried[run] - not_run[run]) for run in runs)
    print(f"\ntwo workers: {elapsed:.0f}s from application to closure; trajectory submissions {dict(submitted)}; "
          f"wakes {sum(svc().run_store.wakes(Subject.trajectory(t)) for t in tids)}; messages {len(message_ids)}; "
          f"{sampler.figures()}; worker RSS MB {({k: round(v) for k, v in sampler.worker_rss.items()})}; "
          f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}; {dict(sampler.started)} runs started by the worker "
          "itself (True) or forked by its forkserver (False)")
    assert all(submitted[name] > 0 for name in WORKERS), submitted
    # A stop (systemctl's SIGTERM to the worker) ends a worker that has run flows in seconds, its forkserver
    # with it: Prefect's own signal handling left it running until systemd's SIGKILL, 30 s later.
    for name in WORKERS:
        worker = stack.procs[name]
        children = [s.pid for s in procs.tree(worker.pid)[1:]]
        stopped = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0
        while any(map(alive, children)) and time.monotonic() - stopped < 15:
            time.sleep(0.2)
        assert not [pid for pid in children if alive(pid)], name
        assert f"Worker '{socket.gethostname()}-{name}' stopped!" in (stack.logs / f"{name}.log").read_text()
    if stack.env.get("MENTORSCHAP_WARM_START") == "1":  # the runs forked from the workers' forkservers
        assert sampler.started[False] > 0 and sampler.started[True] == 0, sampler.started
    else:
        assert sampler.started[True] > 0, sampler.started
