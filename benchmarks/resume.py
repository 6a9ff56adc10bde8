"""What one wake of a trajectory costs, beside a bare Prefect suspend/resume cycle on one server.

Bare: ``_bare_flow`` served by a runner of its own with the project's ``serve`` limit; the
benchmark resumes it with ``resume_flow_run`` and waits until it is PAUSED again. Project:
the real runner and portal; mentees and mentors apply through the portal, the facilitator
chooses a mentor through the run's input (as the Prefect UI's form does) and participants
act through the links in their mail: four trajectories from matching to a proposed meeting
and one that is rematched five times (the same two wakes over and over, for the growth).

Each wake (and each bare cycle) is measured alone: CPU of the server and the runner trees,
exited flow-run processes included (``mentorschap.procs``), from just before the act until the run is
PAUSED again and its process has ended; the portal's CPU apart; the API calls the server
logged in between; the run's new task runs. The runners poll the server once a second and the
server runs its loops: that background is inside both figures, per second of wall time.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from benchmarks import _runs
from benchmarks._bare_flow import DEPLOYMENT as BARE_DEPLOYMENT
from benchmarks._participants import Inbox, Portal, meeting_date, mentee_form, mentor_form
from benchmarks._stack import BenchStack, bench_stack, runner_limit

BARE_WARMUP, BARE_CYCLES = 2, 10
HAPPY_TRAJECTORIES, REMATCHES = 4, 5
SERVER = "prefect-server"
POLL = "POST /api/deployments/get_scheduled_flow_runs"  # a runner's poll, once a second whatever happens

TARGETS = {
    "resume_cpu_ratio": ("<=", 1.0),
    "task_runs_per_wake": ("<=", 4),
    "signoff_p95_seconds": ("<=", 3),
    "replay_growth": ("<=", 1.2),
}


@dataclass
class Wake:
    what: str
    cpu: float  # server + runner (+ flow-run processes), seconds
    server_cpu: float  # of which the server's
    portal_cpu: float
    to_suspended: float  # act (POST or resume call) -> the run's next PAUSED state, seconds
    to_mail: float | None  # act -> first new mail in the Maildir, seconds; None when none came
    api_calls: Counter[str]
    task_runs: Counter[str] = field(default_factory=Counter)


def measure(b: BenchStack, runner: str, run_id: UUID, act: Callable[[], float], inbox: Inbox | None,
            what: str) -> Wake:
    """Do ``act`` (it returns the instant it acted) on a suspended, idle stack; wait until suspended again."""
    before_state = _runs.state(run_id)
    b.wait_idle(runner)
    if inbox is not None:
        inbox.new()
    log = b.api_log_size()
    portal_before = b.cpu("portal") if "portal" in b.stack.procs else 0.0
    server_before, runner_before = b.cpu(SERVER), b.cpu(runner)
    acted = act()
    suspended, reads = _runs.wait_suspended(run_id, b.pid(runner), before_state.id)
    b.wait_idle(runner)
    server_cpu, runner_cpu = b.cpu(SERVER) - server_before, b.cpu(runner) - runner_before
    portal_cpu = (b.cpu("portal") - portal_before) if "portal" in b.stack.procs else 0.0
    mails = inbox.new() if inbox is not None else []
    calls = b.api_calls(log)
    calls["GET /api/flow_runs/{id}"] -= reads  # the benchmark's own polling
    return Wake(what, server_cpu + runner_cpu, server_cpu, portal_cpu, suspended.timestamp.timestamp() - acted,
                min(m.arrived for m in mails) - acted if mails else None, +calls)


def bare_cycles(b: BenchStack) -> tuple[list[Wake], float]:
    """(the measured cycles, the idle CPU per second of server + bare runner)."""
    from prefect.deployments import run_deployment

    from adapters.prefect_api import synchronous

    b.start_runner("bare-runner", "benchmarks._bare_flow", [BARE_DEPLOYMENT], str(runner_limit()))
    run = synchronous(run_deployment(BARE_DEPLOYMENT, parameters={"rounds": BARE_WARMUP + BARE_CYCLES + 1},
                                     timeout=0))
    _runs.wait_suspended(run.id, b.pid("bare-runner"), None)
    b.wait_idle("bare-runner")
    idle = b.idle_cpu(SERVER, "bare-runner")
    cycles = []
    for n in range(BARE_WARMUP + BARE_CYCLES):
        def act(n: int = n) -> float:
            at = time.time()
            _runs.resume(run.id, {"note": f"cycle {n}"})
            return at
        cycles.append(measure(b, "bare-runner", run.id, act, None, "bare"))
    b.stack.stop("bare-runner")
    return cycles[BARE_WARMUP:], idle


class Driver:
    """The facilitator and the participants of the project's trajectories."""

    def __init__(self, b: BenchStack) -> None:
        self.b = b
        self.portal = Portal(b.portal)
        self.inbox = Inbox(b.maildir, b.svc)
        self.mentors = 0
        self.mentees = 0

    def new_mentor(self) -> int:
        self.mentors += 1
        form = mentor_form(self.mentors)
        self.portal.apply("mentor", form)
        svc = self.b.svc
        return next(p.id for p in svc.repo.mentor_pool(svc.cohort) if p.email == form["email"])

    def new_trajectory(self) -> tuple[int, str, UUID]:
        """A mentee applies; (trajectory id, mentee address, run id) once the run waits for a mentor."""
        self.mentees += 1
        form = mentee_form(self.mentees)
        known = set(self.b.svc.repo.trajectory_ids())
        self.portal.apply("mentee", form)
        tid = next(t for t in self.b.svc.repo.trajectory_ids() if t not in known)
        run_id = _runs.trajectory_run(tid)
        _runs.wait_suspended(run_id, self.b.pid("runner"), None)
        return tid, form["email"], run_id

    def choose(self, run_id: UUID, mentor_id: int) -> Wake:
        def act() -> float:
            at = time.time()
            _runs.resume(run_id, {"woken_by": "facilitator", "note": "", "mentor_id": mentor_id})
            return at
        return self._measure(run_id, act, "facilitator: mentor")

    def participant(self, run_id: UUID, tid: int, to: str, action: str, form: dict[str, str]) -> Wake:
        link = self.inbox.link(to, action, tid)
        self.portal.open(link)

        def act() -> float:
            at = time.time()
            self.portal.act(link, form)
            return at
        return self._measure(run_id, act, f"{to.split('@')[0].rstrip('0123456789')}: {action}")

    def _measure(self, run_id: UUID, act: Callable[[], float], what: str) -> Wake:
        tasks_before = _runs.task_runs(run_id)
        wake = measure(self.b, "runner", run_id, act, self.inbox, what)
        wake.task_runs = _runs.task_runs(run_id) - tasks_before
        return wake


