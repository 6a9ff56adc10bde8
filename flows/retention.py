"""The retention flow: daily, personal data of trajectories that ended longer ago than the setting is erased."""

from __future__ import annotations

from prefect import flow

from tasks.retention import apply_retention
from wiring.bootstrap import run_services


@flow(name="retention", log_prints=True)
def retention() -> dict[str, int]:
    """Wist de persoonsgegevens van trajecten (beide programma's) die langer dan de bewaartermijn geleden
    eindigden (``MENTORSCHAP_RETENTION_DAYS``, standaard twee jaar), in onze database en in Prefect."""
    with run_services() as svc:
        return apply_retention(svc, svc.clock.now(), svc.settings.retention_days)
