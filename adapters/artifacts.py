"""Prefect artifacts, published once per change: a digest in our database says what was shown last.

A resumed run replays from the top; without this, every replay would add another
version of the same board or plan to the Prefect UI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from sqlalchemy import Column, DateTime, Engine, String, Table, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from adapters.db import metadata

published_artifacts = Table(
    "published_artifacts",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
)


class Artifacts:
    """Publishes through the Prefect API; ``_sync=True`` so it works from code that runs an event loop."""
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _changed(self, key: str, content: Any, now: datetime) -> bool:
        """Claim the right to publish ``content`` under ``key``; False when it is what was shown."""
        digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
        with self.engine.begin() as conn:
            current = conn.execute(
                select(published_artifacts.c.digest).where(published_artifacts.c.key == key)
            ).scalar_one_or_none()
            if current == digest:
                return False
            if current is None:
                if self.engine.dialect.name == "sqlite":
                    conn.execute(sqlite_insert(published_artifacts).values(key=key, digest=digest, published_at=now)
                                 .on_conflict_do_update(index_elements=["key"],
                                                        set_={"digest": digest, "published_at": now}))
                else:
                    conn.execute(published_artifacts.insert().values(key=key, digest=digest, published_at=now))
            else:
                conn.execute(update(published_artifacts).where(published_artifacts.c.key == key,
                                                               published_artifacts.c.digest == current)
                             .values(digest=digest, published_at=now))
        return True

    def _publish(self, key: str, content: Any, now: datetime, create: Callable[[], object]) -> bool:
        """``create`` the artifact if ``content`` is not what was shown; if Prefect does not take it
        (restarting), the claim is dropped, so the next call publishes it again even unchanged."""
        if not self._changed(key, content, now):
            return False
        try:
            create()
        except BaseException:
            with self.engine.begin() as conn:
                conn.execute(update(published_artifacts).where(published_artifacts.c.key == key).values(digest=""))
            raise
        return True

    def table(self, key: str, rows: list[dict[str, Any]], description: str, now: datetime) -> bool:
        return self._publish(key, [description, rows], now, lambda: create_table_artifact(
            table=rows, key=key, description=description,
            _sync=True))  # type: ignore[call-arg]  # Prefect's async_dispatch adds _sync, untyped

    def markdown(self, key: str, markdown: str, description: str, now: datetime) -> bool:
        return self._publish(key, [description, markdown], now, lambda: create_markdown_artifact(
            markdown=markdown, key=key, description=description,
            _sync=True))  # type: ignore[call-arg]  # Prefect's async_dispatch adds _sync, untyped
