"""Fixtures of the integration tier: its database (SQLite, or PostgreSQL with ``--db=postgresql``)
and a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.db import create_schema, make_engine
from adapters.outbox import Outbox
from demo.mailserver import MaildirServer
from tests.postgres import cluster, database, drop

TEMPLATE = "mentorschap_head"


def on_postgres(request: pytest.FixtureRequest) -> bool:
    return request.config.getoption("--db") == "postgresql"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """One throwaway PostgreSQL cluster for the whole run, started only when a test asks for it."""
    try:
        with cluster() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    """A database at the newest migration; every test gets a copy (faster than migrating each)."""
    engine = make_engine(database(pg_admin_url, TEMPLATE))
    create_schema(engine)
    engine.dispose()
    return TEMPLATE


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of this test's own: a SQLite file, or a fresh PostgreSQL database."""
    if not on_postgres(request):
        yield f"sqlite:///{tmp_path / 'mentorschap.db'}"
        return
    admin = request.getfixturevalue("pg_admin_url")
    url = database(admin, template=request.getfixturevalue("pg_template"))
    yield url
    drop(admin, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each of SQLite and PostgreSQL (in both passes): for migrations and restores."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'leeg.db'}"
        return
    admin = request.getfixturevalue("pg_admin_url")
    url = database(admin)
    yield url
    drop(admin, url)


@pytest.fixture
def sqlite_only(request: pytest.FixtureRequest) -> None:
    """For what exists only on SQLite (its file, WAL, VACUUM): skipped on the PostgreSQL pass."""
    if on_postgres(request):
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
