"""The timer sweep: the one place where time moves trajectories on.

Runs on a schedule. It delivers mail left pending (SMTP down, a crashed sender) and
sends the timed notices (reminders, escalations, the topics request before and the
confirmation request after a meeting) itself: they change no state, so waking a run
for each would only cost a process start. It wakes a suspended run when its phase
must change (an evaluation is due, a cohort's deadline passed) or when the database
changed after it began to wait (a wake-up lost to a crash or a race), starts runs never
started, and reschedules crashed or stuck ones: one rule set for every kind of run,
programme B's included. A run is only woken while it waits at the key the database names.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from adapters.mail import MailServerUnavailable, TemporaryMailError
from domain.timing import due_evaluation
from domain.waits import RunKind, RunState, Subject, Why
from tasks.artifacts import publish_board
from tasks.mail import run
from tasks.notices import send_digest, send_notices
from tasks.owed import send_owed
from tasks.report import publish_report, report_cohorts
from tasks.runs import Conditions, act_on, due_runs, revive_left_behind
from wiring.bootstrap import Services, run_services

log = logging.getLogger(__name__)


@task(name="deliver pending mail", cache_policy=NO_CACHE)
def deliver_pending(svc: Services, limit: int = 200) -> int:
    """Send what is due (its backoff over, or left by a crashed sender); returns how many went out.

    A message the server will not take now waits out its backoff while the others go on; a server
    that is down, slow or refusing us ends the round (every message would wait for its timeout).
    Logs carry the kind of error only: a server's answer may quote an address.
    """
    delivered = 0
    for key in svc.outbox.pending_keys(limit, now=svc.clock.now()):  # also what a crashed sender left
        try:
            delivered += run(svc.outbox.deliver(key, svc.mailer, svc.clock.now())) == "sent"
        except MailServerUnavailable as exc:
            log.warning("mailserver niet bereikbaar (%s): de volgende ronde probeert het opnieuw", exc.code)
            break
        except TemporaryMailError as exc:
            log.warning("bezorging van een bericht uitgesteld (%s)", exc.code)
        except Exception as exc:  # our database busy, say: the next round tries again
            log.warning("bezorging onderbroken (%s)", type(exc).__name__)
            break
    return delivered


def due(svc: Services, row: RunState, now: datetime) -> bool:
    """Whether the clock made a run's wait due: an evaluation of a trajectory, a cohort's deadline."""
    if row.subject.kind is RunKind.TRAJECTORY:
        return due_evaluation(svc.repo.trajectory(row.subject.number)[0], now) is not None
    if row.subject.kind is RunKind.COHORT and row.wait is not None:
        plan = svc.cohorts.plan(row.subject.id)
        deadline = plan.deadline(row.wait.label) if plan is not None else None
        return deadline is not None and now >= deadline
    return False


def start(svc: Services, subject: Subject) -> None:
    """Start the run of a trajectory that has none yet (the portal's start failed or was lost)."""
    if subject.kind is RunKind.TRAJECTORY:
        svc.runs.start(subject.number)
    else:
        svc.hao.start(svc.hao.repo.trajectory(subject.number)[0])


def due_and_start(svc: Services) -> tuple[Callable[[RunState, datetime], bool], Callable[[Subject], None]]:
    """``due`` and ``start`` for these services, as ``tasks.runs`` calls them."""
    return (lambda row, now: due(svc, row, now)), (lambda subject: start(svc, subject))


def find_due(svc: Services, conditions: Conditions | None = None,
             kinds: tuple[RunKind, ...] = tuple(RunKind)) -> list[tuple[str, str]]:
    """(subject id, why) of every run the sweep acts on now; ``conditions`` as Prefect shows the runs."""
    return [(row.subject.id, why.value) for row, why in due_runs(svc, kinds, due_and_start(svc)[0], conditions)]


@task(name="wake runs", cache_policy=NO_CACHE)
def wake(svc: Services, kinds: tuple[RunKind, ...] = tuple(RunKind)) -> dict[str, int]:
    """Start, wake and revive every kind of run by the one rule set (``domain.waits.why_wake``).

    Counts: ``woken`` (started, woken, nudged), ``revived`` (crashed or stuck), and ``waits_overdue``:
    runs found due that could not be acted on this round (Prefect refused or was away).
    """
    is_due, start_run = due_and_start(svc)
    found = due_runs(svc, kinds, is_due)
    counts = act_on(svc, found, start_run)
    revived = counts.pop(Why.REVIVE.value, 0)
    woken = sum(counts.values())
    return {"woken": woken, "revived": revived + revive_left_behind(svc),
            "waits_overdue": len(found) - woken - revived}


STATUS_LABELS = {
    "mail_pending": "post wachtend / mail pending",
    "mail_oldest_pending_minutes": "oudste wachtende post, minuten / oldest pending, minutes",
    "mail_failed": "post geweigerd (5xx) / mail refused: `mentorschap mail failed`",
    "woken": "runs gestart of gewekt (deze ronde) / runs started or woken",
    "revived": "runs hersteld (deze ronde) / runs revived",
    "waits_overdue": "te wekken, niet gelukt (deze ronde) / waits overdue",
}
RUN_FIGURES = ("woken", "revived", "waits_overdue")


def publish_status(svc: Services, figures: dict[str, int]) -> bool:
    """The sweep's figures as a table artifact ``sweep-status`` (numbers only, no names), a new version only
    when one changed: the mail still waiting, its oldest age and the refused, and this round's runs."""
    now = svc.clock.now()
    shown = {**svc.outbox.figures(now), **{k: figures.get(k, 0) for k in RUN_FIGURES}}
    rows = [{"cijfer": STATUS_LABELS[name], "waarde": value} for name, value in shown.items()]
    about = "Timer-sweep: post en runs (alleen aantallen; `mentorschap status` op de opdrachtregel)"
    return svc.artifacts.table("sweep-status", rows, about, now)


@flow(name="timer-sweep", log_prints=True)
def timer_sweep() -> dict[str, int]:
    """Deliver pending mail and start, wake or revive every run with something due (both programmes)."""
    with run_services() as svc:
        delivered = deliver_pending(svc)
        owed = send_owed(svc)
        notices = send_notices(svc)
        runs = wake(svc)
        cohorts = svc.repo.cohorts("peer")
        boards = sum(publish_board(svc, cohort) for cohort in cohorts)
        digests = sum(send_digest(svc, cohort) for cohort in cohorts)
        reports = sum(publish_report(svc, cohort) for cohort in report_cohorts(svc))
        figures = {"delivered": delivered, "owed": owed, "notices": notices, **runs, "boards": boards,
                   "digests": digests, "reports": reports}
        figures["status"] = int(publish_status(svc, figures))
        return figures


def sweep_now() -> dict[str, int]:
    """The same sweep without a flow run of its own (the demo's fast timer, the CLI).

    Each part stands alone: a Prefect server or SMTP server that is restarting fails the part
    that needs it for this round, never the caller (the next round tries again).
    """
    with run_services() as svc:
        figures: dict[str, int] = {}
        cohorts = svc.repo.cohorts("peer")
        parts: dict[str, Callable[[], int | dict[str, int]]] = {
            "delivered": lambda: deliver_pending.fn(svc),
            "owed": lambda: send_owed.fn(svc),
            "notices": lambda: send_notices.fn(svc),
            "woken": lambda: wake.fn(svc),
            "boards": lambda: sum(publish_board.fn(svc, cohort) for cohort in cohorts),
            "digests": lambda: sum(send_digest.fn(svc, cohort) for cohort in cohorts),
            "reports": lambda: sum(publish_report.fn(svc, cohort) for cohort in report_cohorts(svc)),
            "status": lambda: int(publish_status(svc, figures)),
        }
        for name, part in parts.items():
            try:
                result = part()
            except Exception as exc:
                log.warning("sweep: %s this round failed (%s); the next round tries again", name,
                            type(exc).__name__)
                result = dict.fromkeys(RUN_FIGURES, 0) if name == "woken" else 0
            figures.update(result if isinstance(result, dict) else {name: result})
        return figures
