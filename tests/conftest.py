"""Session-wide fixtures: the real stack is started at most once per test run; with ``--db=postgresql``
our database is a PostgreSQL one (a throwaway cluster, tests/postgres.py) in every tier that uses it."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

# No test starts Prefect's ephemeral server behind its back (a Prefect client with no PREFECT_API_URL
# does: `mentorschap status` in an outage test did): it cost seconds, outlived the test, and its stop at
# exit logged a traceback into pytest's closed output. A test that wants Prefect starts one and names it.
os.environ["PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"] = "false"


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


# The flow tier's modules that share its package's served stack (``tests/flows/conftest.py``): under
# pytest-xdist they go to one worker together, so the stack starts once (checked at collection below).
SHARED_STACK = frozenset(f"tests/flows/{name}.py" for name in (
    "test_browser", "test_health_served", "test_privacy_served", "test_served_trajectory"))


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``make test`` runs on both cores (``-n 2``): a module's tests stay on one worker, so its fixtures
    (a served stack, a Prefect test server) start once, and the modules sharing the served stack stay
    together. Modules go out in collection order (the flow tier's long ones first), not by test count.
    (xdist's ``loadgroup`` cannot do this under pytest 9: it renames test ids in a way pytest 9 ignores.)"""
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return "served-stack" if module in SHARED_STACK else module

    config.option.loadscopereorder = False
    return ByModule(config, log)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``SHARED_STACK`` must name exactly the modules using the shared stack; a served test gets ten
    minutes. The PostgreSQL pass runs only what runs on our database as the tier gives it (``db_url`` in
    the integration tier, ``served_database`` in the flow tier): the rest (mail, calendars, the tests that
    pick SQLite and PostgreSQL themselves, the two-worker test that is PostgreSQL throughout) ran the same
    in the first pass."""
    for item in items:
        module = getattr(item, "module", None)
        shares = "stack" in getattr(item, "fixturenames", ()) and not hasattr(module, "stack")
        if shares != (item.nodeid.split("::", 1)[0] in SHARED_STACK):
            raise pytest.UsageError(f"{item.nodeid}: list its module in tests/conftest.py SHARED_STACK exactly "
                                    "when it uses the flow tier's shared stack")
        if item.get_closest_marker("slow") and not item.get_closest_marker("timeout"):
            # A served test's stack starts in its first test's setup, which pytest-timeout counts: with the
            # other worker busy beside it that took 80 s where it takes 30 s alone.
            item.add_marker(pytest.mark.timeout(600))
    if not on_postgres(config):
        return
    kept = [item for item in items if {"db_url", "served_database"} & set(getattr(item, "fixturenames", ()))]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept
