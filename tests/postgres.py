"""A throwaway PostgreSQL cluster for tests (Debian's postgresql, installed by ``make test``).

One cluster on a loopback port, trust authentication, no fsync: fast and gone afterwards.
Every test tier that needs PostgreSQL starts it through ``cluster()``; ``database()`` makes
a fresh database in it, so tests that share a cluster do not see each other's rows.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from mentorschap.stack import free_port


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


def tool(name: str) -> str:
    """A PostgreSQL program of the installed version (initdb, pg_ctl, pg_dump, psql...)."""
    found = _bin(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: `make test` installs Debian's postgresql")
    return found


@contextmanager
def cluster() -> Iterator[str]:
    """Start a cluster; yields the SQLAlchemy URL of its ``postgres`` database."""
    initdb, pg_ctl = tool("initdb"), tool("pg_ctl")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError("no 'postgres' user: Debian's postgresql package creates it") from None
    home = tempfile.mkdtemp(prefix="mentorschap-pg-")
    shutil.chown(home, "postgres")
    data, port = os.path.join(home, "data"), free_port()

    def as_postgres(*args: str) -> None:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", " ".join(args)], check=True,
                       capture_output=True, timeout=120)

    as_postgres(initdb, "-D", data, "--auth=trust", "-U", "postgres", "--no-sync")
    as_postgres(pg_ctl, "-D", data, "-w", "-l", os.path.join(home, "log"), "-o",
                f"'-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200'",
                "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        as_postgres(pg_ctl, "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def database(admin_url: str, name: str | None = None) -> str:
    """A new, empty database in the cluster of ``admin_url``; returns its URL."""
    name = name or f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop(admin_url: str, url: str) -> None:
    """Drop the database of ``url``, closing the connections a test's engines left open."""
    name = url.rsplit("/", 1)[1]
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def files_of(admin_url: str, url: str) -> bytes:
    """What the files of ``url``'s database hold on disk, after a checkpoint wrote the tables to them
    (an update leaves the old row version there until a vacuum: what an erasure must not leave)."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
        folder = os.path.join(conn.execute(text("SHOW data_directory")).scalar_one(), "base", str(conn.execute(
            text("SELECT oid FROM pg_database WHERE datname = :name"), {"name": url.rsplit("/", 1)[1]},
        ).scalar_one()))
    engine.dispose()
    return b"".join(open(entry.path, "rb").read() for entry in os.scandir(folder) if entry.is_file())
