"""The facilitator's cohort commands: import applications, training attendance and the accreditation
export, the matching's approval, travel costs, contributions paid and unpaid (members:
``mentorschap.members_cli``)."""

from __future__ import annotations

import csv
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from domain.cohort import APPROVAL, TRAINING
from domain.errors import DomainError
from mentorschap.cli import _svc, app

if TYPE_CHECKING:
    from adapters.cohorts import Applied
    from wiring.bootstrap import Services

CohortOption = Annotated[str | None, typer.Option(
    "--cohort", help="cohort id (default: the cohort whose application window is open, else the latest)")]


def _cohort(svc: Services, cohort: str | None) -> str:
    return cohort or svc.open_cohort()


def _euros(text: str) -> int:
    try:
        amount = Decimal(text.replace("€", "").replace(",", ".").strip())
    except InvalidOperation:
        typer.echo(f"geweigerd: bedrag: '{text}' is geen bedrag (bijvoorbeeld 23,50)", err=True)
        raise typer.Exit(2) from None
    if amount < 0:
        typer.echo("geweigerd: bedrag: een bedrag is niet negatief", err=True)
        raise typer.Exit(2)
    return int((amount * 100).quantize(Decimal(1)))


def _money(cents: int) -> str:
    return f"€ {cents // 100},{cents % 100:02d}"


@app.command("import-applications")
def import_applications(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV with one application per row")],
    cohort: CohortOption = None,
    ignore_window: Annotated[bool, typer.Option(help="paper forms received in time, imported later")] = False,
) -> None:
    """Import application forms from CSV: all rows or none; every invalid value with its row, field and reason."""
    from administration.enrolment import import_applications as run_import

    svc = _svc()
    cohort_id = _cohort(svc, cohort)
    stored, errors = run_import(svc, cohort_id, file, svc.clock.now(), ignore_window=ignore_window)
    if errors:
        for error in errors:
            typer.echo(str(error), err=True)
        typer.echo(f"niets geïmporteerd: {len(errors)} fout(en) in {file.name}", err=True)
        raise typer.Exit(2)
    went_on(svc, cohort_id, stored)
    typer.echo(f"{len(stored)} aanmelding(en) geïmporteerd in {cohort_id}")
    if waiting := svc.cohorts.pending(cohort_id):
        typer.echo(f"{len(waiting)} aanmelding(en) wachten: geen lid van de kring (zie `mentorschap applications`)")


def went_on(svc: Services, cohort_id: str, stored: list[Applied]) -> None:
    """One line per stored application; each mentee's trajectory run is started (or left to the sweep)."""
    for applied in stored:
        note = "" if applied.eligible else f"  niet geschikt: {'; '.join(applied.reasons)}"
        typer.echo(f"{applied.person_id:4d}  {applied.role.value:6s} {applied.email}{note}")
        if applied.trajectory_id is not None:
            try:
                svc.runs.start(applied.trajectory_id, name=f"mentee {applied.person_id}",
                               tags=["mentee", f"cohort:{cohort_id}", f"trajectory:{applied.trajectory_id}"])
            except Exception:
                typer.echo(f"      traject {applied.trajectory_id}: de timer-sweep start de run", err=True)


@app.command()
def applications(cohort: CohortOption = None) -> None:
    """Every application of the cohort; an ineligible mentor with the reason, a non-member's waiting one last."""
    svc = _svc()
    for row in svc.repo.people_of(_cohort(svc, cohort)):
        reason = "" if row["eligible"] else f"  NIET GESCHIKT: {row['ineligible_reason']}"
        typer.echo(f"{row['id']:4d}  {row['role']:6s} {row['name']:28s} {row['email']}{reason}")
    for row in svc.cohorts.pending(_cohort(svc, cohort)):
        typer.echo(f"   -  {row['role']:6s} {row['name']:28s} {row['email']}  WACHT: geen lid van de kring; "
                   f"toelaten met: mentorschap members add {row['email']}")


@app.command()
def attendance(
    person_ids: Annotated[list[int], typer.Argument(help="mentors (person ids)")],
    cohort: CohortOption = None,
    absent: Annotated[bool, typer.Option(help="record that they did not attend")] = False,
) -> None:
    """Record who attended the mentor training (3 accreditation points each); wakes the cohort run."""
    svc = _svc()
    cohort_id = _cohort(svc, cohort)
    plan = svc.cohorts.plan(cohort_id)
    if plan is None:
        typer.echo(f"geweigerd: cohort: {cohort_id} is niet geopend", err=True)
        raise typer.Exit(2)
    try:
        svc.cohorts.record_attendance(plan, person_ids, not absent, svc.clock.now())
    except DomainError as exc:
        typer.echo(f"geweigerd: {exc.field}: {exc.reason}", err=True)
        raise typer.Exit(2) from exc
    woke = svc.cohort_runs.wake(cohort_id, "system", note="aanwezigheid (CLI)", label=TRAINING)
    typer.echo("vastgelegd" + ("; cohort-run gewekt" if woke else
                               "; de cohort-run wacht nu niet op de aanwezigheid: de timer-sweep wekt hem zo nodig"))


