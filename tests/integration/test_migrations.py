"""The schema comes from the migrations, and they build exactly the tables the code declares.

A Table changed in the code without a migration fails here, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from adapters.db import create_schema, load_tables, make_engine, metadata
from adapters.migrate import BASELINE, HEAD, config, current, upgrade
from adapters.repository import Repository
from domain.people import Application

NOW = datetime(2021, 1, 18, 9, 0, tzinfo=UTC)


def differences(url: str) -> list:
    load_tables()
    engine = make_engine(url)
    with engine.connect() as conn:
        found = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    return found


def test_the_migrated_schema_is_the_schema_in_the_code(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert current(engine) is None
    assert upgrade(engine) == HEAD == current(engine)
    engine.dispose()
    assert differences(empty_db_url) == []


def test_head_names_the_newest_migration_and_they_go_down_and_up_again(empty_db_url: str) -> None:
    assert ScriptDirectory.from_config(config()).get_heads() == [HEAD]
    engine = make_engine(empty_db_url)
    upgrade(engine)
    with engine.begin() as conn:
        command.downgrade(config(conn), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert upgrade(engine) == HEAD
    engine.dispose()
    assert differences(empty_db_url) == []


def upgrade_to(engine, revision: str) -> None:
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(config(conn), revision)


def test_a_database_made_before_migrations_is_adopted_with_its_rows(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade_to(engine, BASELINE)  # the schema create_schema made (by create_all) until migrations came
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    app = Application(role="mentee", name="Dr. Oud", email="oud@example.org", phone="040-2534567",
                      practice_name="Praktijk", practice_address={"street": "Dorpstraat 1", "postcode": "5504HB",
                                                                  "city": "Veldhoven"},
                      years_experience=2, consent=True, learning_goals="grenzen")
    person = Repository(engine).add_person("zob-2021", app, NOW)
    create_schema(engine)
    assert current(engine) == HEAD and BASELINE <= HEAD
    assert Repository(engine).person(person).name == "Dr. Oud"
    engine.dispose()


def test_processes_that_start_together_on_an_empty_database_migrate_it_once(empty_db_url: str) -> None:
    engines = [make_engine(empty_db_url) for _ in range(4)]
    barrier, results, errors = threading.Barrier(len(engines)), [], []

    def start(engine) -> None:
        barrier.wait()
        try:
            results.append(upgrade(engine))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for engine in engines:
        engine.dispose()
    assert errors == [] and results == [HEAD] * len(engines)
    assert differences(empty_db_url) == []


def test_a_new_table_in_the_code_gets_the_next_migration_written(tmp_path, monkeypatch) -> None:
    import shutil

    from sqlalchemy import Column, Integer, Table

    import adapters.migrate

    monkeypatch.setattr(adapters.migrate, "MIGRATIONS", shutil.copytree(adapters.migrate.MIGRATIONS, tmp_path / "m"))
    added = Table("proef", metadata, Column("id", Integer, primary_key=True))
    try:
        path = adapters.migrate.new_revision("een proeftabel")
    finally:
        metadata.remove(added)
    text = path.read_text(encoding="utf-8")
    following = f"{int(HEAD) + 1:04d}"
    assert path.parent == tmp_path / "m" / "versions" and path.name.startswith(f"{following}_")
    assert f'revision = "{following}"' in text or f"revision = '{following}'" in text
    assert "op.create_table(" in text and "proef" in text and "people" not in text


def test_db_upgrade_and_current_on_the_command_line(empty_db_url: str, monkeypatch) -> None:
    from typer.testing import CliRunner

    from mentorschap.cli import app

    monkeypatch.setenv("MENTORSCHAP_DATABASE_URL", empty_db_url)
    assert f"revisie geen (leeg); nieuwste revisie {HEAD}" in CliRunner().invoke(app, ["db", "current"]).output
    assert CliRunner().invoke(app, ["db", "upgrade"]).output.strip() == f"database op revisie {HEAD}"
    assert f"database op revisie {HEAD}; nieuwste revisie {HEAD}" in CliRunner().invoke(app, ["db", "current"]).output
