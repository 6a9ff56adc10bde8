"""What Prefect keeps of a person, read for an export and erased: through its API where it has one,
through its own server models where it has none.

The API renames and retags a flow run, deletes run inputs, artifacts and (retention) whole
flow runs. Prefect 3 offers no API to delete logs or events, so those are deleted through
Prefect's own database interface (``prefect.server.database``: the ORM models of the
server's ``log``, ``events`` and ``event_resources`` tables), which reads the same
``PREFECT_API_DATABASE_CONNECTION_URL`` (default: ``$PREFECT_HOME/prefect.db``) as the server:
the erasing process must run with the server's Prefect settings. Deleting an artifact makes
the server emit an event that carries its data, so events are deleted after the event
persister has flushed (its flush interval, 5 s by default). On SQLite the file is compacted
afterwards, so deleted values do not linger in free pages.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.objects import Artifact
from prefect.exceptions import ObjectNotFound

from domain.privacy import mentions, scrub

log = logging.getLogger(__name__)

PAGE = 200


@dataclass
class Scope:
    """What of Prefect belongs to the person: the runs of their trajectories (renamed and retagged
    without ``names``, or deleted), the artifact keys of those trajectories (prefixes), the strings
    that name them, and per run the input key prefix of the wait it is in now (kept: the run needs it)."""

    runs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    artifact_prefixes: tuple[str, ...] = ()
    words: list[str] = field(default_factory=list)
    keep_inputs: dict[str, str] = field(default_factory=dict)
    delete_runs: bool = False


def _artifact_rows(a: Artifact, words: list[str]) -> Any:
    """An artifact's data; of a table only the rows that name the person (a board names everyone)."""
    data = a.data
    if a.type == "table" and isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return data
    if isinstance(data, list):
        return [row for row in data if mentions(json.dumps(row, ensure_ascii=False), words)]
    return data


def _forms(word: str) -> set[str]:
    """A word as it may be stored: as is, inside JSON, and inside JSON inside JSON (non-ASCII escaped)."""
    once = json.dumps(word)[1:-1]
    return {word, once, json.dumps(once)[1:-1]}


class PrefectTraces:
    def _artifacts(self, client: Any) -> Iterator[Artifact]:
        offset = 0
        while True:
            page = client.read_artifacts(limit=PAGE, offset=offset)
            yield from page
            if len(page) < PAGE:
                return
            offset += PAGE

    def _theirs(self, a: Artifact, scope: Scope) -> bool:
        """An artifact of one of the person's trajectories or runs, or one that names them."""
        if a.key and scope.artifact_prefixes and a.key.startswith(scope.artifact_prefixes):
            return True
        if a.flow_run_id is not None and str(a.flow_run_id) in scope.runs:
            return True
        return mentions(f"{a.description or ''} {json.dumps(a.data, ensure_ascii=False)}", scope.words)

    def read(self, scope: Scope) -> dict[str, Any]:
        """The runs (name, tags, parameters, inputs) and the artifacts that name the person."""
        found: dict[str, Any] = {"flow_runs": [], "artifacts": []}
        with get_client(sync_client=True) as client:
            for run_id in scope.runs:
                try:
                    run = client.read_flow_run(UUID(run_id))
                except ObjectNotFound:
                    continue
                inputs = client.filter_flow_run_input(UUID(run_id), key_prefix="", limit=1000, exclude_keys=set())
                found["flow_runs"].append({
                    "id": run_id, "name": run.name, "tags": sorted(run.tags), "parameters": run.parameters,
                    "inputs": [{"key": i.key, "value": i.value, "created": i.created} for i in inputs
                               if not i.key.endswith("-schema")]})
            for a in self._artifacts(client):
                if self._theirs(a, scope):
                    found["artifacts"].append({"key": a.key, "type": a.type, "description": a.description,
                                               "created": a.created, "data": _artifact_rows(a, scope.words)})
        return found

    def erase(self, scope: Scope) -> tuple[dict[str, int], list[str]]:
        """Rename (or delete) the runs, delete their inputs and the artifacts that name the person, then
        their logs and events; counts per kind, and the keys of the artifacts deleted."""
        counts = {"runs_renamed": 0, "runs_deleted": 0, "inputs": 0, "artifacts": 0, "logs": 0, "events": 0}
        keys: set[str] = set()
        with get_client(sync_client=True) as client:
            for a in list(self._artifacts(client)):
                if self._theirs(a, scope):
                    client.delete_artifact(a.id)
                    counts["artifacts"] += 1
                    keys.add(a.key or "")
            for run_id in scope.runs:
                try:
                    if scope.delete_runs:
                        client.delete_flow_run(UUID(run_id))
                        counts["runs_deleted"] += 1
                        continue
                    run = client.read_flow_run(UUID(run_id))
                    client.update_flow_run(UUID(run_id), name=scrub(run.name, scope.names),
                                           tags=scrub(list(run.tags), scope.names))
                    counts["runs_renamed"] += 1
                    keep = scope.keep_inputs.get(run_id)
                    for i in client.filter_flow_run_input(UUID(run_id), key_prefix="", limit=1000,
                                                          exclude_keys=set()):
                        if keep is None or not i.key.startswith(keep):
                            client.delete_flow_run_input(UUID(run_id), i.key)
                            counts["inputs"] += 1
                except ObjectNotFound:
                    continue
        if counts["artifacts"]:
            time.sleep(_flush_seconds() + 1)  # the server's events of the deletions carry the artifacts' data
        logs, events = _purge(list(scope.runs), scope.words)
        counts.update(logs=logs, events=events)
        return counts, sorted(keys)

    def compact(self) -> None:
        """Compact Prefect's SQLite database file (nothing for PostgreSQL)."""
        from prefect.settings.context import get_current_settings

        from adapters.personal_data import compact_sqlite

        settings = get_current_settings()
        url = settings.server.database.connection_url
        compact_sqlite(url.get_secret_value().replace("+aiosqlite", "") if url is not None
                       else f"sqlite:///{settings.home}/prefect.db")


