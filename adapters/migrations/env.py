"""Alembic's entry point: migrations run on the connection ``adapters.migrate`` hands over.

No alembic.ini and no URL here: the caller opens the transaction (and on PostgreSQL takes the
migration lock), so one process migrates while the others wait and then find the schema current.
"""

from __future__ import annotations

from alembic import context

from adapters.db import load_tables, metadata

load_tables()
context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata,
    transactional_ddl=True,  # SQLite too: our engine begins its transactions itself (BEGIN IMMEDIATE)
    render_as_batch=True,  # SQLite alters a table by copying it; autogenerate writes it that way
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
