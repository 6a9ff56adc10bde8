"""Read models of programme B, assembled from its store: what the institute may see.

A consultation never appears here, not even as a count (``domain.hao.trajectory.institute_view``).
"""

from __future__ import annotations

from typing import Any

from adapters.hao_store import HaoRepository
from adapters.outbox import Outbox
from domain.hao.people import HaoRole, directory
from domain.hao.trajectory import Kind, institute_view
from domain.hao.undelivered import Refusal, is_hao


def person_ref(repo: HaoRepository, pid: int | None) -> dict[str, Any] | None:
    if pid is None:
        return None
    p = repo.person(pid)
    return {"id": p.id, "name": p.name, "email": p.email}


def institute_export(repo: HaoRepository) -> dict[str, Any]:
    """Guidance and progress as the institute may see them, and the mentors' directory."""
    out = []
    for t in repo.all():
        view = institute_view(t)
        if view is None:
            continue
        view["trainer"] = person_ref(repo, view.pop("trainer_id"))
        view["mentor"] = person_ref(repo, view.pop("mentor_id"))
        out.append(view)
    mentors = [{"name": p.name, "practice": p.practice, "expertise": p.expertise}
               for p in directory(repo.people(HaoRole.MENTOR))]
    return {"audience": "institute", "mentor_directory": mentors, "trajectories": out}


def hao_refusals(outbox: Outbox, repo: HaoRepository) -> tuple[list[Refusal], dict[int, Kind]]:
    """Programme B's mail a server refused for good, each named by its trajectory's kind and pseudonym
    (``domain.hao.undelivered`` decides who may see which); and the trajectories' kinds by id."""
    trajectories = {t.require_id(): t for t in repo.all()}
    found = []
    for row in outbox.failed():
        if not is_hao(row["key"]):
            continue
        r = Refusal(row["id"], row["key"], row["template"], row["recipient_email"],
                    " ".join(row["last_error"].split())[:160])
        t = trajectories.get(r.trajectory_id) if r.trajectory_id is not None else None
        found.append(Refusal(r.number, r.key, r.template, r.address, r.answer,
                             f"{t.kind.label} {t.pseudonym}" if t is not None else ""))
    return found, {tid: t.kind for tid, t in trajectories.items()}
