"""Runs and their waits, as values: which run (kind and subject), at which wait, and why to wake it.

Every long-lived run (a mentee trajectory, a cohort, the three hao kinds) waits the same
way: the key of its wait is fixed in the database before it suspends, and whoever acts
writes the database first and then wakes it. The sweep applies one set of rules to
every kind (``why_wake``); only what makes a wait due by time differs per kind, and
that is passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunKind(StrEnum):
    TRAJECTORY = "trajectory"  # programme A: one mentee's trajectory
    COHORT = "cohort"  # programme A: a cohort from kickoff to approved matching
    CONSULTATION = "consultation"  # programme B's three kinds
    GUIDANCE = "guidance"
    PROGRESS = "progress"

    @property
    def started_by_us(self) -> bool:
        """Trajectories are started per subject; a cohort run by its deployment's schedule."""
        return self is not RunKind.COHORT


HAO_KINDS = (RunKind.CONSULTATION, RunKind.GUIDANCE, RunKind.PROGRESS)


@dataclass(frozen=True)
class Subject:
    """What a run orchestrates: a trajectory (by id) or a cohort (by its id)."""

    kind: RunKind
    id: str

    @classmethod
    def trajectory(cls, trajectory_id: int) -> Subject:
        return cls(RunKind.TRAJECTORY, str(trajectory_id))

    @classmethod
    def cohort(cls, cohort_id: str) -> Subject:
        return cls(RunKind.COHORT, cohort_id)

    @classmethod
    def hao(cls, kind: str, trajectory_id: int) -> Subject:
        """A programme-B trajectory of ``kind`` ('consultation', 'guidance', 'progress')."""
        return cls(RunKind(kind), str(trajectory_id))

    @property
    def number(self) -> int:
        """The trajectory id of a trajectory subject (the run's one parameter)."""
        return int(self.id)


@dataclass(frozen=True)
class WaitKey:
    """One wait of one run: the n-th since the run began, and what it waits for.

    Its text is Prefect's pause key; it is made here and never parsed back.
    """

    subject: Subject
    number: int
    label: str

    def __str__(self) -> str:
        return f"{self.subject.kind.value}-{self.subject.id}-w{self.number:03d}-{self.label}"


@dataclass(frozen=True)
class RunState:
    """A run as our database has it: its flow run, its open wait, and its subject's version."""

    subject: Subject
    flow_run_id: str | None
    wait: WaitKey | None
    wait_version: int | None  # the subject's version when the wait began
    version: int  # the subject's version now
    ended: bool  # the subject (trajectory, cohort) has ended

    @property
    def changed_since_wait(self) -> bool:
        """Something was written after the run began to wait: it must look again."""
        return self.wait is not None and self.wait_version is not None and self.version > self.wait_version


class Why(StrEnum):
    """Why the sweep acts on a run."""

    START = "start"  # never started
    CHANGED = "changed"  # an act was written after the wait began (its wake-up was lost)
    DUE = "due"  # the clock made the wait due (a deadline, an evaluation)
    REVIVE = "revive"  # the run crashed, or is stuck where no process will pick it up
    STALE = "stale"  # Prefect shows it paused at another key than our database


# What Prefect says of a run, reduced to what the sweep decides on.
PAUSED, CRASHED, STUCK, ACTIVE, FINISHED = "paused", "crashed", "stuck", "active", "finished"
# Failed while its subject goes on: e.g. a run that a too-early revive rescheduled under its feet could not
# suspend ("Received unexpected state"), or one that lost Prefect mid-run. It replays from the top.
FAILED = "failed"


def why_wake(run: RunState, prefect_state: str | None, paused_at: str | None, due: bool) -> Why | None:
    """The one rule set for every kind of run.

    ``prefect_state`` is one of the constants above (None: no run known to Prefect);
    ``paused_at`` the pause key Prefect shows; ``due`` whether the clock made the wait due.
    """
    if run.flow_run_id is None:
        return Why.START if run.subject.kind.started_by_us and not run.ended else None
    if prefect_state in (CRASHED, STUCK) or (prefect_state == FAILED and not run.ended):
        return Why.REVIVE
    if prefect_state != PAUSED:
        return None  # running, scheduled, or finished: nothing to wake
    if run.wait is None or paused_at != str(run.wait):
        return Why.STALE
    if run.changed_since_wait:
        return Why.CHANGED
    return Why.DUE if due else None
