"""``mentorschap db backup FILE`` and ``db restore FILE``: a restored backup holds every trajectory
of both programmes with its whole history, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from adapters.migrate import HEAD
from administration.export import export_trajectories
from administration.hao_export import coordinator_export
from domain.clock import FakeClock
from domain.hao.people import HaoPerson, HaoRole
from domain.hao.trajectory import Claim, Consultation, Goal, Guidance, Progress
from domain.people import Application, Role
from domain.trajectory import Trajectory
from domain.waits import Subject
from tests.integration.conftest import empty_database
from wiring.bootstrap import Services, build
from wiring.settings import Settings

NOW = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def services(url: str) -> Services:
    return build(Settings(database_url=url, environment="test"), clock=FakeClock(NOW))


def application(role: str, name: str, email: str) -> Application:
    return Application(role=role, name=name, email=email, phone="040-2534567", practice_name=f"Praktijk {name}",
                       practice_address={"street": "Dorpstraat 21", "postcode": "5504HB", "city": "Veldhoven"},
                       years_experience=2 if role == "mentee" else 20, consent=True, learning_goals="grenzen stellen",
                       topics="praktijkvoering")


def fill(svc: Services) -> int:
    """Programme A: a pair from application to a held meeting, and a mentee still in matching; programme B:
    a consultation, a guidance and a progress trajectory; mail in the outbox and a waiting run."""
    repo = svc.repo
    sanne = repo.add_person("zob-2021", application("mentee", "Sanne de Vries", "sanne@example.org"), NOW)
    bert = repo.add_person("zob-2021", application("mentor", "Bert Jansen", "bert@example.org"), NOW)
    mila = repo.add_person("zob-2021", application("mentee", "Mila Peeters", "mila@example.org"), NOW)
    t = repo.add_trajectory(Trajectory.apply("zob-2021", sanne, NOW), NOW)

    def history(t: Trajectory) -> None:
        t.confirm_application(NOW)
        t.choose_mentor(bert, NOW)
        t.answer_kennismaking(Role.MENTEE, True, "Het klikte", NOW)
        t.answer_kennismaking(Role.MENTOR, True, "Goed gesprek", NOW)
        t.submit_plan(["Grenzen stellen"], "Nee leren zeggen", NOW)
        t.sign(Role.MENTEE, sanne, 1, NOW)
        t.sign(Role.MENTOR, bert, 1, NOW)
        meeting = t.propose_meeting(NOW + 7 * 24 * H, NOW)
        t.record_topics(meeting.number, "De apotheek", NOW)

    repo.change(t.require_id(), history, NOW)
    repo.add_trajectory(Trajectory.apply("zob-2021", mila, NOW), NOW)
    svc.run_store.open_wait(Subject.trajectory(t.require_id()), "meeting", repo.trajectory(t.require_id())[1], NOW)

    hao = svc.hao.repo
    trainer = hao.add_person(HaoPerson(role=HaoRole.TRAINER, name="Tineke Trainer", email="t@example.org"))
    mentor = hao.add_person(HaoPerson(role=HaoRole.MENTOR, name="Mo Mentor", email="m@example.org"))
    c = Consultation.request(trainer, mentor, "visit", "Mijn aios en ik botsen", "c-aaaaaa", NOW)
    c.accept(NOW)
    c.plan_conversation(NOW + H, "visit", NOW)
    c.record_held(1, Claim(km=40, hours=2), NOW + 2 * H)
    g = Guidance.request(trainer, mentor, "institute", "short_term", [Goal(area=2, text="Feedback")], "g-aaaaaa", NOW)
    g.sign_goals(NOW)
    for h in (c, g, Progress.start(trainer, "v-aaaaaa", NOW)):
        hao.add_trajectory(h, NOW)
    return t.require_id()


def rows(svc: Services) -> dict[str, list[str]]:
    """Every row of every table, as text, sorted."""
    found = {}
    with svc.engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            found[name] = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{name}"')))
    return found


@pytest.fixture
def target_url(empty_db_url: str, request: pytest.FixtureRequest, tmp_path: Path):
    """A second empty database beside ``empty_db_url``, on the same kind of database."""
    yield from empty_database(request, "sqlite" if empty_db_url.startswith("sqlite") else "postgresql",
                              tmp_path / "elders" / "terug.db")


def cli(monkeypatch: pytest.MonkeyPatch, url: str, *args: str) -> str:
    from mentorschap.cli import app

    monkeypatch.setenv("MENTORSCHAP_DATABASE_URL", url)  # the db commands read the database setting alone
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_restored_backup_holds_every_trajectory_with_its_history(
    empty_db_url: str, target_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = services(empty_db_url)
    waiting = fill(source)
    before = rows(source)
    exported = json.dumps(export_trajectories(source.repo)), json.dumps(coordinator_export(source))
    source.engine.dispose()
    file = tmp_path / "kopie" / "mentorschap.backup"

    assert "reservekopie geschreven" in cli(monkeypatch, empty_db_url, "db", "backup", str(file))
    assert f"database op revisie {HEAD}" in cli(monkeypatch, target_url, "db", "restore", str(file), "--ja")
    assert f"database op revisie {HEAD}" in cli(monkeypatch, target_url, "db", "current")

    restored = services(target_url)
    assert rows(restored) == before and len(before["trajectories"]) == 2 and len(before["hao_trajectories"]) == 3
    assert (json.dumps(export_trajectories(restored.repo)), json.dumps(coordinator_export(restored))) == exported
    state = restored.run_store.run(Subject.trajectory(waiting))
    assert state is not None and state.wait is not None and state.wait.label == "meeting"
    # New ids go on after the restored ones (on PostgreSQL: the sequences came back too).
    assert restored.repo.add_person("zob-2021", application("mentee", "Nieuw", "nieuw@example.org"), NOW) == 4
    restored.engine.dispose()


def test_a_file_that_is_no_backup_is_refused_in_one_line(
    empty_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mentorschap.cli import app

    monkeypatch.setenv("MENTORSCHAP_DATABASE_URL", empty_db_url)
    wrong = tmp_path / "leden.csv"
    wrong.write_text("naam;email\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["db", "restore", str(wrong), "--ja"])
    assert result.exit_code == 1 and result.output.strip().startswith("fout: ") and "geen reservekopie" in result.output
    assert len(result.output.strip().splitlines()) == 1
