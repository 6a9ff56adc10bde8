"""The store on a real SQLite file: conditional updates, concurrent writers, durable wait keys."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, text

from adapters.db import create_schema, make_engine
from adapters.repository import Conflict, Repository
from domain.errors import DomainError
from domain.people import Application, Role
from domain.phases import Phase
from domain.trajectory import Trajectory

NOW = datetime(2021, 1, 18, 9, 0, tzinfo=UTC)


def application(role: str = "mentee", email: str = "sanne@example.org") -> Application:
    return Application(
        role=role, name="Sanne de Vries", email=email, phone="040-2534567", practice_name="Huisartsen Veldhoven",
        practice_address={"street": "Dorpstraat 21", "postcode": "5504HB", "city": "Veldhoven"},
        years_experience=2 if role == "mentee" else 20, consent=True, learning_goals="grenzen stellen",
        topics="praktijkvoering",
    )


@pytest.fixture
def repo(db_url, tmp_path) -> Repository:
    engine = make_engine(db_url)
    create_schema(engine)
    return Repository(engine)


def new_trajectory(repo: Repository) -> Trajectory:
    mentee = repo.add_person("zob-2021", application(), NOW)
    return repo.add_trajectory(Trajectory.apply("zob-2021", mentee, NOW), NOW)


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_only, repo):
    with repo.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
    assert {"people", "trajectories", "outbox", "used_links"} <= set(inspect(repo.engine).get_table_names())


def test_a_trajectory_round_trips_through_the_store(repo):
    t = new_trajectory(repo)
    loaded, version = repo.trajectory(t.id)
    assert loaded == t and version == 1
    assert repo.person(t.mentee_id).practice_address.postcode == "5504 HB"


def test_a_second_application_with_the_same_email_is_refused_and_nothing_written(repo):
    repo.add_person("zob-2021", application(), NOW)
    with pytest.raises(DomainError) as refused:
        repo.add_person("zob-2021", application(), NOW)
    assert refused.value.field == "email"
    assert len(repo.people_of("zob-2021")) == 1


def test_a_stale_write_is_refused(repo):
    t = new_trajectory(repo)
    first, version = repo.trajectory(t.id)
    second, _ = repo.trajectory(t.id)
    first.confirm_application(NOW)
    repo.save(first, version, NOW)
    second.withdraw(Role.MENTEE, "geen tijd", NOW)
    with pytest.raises(Conflict):
        repo.save(second, version, NOW)
    assert repo.trajectory(t.id)[0].phase is Phase.MATCHING


def test_change_retries_on_a_concurrent_write_so_no_act_is_lost(repo):
    t = new_trajectory(repo)
    repo.change(t.id, lambda t: t.confirm_application(NOW), NOW)
    mentor = repo.add_person("zob-2021", application("mentor", "anneke@example.org"), NOW)
    repo.change(t.id, lambda t: t.choose_mentor(mentor, NOW), NOW)
    barrier = threading.Barrier(2)
    errors: list[Exception] = []

    def answer(role: Role) -> None:
        try:
            barrier.wait()
            repo.change(t.id, lambda t: t.answer_kennismaking(role, True, "", NOW), NOW)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=answer, args=(r,)) for r in (Role.MENTEE, Role.MENTOR)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    loaded, version = repo.trajectory(t.id)
    assert loaded.phase is Phase.PLAN and set(loaded.match.answers) == {Role.MENTEE, Role.MENTOR}
    assert version == 5


def test_a_refused_act_writes_nothing(repo):
    t = new_trajectory(repo)
    with pytest.raises(DomainError):
        repo.change(t.id, lambda t: t.choose_mentor(1, NOW), NOW)  # still in the application phase
    assert repo.trajectory(t.id)[1] == 1


def test_a_trajectory_stored_before_history_had_kinds_loads_with_them(repo):
    """A document written by the earlier code: each history entry a Dutch line (``what``), no kind."""
    from sqlalchemy import select, update

    from adapters.tables import trajectories
    from domain.events import Event

    t = new_trajectory(repo)
    old = t.model_dump(mode="json")
    old["phase"] = "withdrawn"
    old["withdrawal"] = {"by": "mentee", "reason": "verhuisd", "at": "2021-01-20T09:00:00Z"}
    old["history"] = [
        {"at": "2021-01-18T09:00:00Z", "phase": "application", "what": "aanmelding ontvangen", "by": "mentee"},
        {"at": "2021-01-18T10:00:00Z", "phase": "matching", "what": "fase: aanmelding bevestigd", "by": None},
        {"at": "2021-01-19T09:00:00Z", "phase": "matching", "what": "toelichting: gebeld", "by": "facilitator"},
        {"at": "2021-01-20T09:00:00Z", "phase": "withdrawn", "what": "fase: traject beëindigd: verhuisd",
         "by": "mentee"},
    ]
    with repo.engine.begin() as conn:
        conn.execute(update(trajectories).where(trajectories.c.id == t.id).values(document=old))
    loaded, _ = repo.trajectory(t.id)
    assert [(e.kind, e.detail) for e in loaded.history] == [
        (Event.APPLIED, ""), (Event.PHASE, "aanmelding bevestigd"), (Event.NOTE, "gebeld"),
        (Event.WITHDRAWAL, "verhuisd")]
    assert loaded.phase_since() == datetime(2021, 1, 20, 9, 0, tzinfo=UTC)
    # Written back, it is stored with kinds; the lines people read are the same.
    repo.change(t.id, lambda t: t.add_note("nog eens gebeld", Role.FACILITATOR, NOW), NOW)
    again, _ = repo.trajectory(t.id)
    assert [e.what for e in again.history[:4]] == [e["what"] for e in old["history"]]
    with repo.engine.connect() as conn:
        stored = conn.execute(select(trajectories.c.document).where(trajectories.c.id == t.id)).scalar_one()
    assert [e["kind"] for e in stored["history"]] == ["applied", "phase", "note", "withdrawal", "note"]
