"""The database engine: SQLite by default (WAL, busy timeout), any SQLAlchemy URL by setting.

Several processes write at once (portal, trajectory runs, the timer sweep); on
SQLite WAL lets readers go on while one writes, and the busy timeout makes a
writer wait for the lock instead of failing. Tables register on ``metadata``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url

metadata = MetaData()

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """Create the engine; for a SQLite file, create its folder and switch on WAL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins, so that
        # BEGIN IMMEDIATE takes the write lock up front (no upgrade deadlocks).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def inserted_id(result: CursorResult[Any]) -> int:
    """The id an INSERT of one row got (SQLAlchemy types the key as optional: only inserts have one)."""
    key = result.inserted_primary_key
    if key is None:
        raise ValueError("not the result of an insert")
    return int(key[0])


# Modules that define tables on ``metadata``; imported here, not from adapters.tables,
# so that a store module may itself build on adapters.repository without an import cycle.
TABLE_MODULES = (
    "adapters.tables",
    "adapters.outbox",
    "adapters.artifacts",
    "adapters.cohorts",
    "adapters.hao_store",
    "adapters.hao_requests",
    "adapters.runs",
    "adapters.owed",
)


def load_tables() -> None:
    """Import every module that defines tables, so ``metadata`` holds the whole schema."""
    import importlib

    for module in TABLE_MODULES:
        importlib.import_module(module)


def create_schema(engine: Engine) -> None:
    """Bring the database to the newest migration (``adapters/migrations``); cheap when it is there."""
    from adapters.migrate import upgrade

    load_tables()  # callers rely on ``metadata`` holding every table afterwards
    upgrade(engine)
