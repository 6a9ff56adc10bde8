"""What every hao flow does: read the store, send what is due, wait durably.

Confidentiality: a consultation's run must show nothing but its pseudonym. So the
tasks here take and log ids only and keep no results (``persist_result=False``);
messages carry ids, and their text is composed from the database at send time.
What each step sends is derived from the state in ``domain.hao.owed``, where every act
records it too (so the hao sweep sends what a lagging run has not).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, overload

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from domain.hao.owed import HaoOwed
from domain.hao.people import HaoRole
from domain.hao.trajectory import AnyHao
from domain.waits import Subject
from flows import waiting
from flows.inputs import Wake
from tasks.hao_messages import HaoMessage, send_all_hao
from wiring.bootstrap import services

W = TypeVar("W", bound=Wake)


class HaoSnapshot(BaseModel):
    trajectory: AnyHao
    version: int
    now: datetime


def load(trajectory_id: int) -> HaoSnapshot:
    """Read the trajectory (a plain read, no task run)."""
    svc = services()
    t, version = svc.hao.repo.trajectory(trajectory_id)
    return HaoSnapshot(trajectory=t, version=version, now=svc.clock.now())


@overload
def wait(s: HaoSnapshot, label: str) -> None: ...
@overload
def wait(s: HaoSnapshot, label: str, model: type[W],
         handle: Callable[[W, datetime | None], list[str]] | None = None) -> None: ...
def wait(s: HaoSnapshot, label: str, model: type[Wake] = Wake,
         handle: Callable[[Any, datetime | None], list[str]] | None = None) -> None:
    """Suspend until the portal, the sweep or the COMO chair's form wakes the run; ``handle``
    writes the chair's input, with the time it was given."""
    t = s.trajectory
    waiting.wait(Subject.hao(t.kind, t.require_id()), label, s.version, model, handle)


def staff() -> list[int]:
    """The institute's contact persons (ids), each of whom gets her own copy."""
    return staff_ids()


@task(name="institute contacts", cache_policy=NO_CACHE, persist_result=False)
def staff_ids() -> list[int]:
    return [p.id for p in services().hao.repo.people(HaoRole.STAFF) if p.id is not None]


def messages(owed: list[HaoOwed]) -> list[HaoMessage]:
    """The messages a step owes (``domain.hao.owed``): the acts recorded the same, under the same keys."""
    return [HaoMessage.model_validate(o.message_fields()) for o in owed]


def send_all(owed: list[HaoOwed]) -> None:
    send_all_hao(messages(owed))
