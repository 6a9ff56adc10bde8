"""Services are built once per run and passed in (issue 8.4): ``wiring.bootstrap.run_services`` and its one seam."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from tests.integration.conftest import services_for
from wiring.bootstrap import run_services, services


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
        assert services() is svc  # the mail pipeline's deprecated lookup sees this run's too
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
        assert disposed == [] and services() is mine
