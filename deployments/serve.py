"""The served deployments: the trajectory (started per mentee) and the timer sweep (scheduled).

Run with ``python -m deployments.serve``; the process executes each flow run in a
subprocess, so a suspended trajectory holds no process and a resumed one starts anew.
A runner that loses the Prefect server (a restart) serves again once it is back.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

from prefect import serve
from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from adapters.cohort_file import CohortFileError
from adapters.prefect_api import synchronous
from deployments import hao
from deployments.cohorts import cohort_deployments, declared_cohorts
from flows.retention import retention
from flows.sweep import timer_sweep
from flows.trajectory import mentee_trajectory
from wiring.settings import Settings

RETRY_SECONDS = 5


def deployments(settings: Settings,
                entrypoint_type: EntrypointType = EntrypointType.FILE_PATH) -> list[RunnerDeployment]:
    """Every deployment, served here or registered to a work pool (``deployments.register``):
    ``entrypoint_type`` is a file path for ``serve`` in this folder, a module path for workers that
    import the installed package wherever they run."""
    return [
        *cohort_deployments(plans=declared_cohorts(settings.cohorts_file), entrypoint_type=entrypoint_type),
        synchronous(mentee_trajectory.to_deployment(
            entrypoint_type=entrypoint_type,
            name="mentee-trajectory",
            tags=["programma:peer"],
            description="Eén mentee-traject, van aanmelding tot eindevaluatie (gestart door de portal).",
        )),
        synchronous(timer_sweep.to_deployment(
            entrypoint_type=entrypoint_type,
            name="timer-sweep",
            interval=timedelta(seconds=settings.sweep_interval_seconds),
            tags=["timers"],
            description="Herinneringen, verzoeken rond bijeenkomsten en evaluaties; bezorgt blijven-liggende mail.",
        )),
        synchronous(retention.to_deployment(
            entrypoint_type=entrypoint_type,
            name="retention",
            schedules=[CronSchedule(cron="30 3 * * *", timezone="Europe/Amsterdam")],
            tags=["timers"],
            description=f"Dagelijks: wist persoonsgegevens van trajecten die langer dan {settings.retention_days} "
                        "dagen geleden eindigden (database en Prefect).",
        )),
        *hao.deployments(settings, entrypoint_type),
    ]


def main() -> None:
    try:
        settings = Settings()
        served = deployments(settings)
    except CohortFileError as exc:  # one line for the facilitator, never a traceback
        sys.exit(f"geweigerd: {exc}")
    while True:
        try:
            if settings.warm_start:
                from deployments.warm import serve_warm

                serve_warm(served, limit=8)
            else:
                serve(*served, limit=8)
            return
        except Exception as exc:  # Prefect's server away longer than its client and poll loop wait (a restart)
            print(f"runner: Prefect niet bereikbaar ({type(exc).__name__}); opnieuw over {RETRY_SECONDS} s",
                  file=sys.stderr, flush=True)
            time.sleep(RETRY_SECONDS)


if __name__ == "__main__":
    main()
