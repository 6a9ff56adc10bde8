"""Session-wide fixtures: the real stack is started at most once per test run."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", choices=("sqlite", "postgresql"), default="sqlite",
                     help="the database the integration tier runs on (make test runs it on both)")


@pytest.fixture(scope="session")
def stack():
    from tests.stack import AUTH, running_stack

    yield from running_stack("stack", "2021-01-18T08:00:00+00:00", auth=AUTH)
