"""Artifacts for the facilitator in the Prefect UI: the cohort board, the signed plan, evaluations."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from domain.board import board_row, sort_rows
from domain.clock import local_date
from domain.trajectory import EvaluationKind, Match, Trajectory
from domain.waits import RunKind
from tasks.messages import undelivered, undelivered_line
from wiring.bootstrap import Services


@task(name="publish cohort board", cache_policy=NO_CACHE)
def publish_board(svc: Services, cohort: str) -> bool:
    """The board of every trajectory of the cohort (a new version only when something changed)."""
    now = svc.clock.now()
    refused = svc.run_store.refusals(RunKind.TRAJECTORY)
    rows = []
    for tid in svc.repo.trajectory_ids(cohort):
        t, _ = svc.repo.trajectory(tid)
        mentor = svc.repo.person(t.mentor_id).name if t.mentor_id else ""
        rows.append(board_row(t, svc.repo.person(t.mentee_id).name, mentor, now, refused.get(str(tid), "")))
    if not rows:
        return False
    about = f"Cohortbord {cohort}: fase, laatste actie, volgende moment en achterstand per paar"
    if own := svc.run_store.refusals(RunKind.COHORT).get(cohort):
        about = f"NIET UITGEVOERD (cohort-run): {own}\n\n{about}"
    if failed := undelivered(svc, cohort):  # a 5xx: the address to correct, and how to send again
        about += "\n\n" + "\n".join(f"NIET BEZORGD: {undelivered_line(item)}" for item in failed)
    # The board changes with the date column only when something is due; compare without 'now'.
    return svc.artifacts.table(f"cohortbord-{_slug(cohort)}", sort_rows(rows), about, now)


def publish_documents(svc: Services, t: Trajectory) -> int:
    """The signed plan and every recorded evaluation of the trajectory as read, each once per change.

    A plain call, not a task run: most wake-ups have nothing new to publish.
    """
    now = svc.clock.now()
    published = 0
    for match in t.matches:
        if match.signed_at is None and not match.evaluations:
            continue
        names = (svc.repo.person(t.mentee_id).name, svc.repo.person(match.mentor_id).name)
        if match.signed_at is not None and match.plan is not None and not match.plan_unsigned:
            published += svc.artifacts.markdown(f"plan-t{t.id}-k{match.number}", plan_markdown(match, names),
                                                f"Ondertekend mentorschapsplan, traject {t.id}", now)
        for kind, evaluation in match.evaluations.items():
            if evaluation.recorded_at is not None:
                published += svc.artifacts.markdown(
                    f"evaluatie-t{t.id}-k{match.number}-{kind.value}", evaluation_markdown(t, match, kind, names),
                    f"{kind.value} evaluatie, traject {t.id}", now)
    return published


def plan_markdown(match: Match, names: tuple[str, str]) -> str:
    plan = match.plan
    assert plan is not None and match.signed_at is not None and match.ends_by is not None
    signatures = match.current_signatures().values()
    signed = ", ".join(f"{s.role.value} op {local_date(s.signed_at):%d-%m-%Y}" for s in signatures)
    goals = "\n".join(f"- {g}" for g in plan.goals)
    return (f"# Mentorschapsplan {names[0]} en {names[1]}\n\nVersie {plan.version}, ondertekend door {signed}. "
            f"Looptijd tot uiterlijk {local_date(match.ends_by):%d-%m-%Y}.\n\n## Leerdoelen\n\n{goals}\n\n"
            f"## Plan\n\n{plan.text}\n\n`sha256 {plan.digest[:16]}…`\n")


def evaluation_markdown(t: Trajectory, match: Match, kind: EvaluationKind, names: tuple[str, str]) -> str:
    e = match.evaluations[kind]
    assert e.recorded_at is not None  # only recorded evaluations are published
    title = "Tussenevaluatie" if kind.value == "interim" else "Eindevaluatie"
    forms = "\n\n".join(f"### Formulier {role.value}\n\n{text}" for role, text in e.forms.items())
    return (f"# {title} {names[0]} en {names[1]}\n\nContact: {e.contact}, vastgelegd op "
            f"{local_date(e.recorded_at):%d-%m-%Y}. Bijeenkomsten gehouden: {len(match.held_meetings())}.\n\n"
            f"## Uitkomst\n\n{e.outcome}\n\n{forms or '_Geen formulieren._'}\n")


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")
