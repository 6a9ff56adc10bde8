"""What waiting costs: processes and server memory with 100 trajectories suspended.

A suspended run should hold no process: 100 mentees apply through the portal, their runs
start, send the confirmation and suspend for the facilitator's choice. Once every run is
PAUSED and the runner has no child, ``idle_processes`` counts the processes of ours beside
the server, runner, portal and SMTP server: their descendants, and any process whose
environment names this stack's PREFECT_HOME (an orphan that escaped its parent). Also the
resident memory of each of the four, the CPU they use per second while all wait, and the CPU
one run's start (apply to suspended) cost, averaged over the 100.
"""

from __future__ import annotations

import time

from benchmarks import _runs
from benchmarks._participants import Portal, mentee_form
from benchmarks._stack import bench_stack
from mentorschap import procs

WAITING = 100
STUCK_SECONDS = 300
ROOTS = ("prefect-server", "runner", "portal", "smtp")
MB = 1024 * 1024

TARGETS = {"idle_processes": ("<=", 0)}


def run() -> dict[str, float | int]:
    from prefect.client.schemas.objects import StateType

    with bench_stack("idle") as b:
        b.wait_idle("runner")
        empty_rss = procs.rss_bytes(b.pid("prefect-server"))
        cpu_before = b.cpu("prefect-server", "runner")
        started = time.monotonic()
        portal = Portal(b.portal)
        for n in range(1, WAITING + 1):
            portal.apply("mentee", mentee_form(n))
        paused, progress = 0, time.monotonic()
        while paused < WAITING:  # as long as runs keep suspending: a busy machine is slow, not stuck
            time.sleep(3)
            runs = _runs.trajectory_runs()
            now_paused = sum(kind is StateType.PAUSED for _, kind in runs.values())
            if now_paused > paused:
                paused, progress = now_paused, time.monotonic()
            elif time.monotonic() - progress > STUCK_SECONDS:
                raise TimeoutError(f"only {paused} of {WAITING} runs suspended; none for {STUCK_SECONDS}s")
        b.wait_idle("runner")
        fill_seconds = time.monotonic() - started
        start_cpu = (b.cpu("prefect-server", "runner") - cpu_before) / WAITING
        time.sleep(2)
        stats = procs.all_stats()
        roots = {b.pid(name) for name in ROOTS}
        ours = {s.pid for root in roots for s in procs.tree(root, stats)}
        ours |= set(procs.with_environment("PREFECT_HOME", b.stack.env["PREFECT_HOME"]))
        extra = sorted(ours - roots)
        for pid in extra:
            print(f"  still alive: {pid} {_cmdline(pid)}")
        idle = b.idle_cpu("prefect-server", "runner")
        rss = {name: procs.rss_bytes(b.pid(name)) / MB for name in ROOTS}
        trajectories = len(b.svc.repo.trajectory_ids())
    return {
        "waiting_trajectories": paused,
        "trajectories_in_database": trajectories,
        "idle_processes": len(extra),
        "server_rss_mb_empty": round(empty_rss / MB, 1),
        "server_rss_mb": round(rss["prefect-server"], 1),
        "runner_rss_mb": round(rss["runner"], 1),
        "portal_rss_mb": round(rss["portal"], 1),
        "smtp_rss_mb": round(rss["smtp"], 1),
        "idle_cpu_per_second_waiting": round(idle, 3),
        "start_cpu_seconds": round(start_cpu, 2),
        "start_all_seconds": round(fill_seconds, 1),
    }


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")[:120]
    except OSError:
        return "?"
