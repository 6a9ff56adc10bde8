"""The hao timer: acts on progress conversations at their due date, starts, wakes and revives hao runs,
sends the mail hao acts owed that a lagging run has not sent (``tasks.hao_owed``), and the
reminders and escalations of every hao wait (``tasks.hao_notices``), and tells whoever steers
the programme of mail a server refused (``tasks.hao_undelivered``).

At the due date (programme B's own rule) it flags fewer than two signed reports, or closes a
trajectory that met the minimum and has nothing planned or unsigned; the
waking is the one rule set every kind of run shares (``flows.sweep``). Pending mail is
delivered by the timer sweep (one outbox for both programmes). Ids only in its logs.
"""

from __future__ import annotations

import logging

from prefect import flow

from domain.hao.trajectory import Progress, as_progress
from domain.waits import HAO_KINDS
from flows.sweep import due_and_start
from tasks.hao_notices import send_hao_notices
from tasks.hao_owed import send_hao_owed
from tasks.hao_undelivered import send_hao_undelivered
from tasks.runs import act_on, due_runs
from wiring.bootstrap import Services, run_services

log = logging.getLogger(__name__)


def flag_overdue(svc: Services) -> int:
    """At the due date: flag each starting trainer with fewer than two signed reports (once), and close
    each trajectory that met the minimum and is idle; returns how many were flagged."""
    now = svc.clock.now()
    flagged = 0
    for t in svc.hao.repo.all():
        if not isinstance(t, Progress) or t.id is None or not (t.flag_due(now) or t.close_due(now)):
            continue
        flag = t.flag_due(now)
        try:
            svc.hao.repo.change(t.id, lambda t: as_progress(t).flag(now) or as_progress(t).close_at_due(now), now)
        except Exception as exc:  # one trajectory's trouble does not stop the others
            log.warning("hao sweep: trajectory %s: %s", t.id, type(exc).__name__)
            continue
        flagged += flag
    return flagged


def hao_sweep_now() -> dict[str, int]:
    with run_services() as svc:
        flagged = flag_overdue(svc)  # a flag or a close is an act: the run wakes because its trajectory changed
        due, start = due_and_start(svc)
        counts = act_on(svc, due_runs(svc, HAO_KINDS, due), start)
        owed = send_hao_owed(svc)  # what the acts owe, whether or not their runs got there
        reminded = send_hao_notices(svc)
        refused = send_hao_undelivered(svc)  # a 5xx: the address to correct, to whom it may be shown
        svc.hao.requests.purge(svc.clock.now())  # the mentor list's unconfirmed requests, by day or night
        return {"started": counts["start"], "flagged": flagged, "woken": sum(counts.values()) - counts["start"],
                "reminded": reminded, "owed": owed, "refused": refused}


@flow(name="hao-sweep", log_prints=True)
def hao_sweep() -> dict[str, int]:
    """Flag, start and wake hao trajectories (ids only in this run's logs)."""
    return hao_sweep_now()
