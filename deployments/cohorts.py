"""The cohorts of each programme, as declarations: dates and contribution are settings of a cohort.

Each cohort gets a deployment whose Cron schedule (Europe/Amsterdam) starts its kickoff
run. Programme A's first cohort: trajectories start in February 2021, so its run opens
the application window in November 2020 (a 2021 schedule no longer fires; the demo
starts the same flow at its simulated date).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment

from adapters.prefect_api import synchronous
from domain.clock import AMSTERDAM
from domain.cohort import CohortPlan
from flows.cohort import cohort

TIMEZONE = "Europe/Amsterdam"

COHORTS: tuple[CohortPlan, ...] = (
    CohortPlan(
        id="zob-2021",
        programme="peer",
        name="Mentorschap Zuidoost-Brabant 2021",
        kickoff_cron="0 9 16 11 *",  # 16 November, 09:00
        opens_at=datetime(2020, 11, 16, 9, 0, tzinfo=AMSTERDAM),
        mentor_deadline=datetime(2020, 12, 14, 17, 0, tzinfo=AMSTERDAM),
        mentee_deadline=datetime(2021, 1, 18, 17, 0, tzinfo=AMSTERDAM),
        training_at=datetime(2021, 1, 11, 19, 0, tzinfo=AMSTERDAM),
        training_location="Kringkantoor huisartsenkring Zuidoost-Brabant, Eindhoven",
        trajectories_start=date(2021, 2, 1),
        contribution_eur=Decimal("150.00"),
    ),
)


def cohort_deployments(members_csv: str = "") -> list[RunnerDeployment]:
    return [
        synchronous(cohort.to_deployment(
            name=plan.id,
            schedules=[CronSchedule(cron=plan.kickoff_cron, timezone=TIMEZONE)],
            parameters={"plan": plan.model_dump(mode="json"), "members_csv": members_csv},
            tags=[f"programma:{plan.programme}", f"cohort:{plan.id}"],
            description=f"{plan.name}: kickoff, aanmeldperiode, mentortraining en matching.",
        ))
        for plan in COHORTS
    ]
