"""Services are built once per run and passed in (issue 8.4): ``wiring.bootstrap.run_services`` and its one seam."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.integration.conftest import services_for
from wiring.bootstrap import run_services


def test_a_run_builds_its_services_from_the_settings_and_disposes_their_engine_at_its_end(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORSCHAP_DATABASE_URL", db_url)  # how a served run's process is configured
    disposed: list[object] = []
    with run_services() as svc:
        event.listen(svc.engine, "engine_disposed", disposed.append)
        assert svc.settings.database_url == db_url
        with run_services() as inner:  # e.g. the sweep called inside a run: the same services
            assert inner is svc
        assert disposed == []
    assert disposed == [svc.engine]  # a runner that runs many runs piles no engines up
    with run_services() as again:
        assert again is not svc


def test_a_test_provides_its_services_and_they_are_left_open(db_url: str) -> None:
    disposed: list[object] = []
    with services_for(db_url) as mine:
        event.listen(mine.engine, "engine_disposed", disposed.append)
        with run_services() as svc:
            assert svc is mine
        assert disposed == []


def test_a_flow_run_by_prefect_uses_the_provided_services_down_to_its_mail(db_url: str, smtp) -> None:
    """Through Prefect's own engine: the flow's run_services() honours provided(), and the tasks it calls
    (the mail pipeline's too) use those services: this test's database, clock and SMTP server."""
    from datetime import UTC, datetime

    from prefect.testing.utilities import prefect_test_harness

    from domain.clock import FakeClock
    from domain.hao.people import HaoPerson, HaoRole
    from flows.hao.support import hao_intervision

    with services_for(db_url, FakeClock(datetime(2021, 9, 6, 8, 0, tzinfo=UTC)), smtp_port=smtp.port) as svc:
        for role, name in ((HaoRole.MENTOR, "Mo Mentor"), (HaoRole.STAFF, "Sanne Staf")):
            svc.hao.repo.add_person(HaoPerson(role=role, name=name, email=f"{name.split()[0].lower()}@example.org"))
        with prefect_test_harness(server_startup_timeout=120):  # its 30 s default is short on a loaded 2-core machine
            assert hao_intervision(2021) == 2
    assert sorted(str(m["To"]) for m in smtp.read()) == ["Mo Mentor <mo@example.org>", "Sanne Staf <sanne@example.org>"]
    assert {row["template"] for row in svc.outbox.rows()} == {"hao_intervision"}


def test_no_module_reaches_a_process_wide_global_of_services() -> None:
    """Issue 8.4: the cached ``services()`` is gone; what runs is handed its services."""
    import ast
    from pathlib import Path

    import wiring.bootstrap

    assert not hasattr(wiring.bootstrap, "services")
    root = Path(__file__).resolve().parents[2]
    packages = ("domain", "adapters", "wiring", "tasks", "flows", "administration", "portal", "deployments",
                "mentorschap", "demo", "benchmarks", "tests")
    reaching = set()
    for path in (p for package in packages for p in (root / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ImportFrom) and node.module == "wiring.bootstrap"
                    and any(alias.name == "services" for alias in node.names)):
                reaching.add(path.relative_to(root).as_posix())
    assert reaching == set()
