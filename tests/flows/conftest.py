"""The served stack the flow tier's modules share."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture(scope="package")
def stack(served_database: Callable[[], str | None]):
    """One stack for this package's tests, stopped when they are done: while it runs, this process is its
    client (its settings and services, ``mentorschap.stack.stack_environment``), and the tiers after this
    one must not be (found when the integration tier, run after it, built its services from the stack's)."""
    from tests.stack import AUTH, running_stack

    yield from running_stack("stack", "2021-01-18T08:00:00+00:00", auth=AUTH, database=served_database())
