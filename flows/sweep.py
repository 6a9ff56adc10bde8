"""The timer sweep: the one place where time moves trajectories on.

Runs on a schedule. It delivers mail left pending (SMTP down, a crashed sender) and
sends the timed notices (reminders, escalations, the topics request before and the
confirmation request after a meeting) itself: they change no state, so waking a run
for each would only cost a process start. It wakes a suspended run when its phase
must change (an evaluation is due) or when the database changed after it began to
wait (a wake-up lost to a crash or a race), starts runs never started, and
reschedules crashed ones. A run is only woken while it waits at the key the
database names.
"""

from __future__ import annotations

import logging

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from domain.timing import due_evaluation
from flows.cohort import wake_due_cohorts
from mentorschap.bootstrap import services
from tasks.artifacts import publish_board
from tasks.messages import _run
from tasks.notices import send_digest, send_notices

log = logging.getLogger(__name__)


@task(name="deliver pending mail", cache_policy=NO_CACHE)
def deliver_pending(limit: int = 200) -> int:
    svc = services()
    delivered = 0
    for key in svc.outbox.pending_keys(limit, now=svc.clock.now()):  # also what a crashed sender left
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
        elif row.changed_since_wait:
            due.append((row.trajectory_id, "changed"))
        elif row.wait_key is None:
            due.append((row.trajectory_id, "crashed?"))
        elif due_evaluation(svc.repo.trajectory(row.trajectory_id)[0], now) is not None:
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
    notices = send_notices()
    due = find_due()
    woken = wake(due) if due else 0
    woken += wake_due_cohorts()  # cohort runs waiting for a deadline (issue 3)
    cohorts = services().repo.cohorts("peer")
    boards = sum(publish_board(cohort) for cohort in cohorts)
    digests = sum(send_digest(cohort) for cohort in cohorts)
    return {"delivered": delivered, "notices": notices, "due": len(due), "woken": woken, "boards": boards,
            "digests": digests}


def sweep_now() -> dict[str, int]:
    """The same sweep without a flow run of its own (the demo's fast timer, the CLI)."""
    delivered = deliver_pending.fn()
    notices = send_notices.fn()
    due = find_due.fn()
    woken = wake.fn(due) if due else 0
    woken += wake_due_cohorts()  # cohort runs waiting for a deadline (issue 3)
    cohorts = services().repo.cohorts("peer")
    boards = sum(publish_board.fn(cohort) for cohort in cohorts)
    digests = sum(send_digest.fn(cohort) for cohort in cohorts)
    return {"delivered": delivered, "notices": notices, "due": len(due), "woken": woken, "boards": boards,
            "digests": digests}
