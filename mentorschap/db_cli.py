"""``mentorschap db ...``: the schema's migrations, backup and restore of our database.

These commands use the database setting alone (``MENTORSCHAP_DATABASE_URL``), not the services,
so that looking at or restoring a database never migrates it first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from mentorschap.cli import SafeGroup, app

db = typer.Typer(help="Onze database: migraties, reservekopie en herstel.", no_args_is_help=True, cls=SafeGroup)
app.add_typer(db, name="db")


def _url() -> str:
    from wiring.settings import Settings

    return Settings().database_url


@contextmanager
def _refusing() -> Iterator[None]:
    """A backup or restore that cannot be done ends with its reason in one line (exit 1)."""
    from adapters.backup import BackupError

    try:
        yield
    except BackupError as exc:
        typer.echo(f"fout: {exc}", err=True)
        raise typer.Exit(1) from None


@db.command("upgrade")
def upgrade() -> None:
    """Apply the migrations the database lacks (every process also does this when it starts)."""
    from adapters.db import make_engine
    from adapters.migrate import upgrade as migrate

    engine = make_engine(_url())
    typer.echo(f"database op revisie {migrate(engine)}")
    engine.dispose()


@db.command("current")
def current() -> None:
    """The revision the database is at, and the newest this version knows."""
    from adapters.db import make_engine
    from adapters.migrate import HEAD
    from adapters.migrate import current as revision

    engine = make_engine(_url())
    found = revision(engine)
    engine.dispose()
    typer.echo(f"database op revisie {found or 'geen (leeg)'}; nieuwste revisie {HEAD}")


@db.command("backup")
def backup(file: Path) -> None:
    """Write a backup of the database to FILE (SQLite: a database file; PostgreSQL: pg_dump's format)."""
    from adapters.backup import backup as write

    with _refusing():
        write(_url(), file)
    typer.echo(f"reservekopie geschreven: {file}")


@db.command("restore")
def restore(file: Path, ja: Annotated[bool, typer.Option("--ja", "--yes", help="without asking")] = False) -> None:
    """Replace the database by the backup FILE and migrate it; stop the portal and workers first."""
    from adapters.backup import restore as read

    if not ja:
        typer.confirm("De hele database vervangen door de reservekopie? Wat sindsdien is vastgelegd gaat verloren",
                      abort=True)
    with _refusing():
        revision = read(_url(), file)
    typer.echo(f"teruggezet uit {file}; database op revisie {revision}")


@db.command("revision")
def revision(message: str) -> None:
    """For a developer: write the next migration from the tables in the code (then read it, raise HEAD)."""
    from adapters.migrate import HEAD, new_revision

    path = new_revision(message)
    typer.echo(f"geschreven: {path}; lees hem na en zet HEAD in adapters/migrate.py op {int(HEAD) + 1:04d}")
