"""The export: every trajectory as JSON, with the people's names and the derived dates.

A meeting's topics are not in it: they go to the mentor only (``flows.meetings``).
"""

from __future__ import annotations

from typing import Any

from adapters.repository import Repository
from domain.clock import local_date


def export_trajectories(repo: Repository, cohort: str | None = None) -> dict[str, Any]:
    names: dict[int, dict[str, Any]] = {}

    def person(pid: int) -> dict[str, Any]:
        if pid not in names:
            p = repo.person(pid)
            names[pid] = {"id": p.id, "name": p.name, "email": p.email}
        return names[pid]

    out = []
    for tid in repo.trajectory_ids(cohort):
        t, version = repo.trajectory(tid)
        doc = t.model_dump(mode="json")
        doc["version"] = version
        doc["mentee"] = person(t.mentee_id)
        for match, mdoc in zip(t.matches, doc["matches"], strict=True):
            mdoc["mentor"] = person(match.mentor_id)
            mdoc["ends_by"] = local_date(match.ends_by).isoformat() if match.ends_by else None
            mdoc["interim_due"] = due.isoformat() if (due := match.interim_due()) else None
            for meeting in mdoc["meetings"]:
                meeting.pop("topics", None)  # for the mentor only; not kept once sent (privacy statement)
        out.append(doc)
    return {"trajectories": out}