def happy_path(d: Driver) -> list[Wake]:
    """Matching, both agree, the plan, both sign, the first meeting proposed: 7 wakes, 6 portal acts."""
    mentor_id = d.new_mentor()
    tid, mentee, run_id = d.new_trajectory()
    mentor = d.b.svc.repo.person(mentor_id).email
    plan = {"goals": "Grenzen stellen\nEigen stijl", "text": "Eén A4 met mijn plan."}
    return [
        d.choose(run_id, mentor_id),
        d.participant(run_id, tid, mentee, "kennismaking", {"agree": "yes"}),
        d.participant(run_id, tid, mentor, "kennismaking", {"agree": "yes"}),
        d.participant(run_id, tid, mentee, "plan", plan),
        d.participant(run_id, tid, mentee, "sign", {}),
        d.participant(run_id, tid, mentor, "sign", {}),
        d.participant(run_id, tid, mentee, "propose", meeting_date(d.b.svc.clock)),
    ]


def rematches(d: Driver, rounds: int) -> list[Wake]:
    """The facilitator proposes a mentor and the mentee declines, ``rounds`` times, then a last proposal."""
    mentor_ids = [d.new_mentor() for _ in range(rounds + 1)]
    tid, mentee, run_id = d.new_trajectory()
    wakes = []
    for n, mentor_id in enumerate(mentor_ids):
        wakes.append(d.choose(run_id, mentor_id))
        if n < rounds:
            wakes.append(d.participant(run_id, tid, mentee, "kennismaking",
                                       {"agree": "no", "reason": "Onze leerdoelen sluiten niet aan."}))
    return wakes


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


# ``MENTORSCHAP_BENCH_WARM_START=1``: the project's runner with the warm start (issue 8.8); the figures
# then carry the suffix ``_warm`` (target for the ratio: 0.5).
WARM = os.environ.get("MENTORSCHAP_BENCH_WARM_START") == "1"
if WARM:
    TARGETS = {f"{key}_warm": bound for key, bound in TARGETS.items()} | {"resume_cpu_ratio_warm": ("<=", 0.5)}


