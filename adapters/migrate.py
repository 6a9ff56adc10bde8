"""Schema changes through Alembic: the migrations in ``adapters/migrations``, applied in order.

Every process that builds its services calls ``upgrade`` (``create_schema``): at the newest
revision it only reads the version (without importing Alembic: a flow-run process starts for
every wake), otherwise one process migrates inside one transaction that holds the write lock
(SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock) while the others wait and then find
nothing left to do. A database made before migrations existed (by ``metadata.create_all``) is
adopted: stamped at the first revision, which is that schema.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema as metadata.create_all made it before there were migrations
HEAD = "0003"  # the newest revision: raise it with every new one (a test compares it with Alembic's)
LOCK_KEY = 7_013_114  # PostgreSQL advisory lock: one migrating process at a time


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an ini file; env.py migrates on ``connection``."""
    from alembic.config import Config

    found = Config()
    found.set_main_option("script_location", str(MIGRATIONS))
    found.set_main_option("path_separator", "os")
    found.attributes["connection"] = connection
    return found


def _revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty (or pre-migration) database."""
    with engine.connect() as conn:
        return _revision(conn)


def upgrade(engine: Engine, attempts: int = 5) -> str:
    """Apply the migrations the database lacks; returns the revision it is at.

    A new SQLite file that several processes open at once can answer "database is locked" before
    its busy timeout applies (switching a new file to WAL takes it whole): then try again, briefly.
    """
    for attempt in range(1, attempts + 1):
        try:
            return _upgrade(engine)
        except OperationalError as exc:
            if engine.dialect.name != "sqlite" or "locked" not in str(exc) or attempt == attempts:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


def _upgrade(engine: Engine) -> str:
    if current(engine) == HEAD:
        return HEAD
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        found = config(conn)
        if _revision(conn) is None and inspect(conn).has_table("trajectories"):
            command.stamp(found, BASELINE)
        command.upgrade(found, "head")
        return _revision(conn) or HEAD


def new_revision(message: str) -> Path:
    """Write the next migration, generated from what the code's tables have that the newest revision
    lacks (Alembic's autogenerate against a scratch SQLite database at HEAD); read it before committing,
    and raise HEAD to its number."""
    import tempfile

    from alembic import command

    from adapters.db import load_tables, make_engine

    load_tables()
    number = f"{int(HEAD) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/head.db")
        upgrade(engine)
        with engine.begin() as conn:
            script = command.revision(config(conn), message=message, autogenerate=True, rev_id=number)
        engine.dispose()
    if script is None or isinstance(script, list):
        raise RuntimeError("Alembic wrote no single revision")
    return Path(script.path)
