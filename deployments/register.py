"""Production: every deployment registered to a process work pool, for workers to run.

``python -m deployments.register`` (or ``mentorschap deploy``) creates the pool if it is missing
and registers the deployments ``deployments.serve`` serves, from the same definitions, with a
module-path entrypoint and no code storage: a worker's flow run imports the installed package, so
each worker machine runs the version installed there (install the same one everywhere). Run it
again after an upgrade or a new cohort in cohorts.toml; it updates what exists.
"""

from __future__ import annotations

import argparse
import sys
import time

from prefect import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings
from prefect.types.entrypoint import EntrypointType
from prefect.workers.process import ProcessWorker

from adapters.cohort_file import CohortFileError
from deployments.serve import deployments
from wiring.settings import Settings


def wait_for_api(seconds: float) -> None:
    """Wait until Prefect's API answers: at boot the server may still be starting (systemd starts the
    deploy unit right after it, and a server on PostgreSQL migrates first)."""
    deadline = time.monotonic() + seconds
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}), get_client(sync_client=True) as client:
        while (error := client.api_healthcheck()) is not None:
            if time.monotonic() >= deadline:
                raise ConnectionError(f"Prefect's API did not answer within {seconds:.0f} s: {error}")
            time.sleep(2)


def ensure_pool(name: str) -> bool:
    """Create the process work pool ``name`` unless it exists; True when it was created."""
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
            return False
        except ObjectNotFound:
            pass
        template = ProcessWorker.get_default_base_job_template()
        # The flow runs' output stays out of the worker's journal (run names carry participants' names);
        # their logs are in Prefect, where the facilitator reads them.
        template["variables"]["properties"]["stream_output"]["default"] = False
        try:
            client.create_work_pool(WorkPoolCreate(
                name=name, type="process", base_job_template=template,
                description="Mentorschap: trajecten, cohorten, timer-sweep en retentie (process workers).",
            ))
        except ObjectAlreadyExists:  # another machine registered at the same moment
            return False
        return True


def register(settings: Settings, pool: str, wait_seconds: float = 120) -> list[str]:
    """Register every deployment to ``pool`` (created if missing); the names registered."""
    wait_for_api(wait_seconds)
    ensure_pool(pool)
    names = []
    for deployment in deployments(settings, EntrypointType.MODULE_PATH):
        deployment.apply(work_pool_name=pool)
        names.append(f"{deployment.flow_name}/{deployment.name}")
    return names


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deployments.register", description=__doc__.splitlines()[0])
    settings = Settings()
    parser.add_argument("--pool", default=settings.work_pool, help="the process work pool (MENTORSCHAP_WORK_POOL)")
    args = parser.parse_args(argv)
    try:
        names = register(settings, args.pool)
    except CohortFileError as exc:  # one line for the operator, never a traceback
        sys.exit(f"geweigerd: {exc}")
    except ConnectionError as exc:
        sys.exit(f"fout: {exc}")
    print(f"{len(names)} deployments in work pool {args.pool!r}: {', '.join(names)}")


if __name__ == "__main__":
    main()
