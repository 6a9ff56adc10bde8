"""The kring's report: read one cohort from the database, and publish it as a Prefect artifact.

The counting is ``domain.report``; the HTML file is ``administration.report``. The artifact
holds no date of its own, so the sweep adds a version only when a figure changed.
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from domain.people import Role
from domain.report import Applicant, CohortReport, build_report, euros
from tasks.artifacts import _slug
from wiring.bootstrap import Services


def read_report(svc: Services, cohort: str) -> CohortReport:
    """The cohort's report from the database (the record of truth)."""
    plan = svc.cohorts.plan(cohort)
    applicants = [
        Applicant(role=Role(r["role"]), eligible=bool(r["eligible"]), ineligible_reason=r["ineligible_reason"] or "",
                  attended=r["attended"], points=r["points"] or 0, travel_cents=r["travel_cents"],
                  contribution_cents=r["contribution_cents"] or 0, paid_cents=r["paid_cents"] or 0)
        for r in svc.cohorts.applicants(cohort)
    ]
    trajectories = [svc.repo.trajectory(tid)[0] for tid in svc.repo.trajectory_ids(cohort)]
    trajectories = [t for t in trajectories if t.programme == "peer"]
    return build_report(cohort, plan.name if plan else cohort, applicants, trajectories)


def report_cohorts(svc: Services) -> list[str]:
    """Programme A's cohorts with anything to report: opened, or holding trajectories."""
    return sorted(set(svc.repo.cohorts("peer")) | set(svc.cohorts.ids("peer")))


SYMBOLS = {"held": "●", "planned": "○", "cancelled": "✕", "interim": "◆", "final": "◇"}


@task(name="publish kring report", cache_policy=NO_CACHE)
def publish_report(svc: Services, cohort: str) -> bool:
    """The report as a markdown artifact ``kringrapport-<cohort>`` (a new version only when it changed)."""
    report = read_report(svc, cohort)
    return svc.artifacts.markdown(f"kringrapport-{_slug(cohort)}", report_markdown(report),
                                  f"Kringrapport {report.name}: aantallen, tijdlijn, evaluaties en geld",
                                  svc.clock.now())


def report_markdown(r: CohortReport) -> str:
    """The report for the Prefect UI: the same figures as the HTML file, bars drawn with characters."""
    widest = max((s.count for s in r.funnel), default=0) or 1
    lines = [f"# Kringrapport {r.name}", "", "## Van aanmelding tot eindevaluatie", "",
             "| stap | aantal | |", "| --- | ---: | --- |"]
    lines += [f"| {s.label} | {s.count} | {'█' * round(20 * s.count / widest)} |" for s in r.funnel]
    lines += ["", "## Gestopt", ""]
    lines += [f"- {group}: {n}" for group, n in r.stopped.items()] or ["- niemand"]
    if r.ineligible:
        lines += ["", "## Niet geschikt als mentor", ""]
        lines += [f"- {group}: {n}" for group, n in r.ineligible.items()]
    lines += ["", "## Paren", ""]
    if r.pairs:
        lines += ["| paar | ondertekend | uiterlijk tot | gehouden | stand | tijdlijn |",
                  "| --- | --- | --- | ---: | --- | --- |"]
        lines += [f"| {p.pseudonym} | {p.signed:%d-%m-%Y} | {p.ends_by:%d-%m-%Y} | {p.held} | {p.state} | "
                  f"{' '.join(f'{SYMBOLS[m.kind]} {m.day:%d-%m}' for m in p.marks[1:])} |" for p in r.pairs]
        lines += ["", "● gehouden · ○ gepland · ✕ afgezegd · ◆ tussenevaluatie · ◇ eindevaluatie"]
    else:
        lines += ["Nog geen paar heeft het mentorschapsplan ondertekend."]
    lines += ["", "## Evaluaties", "", "| | vastgelegd | open | contact | formulieren mentee/mentor | "
              "bijeenkomsten gehouden (min–max, mediaan) |", "| --- | ---: | ---: | --- | --- | --- |"]
    for e in r.evaluations:
        contact = ", ".join(f"{k} {v}" for k, v in e.by_contact.items()) or "-"
        held = f"{e.meetings_held[0]}–{e.meetings_held[1]}, {e.meetings_held[2]:g}" if e.meetings_held else "-"
        lines.append(f"| {e.label} | {e.recorded} | {e.due_or_open} | {contact} | "
                     f"{e.forms['mentee']}/{e.forms['mentor']} | {held} |")
    m = r.money
    lines += ["", "## Geld en accreditatie", "",
              f"- bijdragen mentees: {euros(m.contribution_due_cents)} verschuldigd, "
              f"{euros(m.contribution_paid_cents)} ontvangen, {euros(m.outstanding_cents)} open "
              f"({m.mentees_owing} mentee(s))",
              f"- reiskosten training: {euros(m.travel_cents)} ({m.travel_claims} mentor(en))",
              f"- accreditatiepunten: {m.points} ({m.mentors_with_points} mentor(en))", ""]
    return "\n".join(lines)
