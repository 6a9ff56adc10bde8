"""Starting, waking and reviving runs through the Prefect API: one run control for every kind.

Every act is written to the database before a run is woken, so a wake-up that is
refused or lost changes nothing: the sweep wakes any run whose wait is already
satisfied. A run is only woken while it waits at the key our database says it waits
at, so a stale wake-up cannot resume a later wait.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, State, StateType
from prefect.client.schemas.sorting import FlowRunSort
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from prefect.states import Scheduled

from adapters.runs import RunStore
from domain.waits import ACTIVE, CRASHED, FAILED, FINISHED, PAUSED, STUCK, RunKind, Subject, WaitKey

log = logging.getLogger(__name__)

R = TypeVar("R")

DEPLOYMENTS: Mapping[RunKind, str] = {
    RunKind.TRAJECTORY: "mentee-trajectory/mentee-trajectory",
    RunKind.CONSULTATION: "hao-consultation/hao-consultation",
    RunKind.GUIDANCE: "hao-guidance/hao-guidance",
    RunKind.PROGRESS: "hao-progress/hao-progress",
}
RESUME_PAUSES = (0.2, 0.5, 1.0)  # seconds between the quick attempts of a resume Prefect refuses as busy
SETTLE_SECONDS = 20.0  # how long a waker waits for a run on its way to suspending
READ_PAGE = 200  # Prefect's server answers at most this many runs a request
STUCK_AFTER = timedelta(minutes=3)  # a run Pending this long lost its submitter (a killed runner)
# A run Running this long lost its process: every run of ours suspends within minutes (a wake-up is a
# replay and a few messages), and one killed while its server was down could not report its crash.
LOST_AFTER = timedelta(minutes=30)
# Flows run once on a date, not for a subject (so not in our runs table): a kill leaves such a run
# Crashed or stuck, and nothing would run it again before its next date (a year for the information mail).
# Each sends by keys per year or day, so a second run sends nothing twice. The sweeps are left out:
# the next one comes within minutes anyway.
ONE_OFF_FLOWS = ("retention", "hao-intervision", "hao-information", "hao-institute-digest")
LEFT_BEHIND_WITHIN = timedelta(days=7)  # older ones an operator has seen (and their date has passed)
# A run that failed this often without reaching a wait in between fails for a reason a replay will not
# mend (a defect): it is left Failed for a person to see in the UI instead of being replayed every sweep.
FAILURES_IN_A_ROW = 3
REVIVABLE = (CRASHED, STUCK, FAILED)


def resume(run_id: str, run_input: dict[str, Any]) -> Any:
    """Resume a paused run with ``run_input``; Prefect's answer, None when it stayed busy, False when
    another waker resumed it in the same moment.

    On its SQLite database Prefect answers 503 ('database is locked') to a resume that races
    other writes, and its client then backs off for up to a minute, holding up whoever woke
    the run (a participant's page, the sweep). A wake-up is only a nudge: the act is in our
    database already and the sweep wakes any run whose wait is satisfied. So a few quick
    attempts, then it is the sweep's.
    """
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}), get_client(sync_client=True) as client:
        for pause in (*RESUME_PAUSES, None):
            try:
                return client.resume_flow_run(UUID(run_id), run_input=run_input)
            except PrefectHTTPStatusError as exc:
                if exc.response.status_code == 409:
                    # On PostgreSQL two wakers that resume one pause at the same moment both pass the
                    # state check, and the second input's key is refused as a duplicate: the run is
                    # resumed all the same and reads the database, this act included.
                    log.info("run %s: resumed by another waker at the same moment", run_id)
                    return False
                if exc.response.status_code != 503:
                    raise
                if pause is None:
                    log.info("run %s: Prefect stayed busy; the sweep wakes it", run_id)
                    return None
                time.sleep(pause)
    return None


def condition(run: FlowRun | None, now: datetime, stuck_after: timedelta = STUCK_AFTER,
              lost_after: timedelta = LOST_AFTER) -> tuple[str | None, str | None]:
    """(what the sweep decides on, the pause key) of a flow run as Prefect shows it.

    A kill leaves a run Crashed (its runner saw the process die), Pending (the runner died while
    submitting it: "Submitting" for good, as Prefect's late-runs service is off) or Running (the
    process died while the server was down, so nobody recorded it): the last two are STUCK once
    they stayed so longer than a live run would.
    """
    state = run.state if run is not None else None
    if state is None:
        return None, None
    if state.type is StateType.PAUSED:
        return PAUSED, state.state_details.pause_key
    if state.type is StateType.CRASHED:
        return CRASHED, None
    if state.type is StateType.FAILED:
        return FAILED, None
    since = now - state.timestamp if state.timestamp else timedelta(0)
    if (state.type is StateType.PENDING and since > stuck_after) or (
            state.type is StateType.RUNNING and since > lost_after):
        return STUCK, None
    return (FINISHED if state.is_final() else ACTIVE), None


def _unfinished_runs(flows: FlowFilter | None = None) -> list[FlowRun]:
    """One page of the runs (of ``flows``) Prefect shows Crashed, Pending or Running, newest first."""
    kinds = FlowRunFilterStateType(any_=[StateType.CRASHED, StateType.PENDING, StateType.RUNNING])
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_filter=flows,
                                     flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=kinds)),
                                     sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=READ_PAGE)


def synchronous(result: R | Coroutine[Any, Any, R]) -> R:
    """The result of one of Prefect's ``async_dispatch`` functions (``to_deployment``, ``run_deployment``).

    Called from synchronous code (or with ``_sync=True``) they return the result itself, yet
    their types also name the coroutine they return inside an event loop; this narrows it.
    """
    if isinstance(result, Coroutine):
        result.close()
        raise TypeError("Prefect returned a coroutine: call it from synchronous code or with _sync=True")
    return result


class PrefectRuns:
    """The few calls the run control makes on Prefect's API (a fake stands in for it in tests)."""

    def __init__(self, stuck_after: timedelta = STUCK_AFTER, lost_after: timedelta = LOST_AFTER) -> None:
        self.stuck_after = stuck_after
        self.lost_after = lost_after

    def create(self, deployment: str, parameters: dict[str, Any], name: str, tags: list[str],
               idempotency_key: str) -> str:
        # _sync=True: a synchronous call also from code that runs an event loop (the portal, a browser test).
        run = run_deployment(deployment, parameters=parameters, timeout=0, flow_run_name=name, tags=tags,
                             idempotency_key=idempotency_key,
                             _sync=True)  # type: ignore[call-arg]  # Prefect's async_dispatch adds _sync, untyped
        return str(synchronous(run).id)

    def conditions(self, run_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """What Prefect says of these runs (see ``condition``), one API call per page of runs."""
        now = datetime.now(UTC)  # Prefect's timestamps are wall-clock time, not the project's clock
        found: dict[str, tuple[str | None, str | None]] = {}
        with get_client(sync_client=True) as client:
            if len(run_ids) == 1:
                try:
                    runs = [client.read_flow_run(UUID(run_ids[0]))]
                except ObjectNotFound:
                    runs = []
            else:
                runs = []
                for start in range(0, len(run_ids), READ_PAGE):
                    ids = FlowRunFilterId(any_=[UUID(r) for r in run_ids[start:start + READ_PAGE]])
                    runs += client.read_flow_runs(flow_run_filter=FlowRunFilter(id=ids), limit=READ_PAGE)
        for run in runs:
            found[str(run.id)] = condition(run, now, self.stuck_after, self.lost_after)
        return found

    def unfinished(self) -> set[str]:
        """Ids of the runs Prefect shows Crashed, Pending or Running, newest first, one page: what a kill
        may have left, whatever our database says of their subjects (``condition`` judges each)."""
        return {str(run.id) for run in _unfinished_runs()}

    def left_behind(self, flow_names: tuple[str, ...], within: timedelta = LEFT_BEHIND_WITHIN) -> list[str]:
        """Runs of ``flow_names`` meant to start in the last ``within`` that a kill left Crashed or stuck."""
        now = datetime.now(UTC)
        return [str(run.id) for run in _unfinished_runs(FlowFilter(name=FlowFilterName(any_=list(flow_names))))
                if run.expected_start_time is not None and now - run.expected_start_time < within
                and condition(run, now, self.stuck_after, self.lost_after)[0] in (CRASHED, STUCK)]

    def state_type(self, run_id: str) -> str | None:
        with get_client(sync_client=True) as client:
            try:
                run = client.read_flow_run(UUID(run_id))
            except ObjectNotFound:
                return None
        return run.state.type.value if run.state else None

    def resume(self, run_id: str, run_input: dict[str, Any]) -> bool | None:
        """True when Prefect accepted the resume, False when it refused, None when it stayed busy."""
        result = resume(run_id, run_input)
        if result is None or result is False:
            return result
        ok = str(getattr(result, "status", "")).upper().endswith("ACCEPT")
        if not ok:
            log.info("run %s: wake-up not accepted: %s", run_id, getattr(result, "details", ""))
        return ok

    def reschedule(self, run_id: str) -> bool:
        """Schedule the run again if it is still crashed, stuck or failed; False when it moved meanwhile.

        The sweep decided on what Prefect showed a moment (or a whole round) ago. A run Pending too long
        may just then have reached a process and be Running: forcing Scheduled under its feet made it
        fail to suspend (found by make chaos). So the state is read once more right before, which leaves
        a window of milliseconds; a run that fails in it is revived as FAILED by the next sweep.
        """
        with get_client(sync_client=True) as client:
            try:
                run = client.read_flow_run(UUID(run_id))
            except ObjectNotFound:
                return False
            shown = condition(run, datetime.now(UTC), self.stuck_after, self.lost_after)[0]
            if shown not in REVIVABLE:
                return False
            if shown == FAILED and _failures_in_a_row(client.read_flow_run_states(UUID(run_id))) >= FAILURES_IN_A_ROW:
                log.error("run %s failed %d times in a row without reaching a wait: left for a person",
                          run_id, FAILURES_IN_A_ROW)
                return False
            client.set_flow_run_state(UUID(run_id), Scheduled(name="Herstart"), force=True)
        return True


class RunControl:
    """Start, wake and revive the run of any subject, by its kind's deployment."""

    def __init__(self, store: RunStore, api: PrefectRuns | None = None,
                 deployments: Mapping[RunKind, str] = DEPLOYMENTS, settle_seconds: float = SETTLE_SECONDS,
                 poll_seconds: float = 0.25) -> None:
        self.store = store
        self.api = api or PrefectRuns()
        self.deployments = deployments
        self.settle_seconds = settle_seconds
        self.poll_seconds = poll_seconds

    def start(self, subject: Subject, name: str, tags: list[str]) -> str:
        """Create the subject's one flow run (once) and remember its id."""
        existing = self.store.flow_run_id(subject)
        if existing:
            return existing
        run_id = self.api.create(self.deployments[subject.kind], {"trajectory_id": subject.number}, name, tags,
                                 f"{subject.kind.value}-{subject.id}")
        self.store.set_flow_run(subject, run_id)
        return run_id

    def conditions(self, run_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        return self.api.conditions(run_ids) if run_ids else {}

    def unfinished(self) -> set[str]:
        return self.api.unfinished()

    def waiting_at(self, subject: Subject) -> tuple[str | None, WaitKey | None]:
        """(flow run id, wait key) when the run is suspended at the key in our database."""
        run = self.store.run(subject)
        if run is None or run.flow_run_id is None or run.wait is None:
            return (run.flow_run_id if run else None), None
        state, paused_at = self.api.conditions([run.flow_run_id]).get(run.flow_run_id, (None, None))
        if state != PAUSED or paused_at != str(run.wait):
            return run.flow_run_id, None
        return run.flow_run_id, run.wait

    def state(self, subject: Subject) -> str | None:
        """The Prefect state type of the subject's run (e.g. 'PAUSED', 'COMPLETED')."""
        run_id = self.store.flow_run_id(subject)
        return self.api.state_type(run_id) if run_id else None

    def wake(self, subject: Subject, woken_by: str, note: str = "", extra: dict[str, Any] | None = None,
             label: str | None = None, settle_seconds: float | None = None) -> bool:
        """Resume the run once it waits at our key (at a wait ``label``, when given).

        A run on its way to suspending (its key fixed, Prefect not yet showing it paused) is
        waited for up to ``settle_seconds``, so an act that lands in that moment wakes it
        within seconds instead of at the next sweep; a Prefect too busy to accept the resume is
        asked again meanwhile. False when it does not wait (it will read the database before
        it waits again) or did not settle in time (then it is the sweep's).
        """
        settle = self.settle_seconds if settle_seconds is None else settle_seconds
        deadline = time.monotonic() + settle
        first: WaitKey | None = None
        while True:
            run = self.store.run(subject)
            if run is None or run.flow_run_id is None or run.wait is None or first not in (None, run.wait):
                return False  # not waiting, or it woke and read the database since
            if label is not None and run.wait.label != label:
                return False
            first = run.wait
            state, paused_at = self.api.conditions([run.flow_run_id]).get(run.flow_run_id, (None, None))
            if state == PAUSED and paused_at == str(run.wait):
                accepted = self.api.resume(run.flow_run_id, {"woken_by": woken_by, "note": note, **(extra or {})})
                if accepted is not None or time.monotonic() >= deadline:
                    return bool(accepted)
                # Prefect stayed busy: try again while the settling time lasts.
            elif state != ACTIVE or time.monotonic() >= deadline:
                return False
            time.sleep(self.poll_seconds)

    def nudge(self, run_id: str, why: str) -> bool:
        """Resume a paused run for the sweep, whatever it waits at; it reads the database again."""
        return bool(self.api.resume(run_id, {"woken_by": "timer", "note": why}))

    def revive(self, subject: Subject, run_id: str) -> bool:
        """Schedule a crashed, stuck or failed run again: it replays from the top and finds its place.
        False when it moved on meanwhile (it is not touched) or keeps failing."""
        if not self.api.reschedule(run_id):
            return False
        log.warning("%s %s: run %s scheduled again", subject.kind, subject.id, run_id)
        return True


    def revive_left_behind(self, flow_names: tuple[str, ...] = ONE_OFF_FLOWS) -> int:
        """Schedule again the runs of flows that run once on a date which a kill left behind."""
        found = self.api.left_behind(flow_names)
        revived = [run_id for run_id in found if self.api.reschedule(run_id)]
        for run_id in revived:
            log.warning("run %s scheduled again", run_id)
        return len(revived)


class SubjectRuns:
    """The run control bound to one kind, keyed by the subject's own id (a trajectory id)."""

    def __init__(self, control: RunControl, kind: RunKind) -> None:
        self.control = control
        self.kind = kind

    def subject(self, subject_id: int | str) -> Subject:
        return Subject(self.kind, str(subject_id))

    def start(self, subject_id: int, name: str | None = None, tags: list[str] | None = None) -> str:
        return self.control.start(self.subject(subject_id), name or f"traject {subject_id}", tags or [])

    def waiting_at(self, subject_id: int | str) -> tuple[str | None, WaitKey | None]:
        return self.control.waiting_at(self.subject(subject_id))

    def state(self, subject_id: int | str) -> str | None:
        return self.control.state(self.subject(subject_id))

    def wake(self, subject_id: int | str, woken_by: str, note: str = "", extra: dict[str, Any] | None = None,
             label: str | None = None) -> bool:
        return self.control.wake(self.subject(subject_id), woken_by, note, extra, label)


def api_answers(timeout: float) -> bool:
    """Whether Prefect's API answers its health check within ``timeout`` seconds (the portal's /healthz).

    A plain request, not Prefect's client: that one retries for up to a minute, and a health check
    must say at once that Prefect is away.
    """
    import base64

    import httpx
    from prefect.settings import get_current_settings

    api = get_current_settings().api
    if not api.url:
        return False
    headers = {}
    if api.auth_string:
        secret = api.auth_string.get_secret_value()
        headers["Authorization"] = "Basic " + base64.b64encode(secret.encode()).decode()
    elif api.key:
        headers["Authorization"] = f"Bearer {api.key.get_secret_value()}"
    try:
        return httpx.get(f"{api.url.rstrip('/')}/health", headers=headers, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _failures_in_a_row(states: list[State]) -> int:
    """How often the run failed since it last waited (its newest states first)."""
    failed = 0
    for state in sorted(states, key=lambda st: st.timestamp, reverse=True):
        if state.type is StateType.PAUSED:
            break
        failed += state.type is StateType.FAILED
    return failed
