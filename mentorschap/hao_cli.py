"""``mentorschap hao ...``: the coordinator's commands for the hao-mentor programme."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Annotated

import typer

from domain.clock import AMSTERDAM
from domain.errors import DomainError
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Goal, Guidance, Kind, Progress
from domain.text import dutch_date
from mentorschap.cli import SafeGroup, _svc, app

hao = typer.Typer(help="Hao-mentoren: mensen, gerichte begeleiding, voortgangsgesprekken, dossier.",
                  no_args_is_help=True, cls=SafeGroup)
app.add_typer(hao, name="hao")


@hao.command("person")
def person(role: HaoRole, name: str, email: str, expertise: str = "", practice: str = "",
           capacity: Annotated[int, typer.Option(help="mentor: starting trainers at once (COMO's list)")] = 2,
           ) -> None:
    """Add a trainer, mentor, staff (institute contact) or chair (COMO); prints the id."""
    new = HaoPerson(role=role, name=name, email=email, expertise=expertise, practice=practice,
                    capacity=capacity)  # checked first
    typer.echo(_svc().hao.repo.add_person(new))


@hao.command("mentors")
def mentors() -> None:
    """The mentor directory."""
    from domain.hao.people import directory

    for p in directory(_svc().hao.repo.people(HaoRole.MENTOR)):
        typer.echo(f"{p.id:4d}  {p.name:28s} {p.expertise}")


@hao.command("guidance")
def guidance(
    trainer_id: int, mentor_id: int,
    goal: Annotated[list[str], typer.Option(help="'AREA:text', area 2, 3 or 5; repeat for more goals")],
    reason: Annotated[str, typer.Option(help="tailoring, short_term or practice")] = "tailoring",
    requested_by: Annotated[str, typer.Option(help="institute or colleague")] = "institute",
) -> None:
    """Start a targeted guidance agreed with the institute; the trainer then signs the goals."""
    from adapters.hao_store import new_pseudonym

    svc = _svc()
    now = svc.clock.now()
    try:
        goals = [Goal(area=int(g.split(":", 1)[0]), text=g.split(":", 1)[1]) for g in goal]
        t = Guidance.request(trainer_id, mentor_id, requested_by, reason, goals, new_pseudonym(Kind.GUIDANCE), now)
    except (DomainError, ValueError, IndexError) as exc:
        typer.echo(f"geweigerd: {exc}", err=True)
        raise typer.Exit(2) from exc
    t = svc.hao.repo.add_trajectory(t, now)
    svc.hao.start(t)
    typer.echo(t.id)


@hao.command("starter")
def starter(trainer_id: int, due: Annotated[str | None, typer.Option(help="dd-mm-jjjj or YYYY-MM-DD")] = None) -> None:
    """Register a starting trainer for progress conversations; the COMO chair couples a mentor."""
    from adapters.hao_store import new_pseudonym

    try:
        day = dutch_date(due) if due else None
    except ValueError as exc:
        raise DomainError("due", str(exc)) from None
    svc = _svc()
    now = svc.clock.now()
    due_by = datetime.combine(day, time(17), tzinfo=AMSTERDAM) if isinstance(day, date) else None
    t = svc.hao.repo.add_trajectory(Progress.start(trainer_id, new_pseudonym(Kind.PROGRESS), now, due_by), now)
    svc.hao.start(t)
    typer.echo(t.id)


@hao.command("dossier")
def dossier(trajectory_id: int) -> None:
    """The trainer's dossier of signed progress reports, as an HTML document."""
    from administration.hao_export import render_dossier

    typer.echo(render_dossier(_svc(), trajectory_id))


@hao.command("status")
def status() -> None:
    """One line per hao trajectory: id, kind, pseudonym, phase (no names: a consultation stays anonymous)."""
    for t in _svc().hao.repo.all():
        typer.echo(json.dumps({"id": t.id, "kind": t.kind.value, "pseudonym": t.pseudonym, "phase": t.phase.value}))
