"""Read models of programme B, assembled from its store: what the institute may see.

A consultation never appears here, not even as a count (``domain.hao.trajectory.institute_view``).
"""

from __future__ import annotations

from typing import Any

from adapters.hao_store import HaoRepository
from domain.hao.people import HaoRole, directory
from domain.hao.trajectory import institute_view


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