def run() -> dict[str, float | int]:
    figures_ = measured()
    return {f"{key}_warm": value for key, value in figures_.items()} if WARM else figures_


def measured() -> dict[str, float | int]:
    load = os.getloadavg()[0]
    with bench_stack("resume", project=False, env={"MENTORSCHAP_WARM_START": "1"} if WARM else None) as b:
        bare, bare_idle = bare_cycles(b)  # alone on the server: the project's runner is not up yet
        b.start_project()
        b.wait_idle("runner")
        idle = b.idle_cpu(SERVER, "runner")
        d = Driver(b)
        wakes: list[Wake] = []
        for _ in range(HAPPY_TRAJECTORIES):
            wakes += happy_path(d)
        long = rematches(d, REMATCHES)
        wakes += long
    return {**figures(bare, wakes, long), "bare_idle_cpu_per_second": round(bare_idle, 3),
            "idle_cpu_per_second": round(idle, 3), "resume_load_average": round((load + os.getloadavg()[0]) / 2, 2)}


def figures(bare: list[Wake], wakes: list[Wake], long: list[Wake]) -> dict[str, float | int]:
    bare_cpu = statistics.mean(w.cpu for w in bare)
    wake_cpu = statistics.mean(w.cpu for w in wakes)
    acts = [w for w in wakes if not w.what.startswith("facilitator")]
    signoff = [w.to_mail for w in acts if w.to_mail is not None]
    tasks: Counter[str] = sum((w.task_runs for w in wakes), Counter())
    calls: Counter[str] = sum((w.api_calls for w in wakes), Counter())
    bare_calls: Counter[str] = sum((w.api_calls for w in bare), Counter())
    out: dict[str, float | int] = {
        "bare_cycles": len(bare),
        "bare_cpu_seconds_per_cycle": round(bare_cpu, 3),
        "bare_resume_to_suspended_p50_seconds": round(statistics.median(w.to_suspended for w in bare), 3),
        "bare_api_calls_per_cycle": round((sum(bare_calls.values()) - bare_calls[POLL]) / len(bare), 1),
        "wakes": len(wakes),
        "portal_acts": len(acts),
        "wake_cpu_seconds": round(wake_cpu, 3),
        "wake_server_cpu_seconds": round(statistics.mean(w.server_cpu for w in wakes), 3),
        "bare_server_cpu_seconds_per_cycle": round(statistics.mean(w.server_cpu for w in bare), 3),
        "wake_portal_cpu_seconds": round(statistics.mean(w.portal_cpu for w in acts), 3),
        "resume_cpu_ratio": round(wake_cpu / bare_cpu, 2),
        "task_runs_per_wake": round(sum(tasks.values()) / len(wakes), 1),
        "api_calls_per_wake": round((sum(calls.values()) - calls[POLL]) / len(wakes), 1),
        "act_to_suspended_p50_seconds": round(statistics.median(w.to_suspended for w in acts), 3),
        "signoff_acts": len(signoff),
        "signoff_p50_seconds": round(percentile(signoff, 0.5), 3),
        "signoff_p95_seconds": round(percentile(signoff, 0.95), 3),
        "replay_growth": round(sum(w.cpu for w in long[-3:]) / sum(w.cpu for w in long[:3]), 2),
    }
    print("  per cycle/wake: CPU s (of which server), portal CPU s, to suspended s, to mail s, API calls, task runs")
    for w in [*bare, *wakes]:
        mail = f"{w.to_mail:.2f}" if w.to_mail is not None else "-"
        print(f"    {w.what:<26} {w.cpu:5.2f} ({w.server_cpu:4.2f}) {w.portal_cpu:5.2f} {w.to_suspended:5.2f} "
              f"{mail:>5} {sum(w.api_calls.values()) - w.api_calls[POLL]:4} {sum(w.task_runs.values()):3}")
    print("  task runs per wake by task:",
          ", ".join(f"{name} {n / len(wakes):.1f}" for name, n in tasks.most_common()))
    print("  API calls per wake by route:",
          ", ".join(f"{route} {n / len(wakes):.1f}" for route, n in calls.most_common()))
    print("  API calls per bare cycle by route:",
          ", ".join(f"{route} {n / len(bare):.1f}" for route, n in bare_calls.most_common()))
    return out
