"""What every hao flow does: read the store, send what is due, wait durably.

Confidentiality: a consultation's run must show nothing but its pseudonym. So the
hao tasks take and log ids only and keep no results (``persist_result=False``);
messages carry ids, and their text is composed from the database at send time.
What each step sends is derived from the state in ``domain.hao.owed``, where every act
records it too (so the hao sweep sends what a lagging run has not).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from domain.hao.owed import HaoOwed
from domain.hao.people import HaoRole
from domain.hao.trajectory import AnyHao, HaoPhase
from domain.waits import Subject
from flows import waiting
from flows.inputs import Wake
from tasks.hao_messages import HaoMessage
from tasks.mail import send_all
from wiring.bootstrap import Services, run_services

W = TypeVar("W", bound=Wake)


class HaoSnapshot(BaseModel):
    trajectory: AnyHao
    version: int
    now: datetime


Step = Callable[[Services, HaoSnapshot], None]


def run_phases(trajectory_id: int, steps: Mapping[HaoPhase, Step], close: Step) -> str:
    """The body of every hao flow: this run's services, each phase's step until the trajectory is
    closed (every step waits), then ``close``; returns the final phase."""
    with run_services() as svc:
        while (s := load(svc, trajectory_id)).trajectory.phase is not HaoPhase.CLOSED:
            steps[s.trajectory.phase](svc, s)
        close(svc, s)
        return s.trajectory.phase.value


def load(svc: Services, trajectory_id: int) -> HaoSnapshot:
    """Read the trajectory (a plain read, no task run)."""
    t, version = svc.hao.repo.trajectory(trajectory_id)
    return HaoSnapshot(trajectory=t, version=version, now=svc.clock.now())


@overload
def wait(svc: Services, s: HaoSnapshot, label: str) -> None: ...
@overload
def wait(svc: Services, s: HaoSnapshot, label: str, model: type[W],
         handle: Callable[[W, datetime | None], list[str]] | None = None) -> None: ...
def wait(svc: Services, s: HaoSnapshot, label: str, model: type[Wake] = Wake,
         handle: Callable[[Any, datetime | None], list[str]] | None = None) -> None:
    """Suspend until the portal, the sweep or the COMO chair's form wakes the run; ``handle``
    writes the chair's input, with the time it was given."""
    t = s.trajectory
    waiting.wait(svc, Subject.hao(t.kind, t.require_id()), label, s.version, model, handle)


def staff_ids(svc: Services) -> list[int]:
    """The institute's contact persons (a plain read, no task run), each of whom gets her own copy."""
    return [p.id for p in svc.hao.repo.people(HaoRole.STAFF) if p.id is not None]


def messages(owed: Sequence[HaoOwed]) -> list[HaoMessage]:
    """The messages a step owes (``domain.hao.owed``): the acts recorded the same, under the same keys."""
    return [HaoMessage.model_validate(o.message_fields()) for o in owed]


def send_owed(svc: Services, owed: Sequence[HaoOwed]) -> None:
    """Send what a step owes through the one mail pipeline (a key already in the outbox costs nothing)."""
    send_all(svc, messages(owed))
