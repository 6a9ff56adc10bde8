"""What every hao flow does: read the store, send what is due, wait durably.

Confidentiality: a consultation's run must show nothing but its pseudonym. So the
hao tasks take and log ids only and keep no results (``persist_result=False``);
messages carry ids, and their text is composed from the database at send time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar, overload

from pydantic import BaseModel

from domain.hao.occasion_keys import HaoOccasion, HaoStep, conversation
from domain.hao.people import HaoRole
from domain.hao.trajectory import AnyHao, Consultation, HaoPhase, HaoTrajectory
from domain.waits import Subject
from flows import waiting
from flows.inputs import Wake
from tasks.hao_messages import HaoMessage
from wiring.bootstrap import Services, run_services

W = TypeVar("W", bound=Wake)
BOTH = (HaoRole.TRAINER, HaoRole.MENTOR)


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


def staff_messages(svc: Services, t: HaoTrajectory, occasion: HaoOccasion, template: str) -> list[HaoMessage]:
    """One message to each of the institute's contact persons."""
    return [HaoMessage(trajectory_id=t.id, occasion=occasion.key, template=template, to=HaoRole.STAFF, person_id=pid)
            for pid in staff_ids(svc)]


def staff_ids(svc: Services) -> list[int]:
    """The institute's contact persons (a plain read, no task run)."""
    return [p.id for p in svc.hao.repo.people(HaoRole.STAFF) if p.id is not None]


def conversation_messages(t: HaoTrajectory, ask_next: bool = True) -> list[HaoMessage]:
    """The invitations, and the plan request while nothing is planned (and ``ask_next``)."""
    messages: list[HaoMessage] = []
    for c in t.conversations:
        for role in BOTH:
            link: dict = {}
            if role is HaoRole.MENTOR:
                link = {"link": "hao_held", "link_ref": conversation(HaoStep.HELD, c.number).key,
                        "link_extra": {"conversation": c.number}}
            elif isinstance(t, Consultation):
                link = {"link": "hao_close", "link_ref": conversation(HaoStep.CLOSE, c.number).key}
            messages.append(HaoMessage(trajectory_id=t.id, occasion=conversation(HaoStep.INVITE, c.number).key,
                                       template="hao_invitation", to=role, conversation=c.number, calendar="REQUEST",
                                       **link))
    if ask_next and t.phase is HaoPhase.CONVERSATIONS and t.planned() is None:
        n = len(t.conversations) + 1
        messages.append(HaoMessage(trajectory_id=t.id, occasion=conversation(HaoStep.PLAN_REQUEST, n).key,
                                   template="hao_plan_request", to=HaoRole.MENTOR, link="hao_plan",
                                   link_ref=conversation(HaoStep.PLAN, n).key,
                                   extra={"number": n}))
    return messages

