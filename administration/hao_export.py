"""What each audience may see of the hao-mentor programme.

- ``institute``: guidance (status; the results report only once the trainer signed that
  it was discussed, with any dissent) and progress conversations (signed reports, the
  flag). Consultations do not exist for this audience: not even a count.
- ``finance``: claims of guidance and progress conversations line by line with per mentor
  their totals; consultations only as one sum per mentor per calendar year that has ended.
- ``coordinator``: everything, for the programme's coordinator (bound to confidentiality).
"""

from __future__ import annotations

from typing import Any

from adapters import hao_views
from adapters.rendering import Renderer
from domain.hao.support import finance_lines
from domain.hao.trajectory import Progress
from wiring.bootstrap import ROOT, Services


def institute_export(svc: Services) -> dict[str, Any]:
    return hao_views.institute_export(svc.hao.repo)


def finance_export(svc: Services) -> dict[str, Any]:
    details, totals, confidential = finance_lines(svc.hao.repo.all(), svc.clock.now())
    for line in details:
        line["mentor"] = svc.hao.repo.person(line.pop("mentor_id")).name
        line["trainer"] = svc.hao.repo.person(line.pop("trainer_id")).name
    mentors = [{"mentor": svc.hao.repo.person(mid).name, **{k: round(v, 2) for k, v in total.items()}}
               for mid, total in sorted(totals.items())]
    yearly = [{"mentor": svc.hao.repo.person(mid).name, "year": year, "amount_eur": value}
              for (mid, year), value in sorted(confidential.items())]
    return {"audience": "finance", "claims": details, "mentor_totals": mentors, "confidential_per_year": yearly,
            "note": "Totalen per mentor zijn de som van de regels. Vertrouwelijke gesprekken staan alleen als "
                    "één bedrag per mentor per afgelopen kalenderjaar in confidential_per_year."}


def coordinator_export(svc: Services) -> dict[str, Any]:
    out = []
    for t in svc.hao.repo.all():
        doc = t.model_dump(mode="json")
        doc["trainer"] = hao_views.person_ref(svc.hao.repo, t.trainer_id)
        doc["mentor"] = hao_views.person_ref(svc.hao.repo, t.mentor_id)
        out.append(doc)
    return {"audience": "coordinator", "trajectories": out}


EXPORTS = {"institute": institute_export, "finance": finance_export, "coordinator": coordinator_export}


def render_dossier(svc: Services, trajectory_id: int) -> str:
    """The trainer's dossier of progress conversations as an HTML document (signed reports only)."""
    t, _ = svc.hao.repo.trajectory(trajectory_id)
    if not isinstance(t, Progress):
        raise ValueError("een dossier hoort bij voortgangsgesprekken")
    env = Renderer(ROOT / "templates").env
    return env.get_template("hao/dossier.html.j2").render(
        t=t, trainer=svc.hao.repo.person(t.trainer_id),
        mentor=svc.hao.repo.person(t.mentor_id) if t.mentor_id else None, reports=t.signed_reports(),
        language="nl",
    )