def _flush_seconds() -> float:
    from prefect.settings.context import get_current_settings

    return float(get_current_settings().server.services.event_persister.flush_interval)


def _purge(run_ids: list[str], words: Iterable[str]) -> tuple[int, int]:
    """Delete the logs and events of ``run_ids`` and every log and event that names ``words``."""
    from prefect.utilities.asyncutils import run_coro_as_sync

    return run_coro_as_sync(_purge_async(run_ids, list(words))) or (0, 0)


async def _purge_async(run_ids: list[str], words: list[str]) -> tuple[int, int]:
    import sqlalchemy as sa
    from prefect.server.database import provide_database_interface

    db = provide_database_interface()
    forms = sorted({f for w in words for f in _forms(w)})

    def naming(*columns: Any) -> Any:
        return sa.or_(sa.false(), *(sa.cast(c, sa.Text).ilike(f"%{_escape(f)}%", escape="\\")
                                    for c in columns for f in forms))

    resource_ids = [f"prefect.flow-run.{r}" for r in run_ids]
    async with db.session_context(begin_transaction=True) as session:
        logs = await session.execute(sa.delete(db.Log).where(sa.or_(
            db.Log.flow_run_id.in_([UUID(r) for r in run_ids]), naming(db.Log.message))))
        ids = set((await session.execute(sa.select(db.Event.id).where(sa.or_(
            db.Event.resource_id.in_(resource_ids),
            naming(db.Event.resource, db.Event.related, db.Event.payload),
            *(sa.cast(db.Event.related_resource_ids, sa.Text).like(f"%{r}%") for r in resource_ids),
        )))).scalars())
        ids |= set((await session.execute(sa.select(db.EventResource.event_id).where(sa.or_(
            db.EventResource.resource_id.in_(resource_ids), naming(db.EventResource.resource))))).scalars())
        for start in range(0, len(ids), PAGE):
            chunk = list(ids)[start:start + PAGE]
            await session.execute(sa.delete(db.EventResource).where(db.EventResource.event_id.in_(chunk)))
            await session.execute(sa.delete(db.Event).where(db.Event.id.in_(chunk)))
    return logs.rowcount or 0, len(ids)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
