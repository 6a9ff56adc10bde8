"""The kring's members: only they apply (seed 000). Importing a list or adding one address lets
every application that waited for that address go on (``administration.enrolment.admit``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mentorschap.cli import SafeGroup, _svc, app
from mentorschap.cohort_cli import CohortOption, _cohort, went_on

members = typer.Typer(help="Leden van de kring: alleen zij melden zich aan.", no_args_is_help=True, cls=SafeGroup)
app.add_typer(members, name="members")


def _admit(rows: list[dict[str, str]], cohort: str | None) -> None:
    from administration.enrolment import admit

    svc = _svc()
    cohort_id = _cohort(svc, cohort)
    added, stored = admit(svc, cohort_id, rows, svc.clock.now())
    typer.echo(f"{added} lid/leden toegevoegd ({len(rows) - added} al bekend)")
    went_on(svc, cohort_id, stored)
    if stored:
        typer.echo(f"{len(stored)} wachtende aanmelding(en) gaan verder in {cohort_id}")


@app.command("import-members")
def import_members(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV with columns name,email[,language]")],
    cohort: CohortOption = None,
) -> None:
    """Add the association's members, who get the cohort's invitation at kickoff."""
    from adapters.members import read_members

    rows, errors = read_members(file)
    if errors:
        for error in errors:
            typer.echo(error, err=True)
        raise typer.Exit(2)
    _admit(rows, cohort)


@members.command("add")
def add(
    email: str,
    name: Annotated[str, typer.Option(help="the member's name (default: as on a waiting application)")] = "",
    language: Annotated[str, typer.Option(help="nl or en")] = "",
    cohort: CohortOption = None,
) -> None:
    """Admit one address as a member; an application that waited for it goes on at once."""
    from adapters.members import check_member

    svc = _svc()
    waiting = {row["email"]: row for row in svc.cohorts.pending(_cohort(svc, cohort))}
    known = waiting.get(email.strip().lower())
    if known is not None:
        name = name or known["name"]
        language = language or known["application"].get("language", "")
    member, errors = check_member(name, email, language)
    if errors:
        for error in errors:
            typer.echo(f"geweigerd: {error.removeprefix('veld ')}", err=True)
        raise typer.Exit(2)
    _admit([member], cohort)
