"""The same store on PostgreSQL: any SQLAlchemy URL works by setting, not only SQLite."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.db import create_schema, make_engine
from adapters.repository import Repository
from adapters.runs import RunStore
from domain.people import Application, Role
from domain.phases import Phase
from domain.trajectory import Trajectory
from domain.waits import Subject

NOW = datetime(2021, 1, 18, 9, 0, tzinfo=UTC)


@pytest.fixture
def repo(pg_url) -> Iterator[Repository]:
    engine = make_engine(pg_url)
    create_schema(engine)
    yield Repository(engine)
    engine.dispose()


def application(role: str, email: str) -> Application:
    return Application(
        role=role, name="Dr. Test", email=email, phone="040-2534567", practice_name="Praktijk",
        practice_address={"street": "Dorpstraat 1", "postcode": "5504HB", "city": "Veldhoven"},
        years_experience=20 if role == "mentor" else 2, consent=True, learning_goals="grenzen", topics="praktijk",
    )


def test_concurrent_acts_on_postgres_are_all_kept(repo):
    assert repo.engine.dialect.name == "postgresql"
    mentee = repo.add_person("zob-2021", application("mentee", "a@example.org"), NOW)
    mentor = repo.add_person("zob-2021", application("mentor", "b@example.org"), NOW)
    t = repo.add_trajectory(Trajectory.apply("zob-2021", mentee, NOW), NOW)
    repo.change(t.id, lambda t: t.confirm_application(NOW), NOW)
    repo.change(t.id, lambda t: t.choose_mentor(mentor, NOW), NOW)
    barrier = threading.Barrier(2)

    def answer(role: Role) -> None:
        barrier.wait()
        repo.change(t.id, lambda t: t.answer_kennismaking(role, True, "", NOW), NOW)

    threads = [threading.Thread(target=answer, args=(r,)) for r in (Role.MENTEE, Role.MENTOR)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    loaded, version = repo.trajectory(t.id)
    assert loaded.phase is Phase.PLAN and version == 5
    runs = RunStore(repo.engine)
    key = runs.open_wait(Subject.trajectory(t.id), "plan", version, NOW)
    assert runs.open_wait(Subject.trajectory(t.id), "plan", version, NOW) == key and runs.close_wait(key)


def test_the_outbox_and_artifact_digests_work_on_postgres(repo):
    from adapters.artifacts import Artifacts
    from adapters.mail import Envelope
    from adapters.outbox import Outbox
    from adapters.rendering import Rendered

    box = Outbox(repo.engine)
    msg = Envelope("t1:x:mentee", "<k@example.org>", ("M", "m@example.org"), ("A", "a@example.org"),
                   Rendered("x", "hallo\n", "<p>hallo</p>\n"), "x", NOW)
    assert box.enqueue(msg, NOW) is True
    assert box.enqueue(msg, NOW) is False
    assert box.claim("t1:x:mentee", NOW) is not None
    assert box.claim("t1:x:mentee", NOW + timedelta(minutes=1)) is None  # leased
    assert box.known(["t1:x:mentee", "t2:y:mentor"]) == {"t1:x:mentee"}
    box.mark_failed("t1:x:mentee", "451 later", NOW, permanent=False)  # waits out its backoff
    assert box.pending_keys(now=NOW + timedelta(seconds=59)) == []
    assert box.pending_keys(now=NOW + timedelta(minutes=1)) == ["t1:x:mentee"]
    assert box.figures(NOW + timedelta(minutes=5)) == {"mail_pending": 1, "mail_oldest_pending_minutes": 5,
                                                       "mail_failed": 0}
    assert box.claim("t1:x:mentee", NOW + timedelta(minutes=1)) is not None
    box.mark_failed("t1:x:mentee", "550 no such user", NOW, permanent=True)
    [failed] = box.failed()
    assert box.retry(failed["id"], NOW, to="b@example.org") == "t1:x:mentee"
    assert box.rows()[0]["recipient_email"] == "b@example.org" and box.figures(NOW)["mail_failed"] == 0
    artifacts = Artifacts(repo.engine)
    assert artifacts._changed("board", [{"a": 1}], NOW) is True
    assert artifacts._changed("board", [{"a": 1}], NOW) is False
    assert artifacts._changed("board", [{"a": 2}], NOW) is True