@app.command("approve-matching")
def approve_matching(
    change: Annotated[list[str] | None, typer.Option(
        "--change", help="TRAJECT=MENTOR: another mentor for this mentee than proposed (repeat per mentee)")] = None,
    cohort: CohortOption = None,
) -> None:
    """Approve the cohort's matching proposal (the artifact 'matchingsvoorstel' on the cohort run), as her
    form on the run does: the approval is stored first, then the run is woken to hand out the mentors."""
    from tasks.cohort import settle_matching

    svc = _svc()
    cohort_id = _cohort(svc, cohort)
    plan = svc.cohorts.plan(cohort_id)
    proposal = svc.cohorts.proposal(cohort_id) if plan else None
    if plan is None or proposal is None:
        why = "is niet geopend" if plan is None else "heeft nog geen matchingsvoorstel (na de menteeaanmelding)"
        typer.echo(f"geweigerd: cohort: {cohort_id} {why}", err=True)
        raise typer.Exit(2)
    if proposal.get("approved") is not None:
        typer.echo(f"het matchingsvoorstel van {cohort_id} was al goedgekeurd")
        return
    changes = []
    for pair in change or []:
        trajectory, _, mentor = pair.partition("=")
        if not (trajectory.strip().isdigit() and mentor.strip().isdigit()):
            typer.echo(f"geweigerd: change: '{pair}' is niet TRAJECT=MENTOR (twee ids, bijvoorbeeld 12=7)", err=True)
            raise typer.Exit(2)
        changes.append({"trajectory_id": int(trajectory), "mentor_id": int(mentor)})
    refusals = settle_matching.fn(svc, plan, True, changes, svc.clock.now())  # the task's body: no run here
    for refusal in refusals:
        typer.echo(f"geweigerd: {refusal}", err=True)
    if refusals:
        raise typer.Exit(2)
    woke = svc.cohort_runs.wake(cohort_id, "system", note="goedkeuring (CLI)", label=APPROVAL)
    typer.echo("goedgekeurd" + ("; cohort-run gewekt: hij geeft elke mentee de mentor" if woke else
                                "; de cohort-run wacht nu niet op de goedkeuring: de timer-sweep wekt hem zo nodig"))


@app.command("accreditation-export")
def accreditation_export(
    cohort: CohortOption = None,
    output: Annotated[Path | None, typer.Option(help="CSV file (default: standard output)")] = None,
) -> None:
    """The training attendance for the accreditation body: name, BIG number, date, points (CSV)."""
    svc = _svc()
    rows = svc.cohorts.attendance(_cohort(svc, cohort))
    out = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["naam", "big_nummer", "datum", "accreditatiepunten"])
    for row in rows:
        writer.writerow([row.name, row.big_number or "", row.date.isoformat(), row.points])
    if output:
        out.close()
        typer.echo(f"{len(rows)} deelnemer(s) naar {output}")


@app.command("travel-costs")
def travel_costs(
    person_id: int,
    amount: Annotated[str, typer.Argument(help="euros, e.g. 23,50")],
    cohort: CohortOption = None,
) -> None:
    """Record a mentor's travel costs to the training (paid by the association)."""
    svc = _svc()
    try:
        svc.cohorts.set_travel_costs(_cohort(svc, cohort), person_id, _euros(amount))
    except DomainError as exc:
        typer.echo(f"geweigerd: {exc.field}: {exc.reason}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("vastgelegd")


@app.command()
def paid(
    person_id: int,
    amount: Annotated[str | None, typer.Option(help="euros; default: what is still due")] = None,
    cohort: CohortOption = None,
) -> None:
    """Record a mentee's payment of the contribution."""
    svc = _svc()
    try:
        due = svc.cohorts.record_payment(_cohort(svc, cohort), person_id, _euros(amount) if amount else None,
                                         svc.clock.now())
    except DomainError as exc:
        typer.echo(f"geweigerd: {exc.field}: {exc.reason}", err=True)
        raise typer.Exit(2) from exc
    typer.echo("vastgelegd" + (f"; nog te betalen: {_money(due)}" if due else "; volledig betaald"))


@app.command()
def unpaid(cohort: CohortOption = None) -> None:
    """Mentees whose contribution is not (fully) paid."""
    svc = _svc()
    rows = svc.cohorts.unpaid(_cohort(svc, cohort))
    for row in rows:
        typer.echo(f"{row.person_id:4d}  {row.name:28s} {row.email:36s} {_money(row.due_cents - row.paid_cents)}")
    typer.echo(f"{len(rows)} openstaande bijdrage(n)")


@app.command()
def report(
    cohort: Annotated[str | None, typer.Argument(help="cohort id (default: the current cohort)")] = None,
    output: Annotated[Path | None, typer.Option(help="HTML file (default: var/kringrapport-<cohort>.html)")] = None,
) -> None:
    """The kring's report on a cohort as one HTML file: counts, a funnel, the pairs' timeline, money."""
    from administration.report import cohort_report_html

    svc = _svc()
    cohort_id = _cohort(svc, cohort)
    if svc.cohorts.plan(cohort_id) is None and not svc.repo.trajectory_ids(cohort_id):
        typer.echo(f"geweigerd: cohort: {cohort_id} is onbekend", err=True)
        raise typer.Exit(2)
    path = output or svc.settings.var_dir / f"kringrapport-{cohort_id}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cohort_report_html(svc, cohort_id), encoding="utf-8")
    typer.echo(f"kringrapport {cohort_id} naar {path}")


import mentorschap.members_cli  # noqa: E402,F401  (registers ``mentorschap members ...``; it builds on this module)
