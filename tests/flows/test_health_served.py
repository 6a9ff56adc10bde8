"""The portal's /healthz on the real stack: our database and a locked Prefect server both answer."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_the_portal_is_healthy_when_its_database_and_prefect_answer(stack) -> None:
    page = httpx.get(f"{stack.portal}/healthz", timeout=10)
    assert (page.status_code, page.json()) == (200, {"status": "ok"})
