"""The runs' bookkeeping: their names in the Prefect UI, when a form was given, and the sweep's wake-ups.

Plain calls, not task runs: they read or nudge, and a wake-up of a run should cost as
few task runs and API calls as it can.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime

from prefect import runtime
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError

from domain.clock import Clock
from domain.status import describe
from domain.waits import PAUSED, RunKind, RunState, Subject, WaitKey, Why, why_wake
from tasks.store import Snapshot
from wiring.bootstrap import Services

log = logging.getLogger(__name__)
_named: dict[str, tuple[str, tuple[str, ...]]] = {}  # run id -> the name and tags this process gave it
_asked: dict[str, tuple[str, list[str]]] = {}  # run id -> the name and tags its flow asked for, without the mark
_refused: dict[str, bool] = {}  # run id -> her last form to it was refused
REFUSED = " · ⚠ niet uitgevoerd"  # after the name of a run whose last form from her was refused


def run_label(svc: Services, s: Snapshot) -> tuple[str, list[str]]:
    """(name, tags) for a trajectory's run: the pair and what it waits for; programme, cohort, phase."""
    repo = svc.repo
    t = s.trajectory
    mentee = repo.person(t.mentee_id).name
    pair = f"{mentee} & {repo.person(t.mentor_id).name}" if t.mentor_id else mentee
    return f"{pair} · {describe(t)}", [f"programma:{t.programme}", f"cohort:{t.cohort}", f"fase:{t.phase.value}"]


def name_run(name: str, tags: list[str]) -> None:
    """Rename and retag this run, only when its name or tags changed (no API call otherwise).

    While her last form to the run stands refused, the name says so (``REFUSED``): the runs list
    is where she looks first.
    """
    run_id = runtime.flow_run.id
    if run_id is None:
        return
    _asked[run_id] = (name, tags)
    current = _named.get(run_id) or (runtime.flow_run.name, tuple(sorted(runtime.flow_run.tags)))
    refused = _refused.setdefault(run_id, current[0].endswith(REFUSED))  # a new process: as the name shows
    wanted = (name + REFUSED if refused else name, tuple(sorted(tags)))
    if current != wanted:
        with get_client(sync_client=True) as client:
            client.update_flow_run(run_id, name=wanted[0], tags=tags)
    _named[run_id] = wanted


def mark_refused(refused: bool) -> None:
    """Say in the run's name whether her last form to it was refused (renamed only on a change)."""
    run_id = runtime.flow_run.id
    if run_id is None:
        return
    _refused[run_id] = refused
    name_run(*_asked.get(run_id, (runtime.flow_run.name.removesuffix(REFUSED), list(runtime.flow_run.tags))))


def input_given_at(clock: Clock, key: WaitKey) -> datetime | None:
    """The clock's time at which the input that resumed this run's wait ``key`` was sent.

    The run starts some seconds after a form is sent (hours, if its worker was down);
    the act it carries is recorded at the moment it was given. None outside a run.
    """
    run_id = runtime.flow_run.id
    if run_id is None:
        return None
    with get_client(sync_client=True) as client:
        found = client.filter_flow_run_input(run_id, key_prefix=f"suspended-{key}-response", limit=1,
                                             exclude_keys=set())
    return clock.at(found[0].created) if found and found[0].created else None


def forget_form(key: WaitKey) -> None:
    """Drop Prefect's copy of the facilitator's form that woke wait ``key``: what it carried is in our
    database now (the act, her note in the history), and the cockpit does not show old forms."""
    run_id = runtime.flow_run.id
    if run_id is None:
        return
    with get_client(sync_client=True) as client:
        try:
            client.delete_flow_run_input(run_id, f"suspended-{key}-response")
        except (ObjectNotFound, PrefectHTTPStatusError) as exc:
            # An empty form leaves no input at all (Prefect stores none for {}); a 404 is that, or gone already.
            if isinstance(exc, PrefectHTTPStatusError) and exc.response.status_code != 404:
                raise


Conditions = Mapping[str, tuple[str | None, str | None]]  # flow run id -> (condition, pause key)


def due_runs(svc: Services, kinds: tuple[RunKind, ...], due: Callable[[RunState, datetime], bool],
             conditions: Conditions | None = None) -> list[tuple[RunState, Why]]:
    """Every run of ``kinds`` the sweep must act on, and why: one rule set for every kind
    (``domain.waits.why_wake``); only ``due`` (the clock made a wait due) differs per kind."""
    now = svc.clock.now()
    if conditions is None:
        try:
            # With the subjects whose run Prefect shows Pending, Running or Crashed even if they ended
            # without it: a run a kill left before its first wait never waited, so nothing else finds it.
            rows = svc.run_store.all(kinds, also=svc.control.unfinished())
            conditions = svc.control.conditions([r.flow_run_id for r in rows if r.flow_run_id])
        except Exception as exc:  # Prefect down or restarting: only the runs never started can be helped now
            log.warning("Prefect niet bereikbaar (%s); de volgende sweep kijkt opnieuw", type(exc).__name__)
            rows = svc.run_store.all(kinds)
            return [(row, Why.START) for row in rows if why_wake(row, None, None, due=False) is Why.START]
    else:
        rows = svc.run_store.all(kinds)
    found: list[tuple[RunState, Why]] = []
    for row in rows:
        state, paused_at = conditions.get(row.flow_run_id or "", (None, None))
        try:
            why = why_wake(row, state, paused_at, due=row.wait is not None and state == PAUSED and due(row, now))
        except Exception as exc:  # one subject's trouble does not stop the others
            log.warning("%s %s: %s", row.subject.kind.value, row.subject.id, type(exc).__name__)
            continue
        if why is not None:
            found.append((row, why))
    return found


def act_on(svc: Services, found: list[tuple[RunState, Why]], start: Callable[[Subject], object]) -> Counter[str]:
    """Start, wake, nudge or revive each run found; counts per reason of what was done."""
    counts: Counter[str] = Counter()
    for row, why in found:
        try:
            if why is Why.START:
                start(row.subject)
            elif row.flow_run_id is None:  # never: why_wake only starts a subject that has no run
                continue
            elif why is Why.REVIVE:
                svc.control.revive(row.subject, row.flow_run_id)
            elif why is Why.STALE:
                fresh = svc.run_store.run(row.subject)  # it may have moved on since the rows were read
                if fresh is None or fresh.wait != row.wait or not svc.control.nudge(row.flow_run_id, why):
                    continue
            elif not svc.control.wake(row.subject, "timer", note=why.value, settle_seconds=0):
                continue
            counts[why.value] += 1
        except Exception as exc:  # the next sweep tries again
            log.warning("%s %s: %s", row.subject.kind.value, row.subject.id, type(exc).__name__)
    return counts


LEFT_BEHIND_EVERY = 60.0  # seconds: the demo sweeps every second, and such a run is rare
_looked: list[float] = []  # when this process last looked


def revive_left_behind(svc: Services) -> int:
    """The runs not tied to a subject (a yearly mail, the retention) that a kill left behind, scheduled
    again; 0 while Prefect is away (the next sweep looks again)."""
    if _looked and time.monotonic() - _looked[-1] < LEFT_BEHIND_EVERY:
        return 0
    _looked[:] = [time.monotonic()]
    try:
        return svc.control.revive_left_behind()
    except Exception as exc:
        log.warning("Prefect niet bereikbaar (%s); de volgende sweep kijkt opnieuw", type(exc).__name__)
        return 0
