"""The cohorts of programme A, as a facilitator declares them in ``cohorts.toml`` (``adapters.cohort_file``).

Each cohort gets a deployment ``cohort/<id>`` whose Cron schedule (Europe/Amsterdam) starts
its kickoff run, by default the minute its application window opens. The first cohort's
trajectories start in February 2021, so its run opens the window in November 2020 (a 2021
schedule no longer fires; the demo starts the same flow at its simulated date). A new cohort
needs no code: a table in the file, and the runner (``python -m deployments.serve``) restarted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from adapters.cohort_file import read_cohorts
from adapters.prefect_api import synchronous
from domain.cohort import CohortPlan
from flows.cohort import cohort
from wiring.settings import Settings

TIMEZONE = "Europe/Amsterdam"


def declared_cohorts(path: Path | None = None) -> tuple[CohortPlan, ...]:
    """The cohorts in the settings' ``cohorts_file`` (or ``path``); a wrong value raises CohortFileError."""
    return read_cohorts(path or Settings().cohorts_file)


def cohort_deployment(plan: CohortPlan, members_csv: str = "",
                      entrypoint_type: EntrypointType = EntrypointType.FILE_PATH) -> RunnerDeployment:
    return synchronous(cohort.to_deployment(
        entrypoint_type=entrypoint_type,
        name=plan.id,
        schedules=[CronSchedule(cron=plan.schedule, timezone=TIMEZONE)],
        parameters={"plan": plan.model_dump(mode="json"), "members_csv": members_csv},
        tags=[f"programma:{plan.programme}", f"cohort:{plan.id}"],
        description=f"{plan.name}: kickoff, aanmeldperiode, mentortraining en matching.",
    ))


def cohort_deployments(members_csv: str = "", plans: tuple[CohortPlan, ...] | None = None,
                       entrypoint_type: EntrypointType = EntrypointType.FILE_PATH) -> list[RunnerDeployment]:
    return [cohort_deployment(plan, members_csv, entrypoint_type)
            for plan in (declared_cohorts() if plans is None else plans)]


def __getattr__(name: str) -> Any:
    """``COHORTS``: the declared cohorts, read when asked for (the demo's and the tests' first cohort)."""
    if name == "COHORTS":
        return declared_cohorts()
    raise AttributeError(name)
