"""Session-wide fixtures: the real stack is started at most once per test run; with ``--db=postgresql``
our database is a PostgreSQL one (a throwaway cluster, tests/postgres.py) in every tier that uses it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=("sqlite", "postgresql"), default="sqlite",
                     help="our database in the integration and flow tiers (make test runs them on both)")


def on_postgres(config: pytest.Config) -> bool:
    return config.getoption("--db") == "postgresql"


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """One throwaway PostgreSQL cluster for the whole run, started only when a test asks for it."""
    from tests.postgres import cluster

    try:
        with cluster() as url:
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def served_database(request: pytest.FixtureRequest) -> Callable[[], str | None]:
    """Our database for a served stack: ``None`` (its own SQLite file), or on the PostgreSQL pass a new
    database in the session's cluster (Prefect's own database stays SQLite)."""
    from tests.postgres import database

    def new() -> str | None:
        return database(request.getfixturevalue("pg_admin_url")) if on_postgres(request.config) else None

    return new


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs only what runs on our database as the tier gives it (``db_url`` in the
    integration tier, ``served_database`` in the flow tier): the rest (mail, calendars, the tests that pick
    SQLite and PostgreSQL themselves, the two-worker test that is PostgreSQL throughout) ran the same in the
    first pass.

    Under pytest-xdist (``-n 2 --dist loadgroup``, as ``make test`` runs) a module's tests stay on one worker,
    so a module's fixtures (a stack, a Prefect test server) start once; the flow tier's modules that share
    the package's served stack stay together too."""
    for item in items:
        module = getattr(item, "module", None)
        shares_stack = "stack" in getattr(item, "fixturenames", ()) and not hasattr(module, "stack")
        item.add_marker(pytest.mark.xdist_group("served-stack" if shares_stack else item.nodeid.split("::")[0]))
    if not on_postgres(config):
        return
    kept = [item for item in items if {"db_url", "served_database"} & set(getattr(item, "fixturenames", ()))]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept
