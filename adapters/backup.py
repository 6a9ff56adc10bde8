"""Backup and restore of our database, with the database's own tools.

SQLite: the sqlite3 online backup API, a consistent copy while the portal and the runs write
(WAL), written as one self-contained file. PostgreSQL: ``pg_dump --format=custom`` and
``pg_restore`` of Debian's postgresql-client, which keep types, sequences and constraints
exactly (a dump of our own would have to re-implement those). A restore replaces every table of
the target and then migrates it, so a backup made by an older version comes back current.
Stop the portal, the workers and the sweep before a restore: what they write meanwhile is lost.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy import MetaData
from sqlalchemy.engine import URL, make_url

from adapters.db import make_engine
from adapters.migrate import upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in Dutch, in one line."""


def backup(url: str, target: Path) -> None:
    """Write a backup of the database at ``url`` to ``target`` (replaced only when complete)."""
    parsed = make_url(url)
    partial = target.with_name(target.name + ".deel")
    target.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        source = _sqlite_file(parsed)
        if not source.exists():
            raise BackupError(f"de database {source} bestaat niet")
        partial.unlink(missing_ok=True)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
    elif parsed.get_backend_name() == "postgresql":
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"], parsed)
    else:
        raise BackupError(f"geen reservekopie voor {parsed.get_backend_name()}: alleen SQLite en PostgreSQL")
    os.replace(partial, target)


def restore(url: str, source: Path) -> str:
    """Replace the database at ``url`` by the backup ``source``; returns the revision it is at afterwards."""
    parsed = make_url(url)
    if not source.is_file():
        raise BackupError(f"het bestand {source} bestaat niet")
    with source.open("rb") as f:
        magic = f.read(len(SQLITE_MAGIC))
    if parsed.get_backend_name() == "sqlite":
        if magic != SQLITE_MAGIC:
            raise BackupError(f"{source} is geen reservekopie van een SQLite-database")
        target = _sqlite_file(parsed)
        target.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target, timeout=30)) as dst:
            src.backup(dst)
    elif parsed.get_backend_name() == "postgresql":
        if not magic.startswith(PG_MAGIC):
            raise BackupError(f"{source} is geen reservekopie van pg_dump (--format=custom)")
        engine = make_engine(url)
        with engine.begin() as conn:  # pg_restore --clean drops only what the backup holds
            found = MetaData()
            found.reflect(conn)
            found.drop_all(conn)
        engine.dispose()
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
              f"--dbname={parsed.database}", str(source)], parsed)
    else:
        raise BackupError(f"geen herstel voor {parsed.get_backend_name()}: alleen SQLite en PostgreSQL")
    engine = make_engine(url)
    try:
        return upgrade(engine)
    finally:
        engine.dispose()


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("een database in het geheugen heeft geen reservekopie")
    return Path(url.database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} ontbreekt: installeer Debians postgresql-client (apt-get install postgresql-client)")
    return found


def _run(args: list[str], url: URL) -> None:
    """Run a PostgreSQL tool against ``url``; the password goes in the environment, not on the command line."""
    env = dict(os.environ, PGHOST=url.host or "localhost", PGPORT=str(url.port or 5432), PGUSER=url.username or "",
               PGDATABASE=url.database or "")
    if url.password:
        env["PGPASSWORD"] = url.password
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise BackupError(f"{Path(args[0]).name} mislukte: {last}")
