"""The timer sweep: the one place where time moves trajectories on.

Runs on a schedule. It delivers mail left pending (SMTP down, a crashed sender),
starts runs that were never started, and wakes each suspended run that has
something due (a reminder, a request, an evaluation) or whose database changed
after it began to wait (a wake-up lost to a crash or a race). A run is only woken
while it waits at the key the database names.
"""

from __future__ import annotations

import logging

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from domain.timing import due_evaluation, due_notices
from flows.common import notice_message
from mentorschap.bootstrap import services
from tasks.messages import _run
from tasks.store import Snapshot

log = logging.getLogger(__name__)


@task(name="deliver pending mail", cache_policy=NO_CACHE)
def deliver_pending(limit: int = 200) -> int:
    svc = services()
    delivered = 0
    for key in svc.outbox.pending_keys(limit):
        try:
            _run(svc.outbox.deliver(key, svc.mailer, svc.clock.now()))
            delivered += 1
        except Exception as exc:  # the next sweep tries again
            log.warning("bezorging van %s mislukt: %s", key, exc)
            break
    return delivered


@task(name="find due trajectories", cache_policy=NO_CACHE)
def find_due() -> list[tuple[int, str]]:
    """(trajectory id, why) for every run that should look again now."""
    svc = services()
    now = svc.clock.now()
    due: list[tuple[int, str]] = []
    for row in svc.repo.waits():
        if row.flow_run_id is None:
            due.append((row.trajectory_id, "start"))
            continue
        if row.changed_since_wait:
            due.append((row.trajectory_id, "changed"))
            continue
        if row.wait_key is None:
            due.append((row.trajectory_id, "crashed?"))
            continue
        t, version = svc.repo.trajectory(row.trajectory_id)
        snapshot = Snapshot(trajectory=t, version=version, now=now)
        keys = [notice_message(snapshot, n).key for n in due_notices(t, now)]
        if set(keys) - svc.outbox.known(keys):
            due.append((row.trajectory_id, "notice"))
        elif due_evaluation(t, now) is not None:
            due.append((row.trajectory_id, "evaluation"))
    return due


@task(name="wake runs", cache_policy=NO_CACHE)
def wake(due: list[tuple[int, str]]) -> int:
    svc = services()
    woken = 0
    for trajectory_id, why in due:
        if why == "start":
            svc.runs.start(trajectory_id)
            woken += 1
        elif why == "crashed?":
            woken += svc.runs.revive_if_crashed(trajectory_id)
        elif svc.runs.wake(trajectory_id, "timer", note=why):
            woken += 1
    return woken


@flow(name="timer-sweep", log_prints=True)
def timer_sweep() -> dict[str, int]:
    """Deliver pending mail and wake every trajectory with something due."""
    delivered = deliver_pending()
    due = find_due()
    woken = wake(due) if due else 0
    return {"delivered": delivered, "due": len(due), "woken": woken}


def sweep_now() -> dict[str, int]:
    """The same sweep without a flow run of its own (the demo's fast timer, the CLI)."""
    delivered = deliver_pending.fn()
    due = find_due.fn()
    return {"delivered": delivered, "due": len(due), "woken": wake.fn(due) if due else 0}
