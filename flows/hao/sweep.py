"""The hao timer: starts runs never started, flags overdue progress conversations, wakes what changed.

Like the programme's own sweep it wakes a run only while it waits at the key the
database names; pending mail is delivered by that sweep (one outbox for both).
"""

from __future__ import annotations

import logging

from prefect import flow

from domain.hao.trajectory import Progress
from mentorschap.bootstrap import services

log = logging.getLogger(__name__)


def hao_sweep_now() -> dict[str, int]:
    svc = services()
    hao = svc.hao
    now = svc.clock.now()
    counts = {"started": 0, "flagged": 0, "woken": 0}
    for row in hao.repo.waits():
        tid = row.trajectory_id
        try:
            if row.flow_run_id is None:
                hao.start(hao.repo.trajectory(tid)[0])
                counts["started"] += 1
                continue
            t, _ = hao.repo.trajectory(tid)
            if isinstance(t, Progress) and t.flag_due(now):
                hao.repo.change(tid, lambda t: t.flag(now), now)  # type: ignore[union-attr]
                counts["flagged"] += 1
                counts["woken"] += hao.wake(tid, "timer", note="due date")
            elif row.changed_since_wait:
                counts["woken"] += hao.wake(tid, "timer", note="changed")
            elif row.wait_key is None:
                counts["woken"] += hao.run_of(tid).revive_if_crashed(tid)
        except Exception as exc:  # one trajectory's trouble does not stop the others
            log.warning("hao sweep: trajectory %s: %s", tid, type(exc).__name__)
    return counts


@flow(name="hao-sweep", log_prints=True)
def hao_sweep() -> dict[str, int]:
    """Start, flag and wake hao trajectories (ids only in this run's logs)."""
    return hao_sweep_now()
