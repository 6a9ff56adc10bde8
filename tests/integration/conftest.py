"""Fixtures of the integration tier: its database (SQLite, or PostgreSQL with ``--db=postgresql``)
and a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text

from adapters.db import create_schema, load_tables, make_engine, metadata
from adapters.outbox import Outbox
from demo.mailserver import MaildirServer
from domain.clock import Clock
from tests.conftest import on_postgres
from tests.postgres import database, drop
from wiring.bootstrap import Services, build, provided
from wiring.settings import Settings

TIER = "mentorschap_tier"


@pytest.fixture(scope="session")
def pg_database(pg_admin_url: str) -> str:
    """One database at the newest migration for the whole PostgreSQL pass (emptied for every test)."""
    url = database(pg_admin_url, TIER)
    engine = make_engine(url)
    create_schema(engine)
    engine.dispose()
    return url


def emptied(url: str) -> str:
    """The tier's database as new: the previous test's connections closed, every row deleted and the ids
    starting at 1 again (milliseconds; a new database or TRUNCATE makes new files and takes 10-100 times longer)."""
    load_tables()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.exec_driver_sql("; ".join(f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables))
                             + "; SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S'")
    engine.dispose()
    return url


@pytest.fixture
def pg_url(pg_database: str) -> str:
    """A PostgreSQL database of this test's own (in either pass)."""
    return emptied(pg_database)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of this test's own: a new SQLite file, or on the PostgreSQL pass its database emptied."""
    if not on_postgres(request.config):
        return f"sqlite:///{tmp_path / 'mentorschap.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each of SQLite and PostgreSQL (in both passes): for migrations and restores."""
    yield from empty_database(request, request.param, tmp_path / "leeg.db")


def empty_database(request: pytest.FixtureRequest, kind: str, sqlite_path: Path) -> Iterator[str]:
    """A new, empty database of ``kind``: a SQLite file at ``sqlite_path``, or one in the test cluster
    (dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{sqlite_path}"
        return
    admin = request.getfixturevalue("pg_admin_url")
    url = database(admin)
    yield url
    drop(admin, url)


@contextmanager
def services_for(db_url: str, clock: Clock | None = None, **settings: Any) -> Iterator[Services]:
    """Services for a test's database (and clock), provided (``wiring.bootstrap.provided``) to the CLI and
    the flows the test calls in-process; the engine disposed afterwards."""
    svc = build(Settings(database_url=db_url, **settings), clock=clock)
    try:
        with provided(svc):
            yield svc
    finally:
        svc.engine.dispose()


@pytest.fixture
def cli_services(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Services]:
    """What the CLI builds from its settings (the real clock), for this test's database and a mail port
    nothing listens on; run in ``tmp_path`` (error logs go to its var/log)."""
    monkeypatch.chdir(tmp_path)
    with services_for(db_url, smtp_port=9) as svc:
        yield svc


@pytest.fixture
def sqlite_only(request: pytest.FixtureRequest) -> None:
    """For what exists only on SQLite (its file, WAL, VACUUM): skipped on the PostgreSQL pass."""
    if on_postgres(request.config):
        pytest.skip("SQLite only")


@pytest.fixture
def outbox_engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def box(outbox_engine: Engine) -> Outbox:
    return Outbox(outbox_engine)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[MaildirServer]:
    """A real SMTP server on a loopback port that files every message into a Maildir."""
    with MaildirServer(tmp_path / "maildir") as server:
        yield server

