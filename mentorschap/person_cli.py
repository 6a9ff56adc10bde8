"""``mentorschap person ...``: one person's data, seen (right of access) or erased (right to erasure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from mentorschap.cli import SafeGroup, _svc, app

person = typer.Typer(help="Persoonsgegevens van één persoon: inzien (export) of verwijderen (erase).",
                     no_args_is_help=True, cls=SafeGroup)
app.add_typer(person, name="person")


@person.command("export")
def export(email: str, output: Annotated[Path | None, typer.Option(help="write to this file")] = None) -> None:
    """Everything kept about EMAIL, in our database and in Prefect, as JSON."""
    from tasks.privacy import export_person

    text = json.dumps(export_person(_svc(), email), indent=2, ensure_ascii=False)
    if output is None:
        typer.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"geschreven naar {output}")


@person.command("erase")
def erase(email: str, ja: Annotated[bool, typer.Option("--ja", "--yes", help="without asking")] = False) -> None:
    """Erase EMAIL everywhere (database, outbox, Prefect); the other party keeps a nameless record."""
    from tasks.privacy import erase_person

    if not ja:
        typer.confirm(f"Alle gegevens van {email} verwijderen? Dit kan niet ongedaan worden gemaakt", abort=True)
    counts = erase_person(_svc(), email)
    typer.echo(f"verwijderd: {email} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
