"""``mentorschap cohort add|list``: the next cohort declared without editing code (``cohorts.toml``)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from adapters.cohort_file import CohortFileError, add_cohort, parse_cohort, read_cohorts
from domain.clock import local_date
from mentorschap.cli import SafeGroup, _svc, app

cohorts = typer.Typer(help="Cohorten van het mentorschap: toevoegen aan cohorts.toml, overzicht.",
                      no_args_is_help=True, cls=SafeGroup)
app.add_typer(cohorts, name="cohort")

FileOption = Annotated[Path | None, typer.Option("--file", help="cohorts.toml (default: MENTORSCHAP_COHORTS_FILE)")]
WHEN_FORMATS = ("%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
DAY_FORMATS = ("%d-%m-%Y", "%Y-%m-%d", "%m-%Y", "%Y-%m")


def _refuse(message: str) -> typer.Exit:
    typer.echo(f"geweigerd: {message}", err=True)
    return typer.Exit(2)


def _parse(text: str, formats: tuple[str, ...], where: str, example: str) -> datetime:
    for fmt in formats:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    raise CohortFileError(f"{where}: '{text}' is geen geldige waarde (bijvoorbeeld {example})")


@cohorts.command("add")
def add(
    kenmerk: Annotated[str, typer.Argument(help="kenmerk, bv. zob-2022")],
    name: Annotated[str, typer.Option("--name", help="naam, bv. 'Mentorschap Zuidoost-Brabant 2022'")],
    opens: Annotated[str, typer.Option("--opens", help="aanmelden vanaf, bv. '15-11-2021 09:00'")],
    mentors_until: Annotated[str, typer.Option("--mentors-until", help="mentoren aanmelden tot")],
    training: Annotated[str, typer.Option("--training", help="begin van de mentortraining")],
    location: Annotated[str, typer.Option("--location", help="waar de training is")],
    mentees_until: Annotated[str, typer.Option("--mentees-until", help="mentees aanmelden tot")],
    start: Annotated[str, typer.Option("--start", help="maand waarin de trajecten beginnen, bv. 02-2022")],
    contribution: Annotated[str, typer.Option("--contribution", help="bijdrage per mentee in euro, bv. 150")] = "0",
    cron: Annotated[str, typer.Option("--cron", help="Cron van de kickoff (standaard: op 'aanmelden vanaf')")] = "",
    file: FileOption = None,
) -> None:
    """Declare the next cohort in cohorts.toml; its deployment and Cron schedule follow on the runner's restart."""
    path = file or _svc().settings.cohorts_file
    where = f"{path.name}, cohort {kenmerk}"
    try:
        table: dict[str, Any] = {"kenmerk": kenmerk, "naam": name, "trainingslocatie": location,
                                 "bijdrage": contribution.replace("€", "").replace(",", ".").strip()}
        for key, text in (("aanmelden_vanaf", opens), ("mentoren_tot", mentors_until), ("training", training),
                          ("mentees_tot", mentees_until)):
            table[key] = _parse(text, WHEN_FORMATS, f"{where}, veld {key}", "15-11-2021 09:00")
        table["start_trajecten"] = _parse(start, DAY_FORMATS, f"{where}, veld start_trajecten", "02-2022").date()
        if cron:
            table["kickoff_cron"] = cron
        plan = parse_cohort(table, where)
        add_cohort(path, plan)
    except CohortFileError as exc:
        raise _refuse(str(exc)) from None
    typer.echo(f"{plan.id} toegevoegd aan {path}: kickoff '{plan.schedule}' (Europe/Amsterdam); "
               f"registreer de deployment cohort/{plan.id}: met workers `mentorschap deploy` (systemctl start "
               "mentorschap-deploy) en start de workers opnieuw, anders start de runner opnieuw "
               "(python -m deployments.serve)")


@cohorts.command("list")
def list_cohorts(file: FileOption = None) -> None:
    """Every declared cohort: its windows, its kickoff schedule, and whether its kickoff ran."""
    svc = _svc()
    try:
        plans = read_cohorts(file or svc.settings.cohorts_file)
    except CohortFileError as exc:
        raise _refuse(str(exc)) from None
    opened, now = set(svc.cohorts.ids()), svc.clock.now()
    for p in plans:
        state = "nog niet geopend" if p.id not in opened else (
            "aanmelden open" if p.opens_at <= now < p.mentee_deadline else "geopend")
        typer.echo(f"{p.id:12s} {p.name:40s} aanmelden {_day(p.opens_at)} tot {_day(p.mentee_deadline)}; "
                   f"kickoff '{p.schedule}'; {state}")


def _day(instant: datetime | date) -> str:
    return f"{local_date(instant) if isinstance(instant, datetime) else instant:%d-%m-%Y}"
