"""A person's data everywhere it is kept: exported (right of access) and erased (right to erasure).

Plain calls for the CLI and the retention flow. An erasure first collects what names the
person (name, address, the texts they wrote), clears Prefect of it, and only then changes
our database, so that a Prefect that is down leaves everything as it was: run it again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from adapters.personal_data import PersonalData, Rows
from adapters.prefect_privacy import Scope
from domain.errors import DomainError
from domain.hao.privacy import forget_hao
from domain.hao.trajectory import HaoTrajectory
from domain.people import Role
from domain.privacy import forget_authors, needles, scrub
from domain.trajectory import Trajectory
from domain.waits import RunKind, Subject
from wiring.bootstrap import Services

FACILITATOR_AND_MENTEE = frozenset({Role.MENTEE, Role.FACILITATOR})
MENTOR = frozenset({Role.MENTOR})


@dataclass
class Plan:
    """What an erasure changes: per trajectory the change to make, the runs, and the words to look for."""

    names: list[str] = field(default_factory=list)  # the person's names and address: replaced everywhere
    texts: list[str] = field(default_factory=list)  # what they wrote: blanked, and looked for elsewhere
    peer: dict[int, Callable[[Trajectory], list[str]]] = field(default_factory=dict)
    hao: dict[int, Callable[[HaoTrajectory], list[str]]] = field(default_factory=dict)
    scope: Scope = field(default_factory=Scope)

    @property
    def words(self) -> list[str]:
        return needles(*self.names, *(t for t in self.texts if len(t.strip()) >= 12))

    def outbox_prefixes(self) -> list[str]:
        return [f"t{tid}:" for tid in self.peer] + [f"h{hid}:" for hid in self.hao]


def name_words(*names: str) -> list[str]:
    """A name, its address, and each longer part of a name (a first name in someone's note)."""
    parts = [p for n in names for p in n.replace(".", " ").split() if len(p) >= 4 and p[0].isupper()]
    return needles(*names, *parts)


def rewritten(model: BaseModel, data: dict[str, Any]) -> None:
    """Give ``model`` the values of ``data`` (a scrubbed dump of itself), in place."""
    fresh = type(model).model_validate(data)
    for name in type(model).model_fields:
        setattr(model, name, getattr(fresh, name))


def _peer_change(mentee: bool, mentor_ids: list[int], words: list[str]) -> Callable[[Trajectory], list[str]]:
    def act(t: Trajectory) -> list[str]:
        gone = forget_authors(t, FACILITATOR_AND_MENTEE) if mentee else []
        for mid in mentor_ids:
            gone += forget_authors(t, MENTOR, mentor_id=mid)
        rewritten(t, scrub(t.model_dump(mode="json"), words))
        return gone
    return act


def _hao_change(trainer: bool, words: list[str]) -> Callable[[HaoTrajectory], list[str]]:
    def act(t: HaoTrajectory) -> list[str]:
        gone = forget_hao(t) if trainer else []
        rewritten(t, scrub(t.model_dump(mode="json"), words))
        return gone
    return act


def artifact_prefixes(tid: int) -> tuple[str, ...]:
    return f"plan-t{tid}-", f"evaluatie-t{tid}-", f"nieuw-voorstel-t{tid}-"


def _closing(svc: Services, subject: Subject, email: str, name: str) -> None:
    """Refuse while an ended trajectory's run has yet to finish (it sends the closing mail). A run that
    completed after a withdrawal keeps its last wait in our table, so Prefect is asked."""
    run = svc.run_store.run(subject)
    if run is not None and run.wait is not None and svc.control.state(subject) in ("PAUSED", "RUNNING", "PENDING",
                                                                                   "SCHEDULED"):
        raise DomainError("email", f"traject {name} van {email} is beëindigd maar sluit nog af (de afsluitende "
                                   "mail); probeer het over een paar minuten opnieuw")


def plan_erasure(svc: Services, rows: Rows, refuse_active: bool = True) -> Plan:
    """What erasing the person of ``rows`` changes; refused while one of their trajectories runs."""
    email = rows.addresses()[0]
    plan = Plan(names=name_words(*rows.names(), *rows.addresses()))
    ids = {r["id"] for r in rows.people}
    for tid in svc.repo.trajectory_ids():
        t, _ = svc.repo.trajectory(tid)
        mentee = t.mentee_id in ids
        mentors = sorted({m.mentor_id for m in t.matches} & ids)
        if not (mentee or mentors):
            continue
        if refuse_active and not t.phase.ended and (mentee or t.mentor_id in ids):
            raise DomainError("email", f"{email} zit nog in lopend traject {tid}; beëindig dat eerst "
                                       f"(mentorschap withdraw {tid} --role {'mentee' if mentee else 'mentor'})")
        if refuse_active and mentee:
            _closing(svc, Subject.trajectory(tid), email, str(tid))
        plan.peer[tid] = _peer_change(mentee, mentors, plan.names)
    hao_ids = {r["id"] for r in rows.hao_people}
    for h in svc.hao.repo.all():
        if h.trainer_id not in hao_ids and h.mentor_id not in hao_ids:
            continue
        if refuse_active and not h.phase.ended:
            raise DomainError("email", f"{email} zit nog in lopend hao-traject {h.pseudonym}; sluit dat eerst af")
        if refuse_active:
            _closing(svc, Subject(RunKind(h.kind.value), str(h.id)), email, h.pseudonym)
        plan.hao[h.require_id()] = _hao_change(h.trainer_id in hao_ids, plan.names)
    for tid, act in plan.peer.items():  # on copies: what would be blanked is looked for elsewhere too
        plan.texts += act(svc.repo.trajectory(tid)[0])
    for hid, hact in plan.hao.items():
        plan.texts += hact(svc.hao.repo.trajectory(hid)[0])
    plan.scope = run_scope(svc, plan)
    return plan


def run_scope(svc: Services, plan: Plan) -> Scope:
    """The runs of the trajectories (their names lose the person), their artifacts and the words."""
    subjects = [Subject.trajectory(tid) for tid in plan.peer]
    subjects += [Subject(RunKind(svc.hao.repo.kind_of(hid).value), str(hid)) for hid in plan.hao]
    runs: list[str] = []
    keep: dict[str, str] = {}
    for subject in subjects:
        run = svc.run_store.run(subject)
        if run is None or run.flow_run_id is None:
            continue
        runs.append(run.flow_run_id)
        if run.wait is not None:  # a run that goes on (another mentor now) keeps the form it waits with
            keep[run.flow_run_id] = f"suspended-{run.wait}-"
    prefixes = tuple(p for tid in plan.peer for p in artifact_prefixes(tid))
    return Scope(runs=runs, names=plan.names, artifact_prefixes=prefixes, words=plan.words, keep_inputs=keep)


def carry_out(svc: Services, plan: Plan, rows: Rows) -> dict[str, int]:
    """Prefect first (nothing of ours changes when it fails), then our database; both compacted."""
    data = PersonalData(svc.engine)
    counts, keys = svc.prefect_traces.erase(plan.scope)
    data.forget_published(keys)
    now = svc.clock.now()
    for tid, act in plan.peer.items():
        svc.repo.change(tid, act, now)
    for hid, hact in plan.hao.items():
        svc.hao.repo.change(hid, hact, now)
    found = svc.outbox.traces(rows.addresses(), plan.outbox_prefixes(), plan.words)
    svc.outbox.redact([r["id"] for r in found if not r["to_person"]])
    svc.outbox.redact([r["id"] for r in found if r["to_person"]], addressed_to_erased=True)
    data.erase_rows(rows)
    data.scrub_proposals(plan.names)
    data.forget_runs([("trajectory", str(tid)) for tid in plan.peer] +
                     [(svc.hao.repo.kind_of(hid).value, str(hid)) for hid in plan.hao])
    counts.update(trajectories=len(plan.peer), hao_trajectories=len(plan.hao), messages=len(found))
    data.compact()
    svc.prefect_traces.compact()
    return counts


def unknown(email: str) -> DomainError:
    return DomainError("email", f"over {email} is niets bewaard (onbekend adres)")


def erase_person(svc: Services, email: str) -> dict[str, int]:
    """Erase or anonymise everything about the person with ``email``; refused while a trajectory of theirs runs."""
    rows = PersonalData(svc.engine).rows(email)
    if not rows.found:
        raise unknown(email)
    return carry_out(svc, plan_erasure(svc, rows), rows)


class _Line(Protocol):
    @property
    def what(self) -> str: ...


def readable(t: Trajectory | HaoTrajectory) -> dict[str, Any]:
    """The stored document, each history entry with the line people read (``what``) beside its kind."""
    doc = t.model_dump(mode="json")
    history: Sequence[_Line] = t.history
    for entry, shown in zip(doc["history"], history, strict=True):
        entry["what"] = shown.what
    return doc


def export_person(svc: Services, email: str) -> dict[str, Any]:
    """Everything kept about the person with ``email``: our database and Prefect (right of access)."""
    rows = PersonalData(svc.engine).rows(email)
    if not rows.found:
        raise unknown(email)
    plan = plan_erasure(svc, rows, refuse_active=False)
    ids = {r["id"] for r in rows.people}
    peer = []
    for tid in plan.peer:
        t, _ = svc.repo.trajectory(tid)
        doc = readable(t)
        if t.mentee_id not in ids:  # their mentor's part: the matches with them
            doc = {"id": tid, "cohort": t.cohort, "phase": t.phase.value,
                   "matches": [m for m in doc["matches"] if m["mentor_id"] in ids]}
        peer.append(doc)
    found = {
        "email": email.strip().lower(),
        "database": {
            "people": rows.people, "participation": rows.participation, "members": rows.members,
            "pending_applications": rows.pending, "consultation_requests": rows.hao_requests,
            "hao_people": rows.hao_people, "trajectories": peer,
            "hao_trajectories": [readable(svc.hao.repo.trajectory(hid)[0]) for hid in plan.hao],
            "messages": [r for r in svc.outbox.traces([email], (), ()) if r["to_person"]],
        },
        "prefect": svc.prefect_traces.read(plan.scope),
    }
    return json.loads(json.dumps(found, default=str, ensure_ascii=False))
