"""Two cohorts at once: 2021's pairs still meeting while 2022 applies. The portal offers the cohort whose
window is open, and the board, the report and the CLI's default keep the two apart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adapters.cohort_file import read_cohorts
from demo.mailserver import MaildirServer
from domain.clock import AMSTERDAM, FakeClock
from domain.trajectory import Trajectory
from portal.app import create_app
from tests.integration.conftest import services_for
from tests.integration.test_cohort_enrolment import FakeRuns, form
from tests.integration.test_cohort_file import NEXT, write
from tests.integration.test_report import application
from tests.unit.test_report import START, meet, signed
from wiring.bootstrap import ROOT, Services

NOW = datetime(2021, 11, 22, 10, 0, tzinfo=AMSTERDAM)  # 2022's window is open; 2021's pair meets


@pytest.fixture
def svc(db_url, tmp_path: Path) -> Iterator[Services]:
    server = MaildirServer(tmp_path / "maildir").start()
    with services_for(db_url, FakeClock(NOW), smtp_port=server.port) as svc:
        svc.runs = FakeRuns()  # type: ignore[misc]
        first = read_cohorts(ROOT / "cohorts.toml")[0]
        [second] = read_cohorts(write(tmp_path, NEXT))
        svc.cohorts.open(first, START)
        mentee = svc.repo.add_person(first.id, application("mentee", "Sanne de Vries", 2), START)
        mentor = svc.repo.add_person(first.id, application("mentor", "Dr. Anneke van Dijk"), START)
        tid = svc.repo.add_trajectory(Trajectory.apply(first.id, mentee, START), START).require_id()
        svc.repo.change(tid, lambda t: (signed(t, mentor, START), meet(t, datetime(2021, 3, 1, 19, tzinfo=AMSTERDAM))),
                        START)
        svc.cohorts.open(second, second.opens_at)
        svc.mailbox = server  # type: ignore[attr-defined]
        yield svc
    server.stop()


def test_the_portal_offers_the_cohort_whose_window_is_open_and_files_applications_there(svc: Services) -> None:
    client = TestClient(create_app(svc))
    page = client.get("/apply?role=mentor").text
    assert "Mentorschap Zuidoost-Brabant 2022" in page and "<form" in page
    assert client.post("/apply?role=mentor", data=form(name="Dr. Pieter Jansen", email="pieter@example.org",
                                                       years_experience="20", topics="praktijk")).status_code == 200
    assert client.post("/apply?role=mentee", data=form(name="Tom Bakker", email="tom@example.org")).status_code == 200
    assert [p["name"] for p in svc.repo.people_of("zob-2022")] == ["Dr. Pieter Jansen", "Tom Bakker"]
    assert len(svc.repo.people_of("zob-2021")) == 2  # untouched
    [tid] = svc.repo.trajectory_ids("zob-2022")
    assert svc.repo.trajectory(tid)[0].cohort == "zob-2022"
    assert [(u.name, u.due_cents) for u in svc.cohorts.unpaid("zob-2022")] == [("Tom Bakker", 17500)]
    assert svc.open_cohort() == "zob-2022"  # the CLI's default too


def test_each_cohort_has_its_own_weekly_digest(svc: Services) -> None:
    from tasks.notices import send_digest

    mentee = svc.repo.add_person("zob-2022", application("mentee", "Tom Bakker", 2), NOW)
    new = svc.repo.add_trajectory(Trajectory.apply("zob-2022", mentee, NOW), NOW).require_id()
    [old] = svc.repo.trajectory_ids("zob-2021")
    assert send_digest.fn(svc, "zob-2021") and send_digest.fn(svc, "zob-2022")  # NOW is a Monday morning
    digests = {str(m["Subject"]): m.get_body(preferencelist=("plain",)).get_content()
               for m in svc.mailbox.read()}  # type: ignore[attr-defined]
    [first] = [text for subject, text in digests.items() if "Weekoverzicht zob-2021" in subject]
    [second] = [text for subject, text in digests.items() if "Weekoverzicht zob-2022" in subject]
    assert "cohort zob-2021 (1 lopende" in first and f"Traject {old}" in first and f"Traject {new}" not in first
    assert "cohort zob-2022 (1 lopende" in second and f"Traject {old}" not in second


def test_the_board_and_the_report_keep_the_cohorts_apart(svc: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.artifacts import publish_board
    from tasks.report import read_report, report_cohorts

    boards: dict[str, list[dict]] = {}
    monkeypatch.setattr("adapters.artifacts.create_table_artifact",
                        lambda table, key, description, _sync: boards.__setitem__(key, table))
    mentee = svc.repo.add_person("zob-2022", application("mentee", "Tom Bakker", 2), NOW)
    svc.repo.add_trajectory(Trajectory.apply("zob-2022", mentee, NOW), NOW)
    assert report_cohorts(svc) == ["zob-2021", "zob-2022"]
    assert publish_board.fn(svc, "zob-2021") and publish_board.fn(svc, "zob-2022")
    assert [(r["mentee"], r["fase"]) for r in boards["cohortbord-zob-2021"]] == [("Sanne de Vries", "bijeenkomsten")]
    assert [(r["mentee"], r["fase"]) for r in boards["cohortbord-zob-2022"]] == [("Tom Bakker", "aanmelding")]
    old, new = read_report(svc, "zob-2021"), read_report(svc, "zob-2022")
    assert (old.applied, len(old.pairs), old.funnel[5].count) == ({"mentoren": 1, "mentees": 1}, 1, 1)
    assert (new.applied, new.pairs) == ({"mentoren": 0, "mentees": 1}, ())
    assert new.name == "Mentorschap Zuidoost-Brabant 2022"

