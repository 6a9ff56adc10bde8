"""Programme B's served deployments: one per trajectory kind, the hao sweep, and the yearly support flows.

Schedules are in Amsterdam time. The trajectory deployments have no schedule: a run
is started per trajectory (portal, CLI or the hao sweep) with the trajectory id as
its only parameter.
"""

from __future__ import annotations

from datetime import timedelta

from prefect.client.schemas.schedules import CronSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from adapters.prefect_api import synchronous
from flows.hao.consultation import hao_consultation
from flows.hao.guidance import hao_guidance
from flows.hao.progress import hao_progress
from flows.hao.support import hao_information, hao_institute_digest, hao_intervision
from flows.hao.sweep import hao_sweep
from wiring.settings import Settings

TZ = "Europe/Amsterdam"


def deployments(settings: Settings,
                entrypoint_type: EntrypointType = EntrypointType.FILE_PATH) -> list[RunnerDeployment]:
    """``entrypoint_type``: a file path for ``serve`` in this folder, a module path for workers elsewhere."""
    return [synchronous(d) for d in (
        hao_consultation.to_deployment(
            entrypoint_type=entrypoint_type,
            name="hao-consultation", tags=["programma:hao"],
            description="Vertrouwelijke consultatie (alleen een pseudoniem in Prefect; het instituut ziet niets).",
        ),
        hao_guidance.to_deployment(
            entrypoint_type=entrypoint_type,
            name="hao-guidance", tags=["programma:hao"],
            description="Gerichte begeleiding: doelen, gesprekken, resultaatverslag pas na tekening van de opleider.",
        ),
        hao_progress.to_deployment(
            entrypoint_type=entrypoint_type,
            name="hao-progress", tags=["programma:hao"],
            description="Voortgangsgesprekken met een startende opleider; koppeling door de voorzitter van COMO.",
        ),
        hao_sweep.to_deployment(
            entrypoint_type=entrypoint_type,
            # Its work is a due date in months and a lost wake-up: five minutes is often enough.
            name="hao-sweep", interval=timedelta(seconds=max(settings.sweep_interval_seconds, 300)), tags=["timers"],
            description="Start, signaleert (minder dan twee verslagen op de uiterste datum) en wekt hao-trajecten.",
        ),
        hao_intervision.to_deployment(
            entrypoint_type=entrypoint_type,
            name="hao-intervision", schedules=[CronSchedule(cron="0 9 15 1 *", timezone=TZ)], tags=["programma:hao"],
            description="Jaarlijks (15 januari): uitnodiging voor de intervisie van de hao-mentoren in maart.",
        ),
        hao_information.to_deployment(
            entrypoint_type=entrypoint_type,
            name="hao-information", schedules=[CronSchedule(cron="0 9 1 9 *", timezone=TZ)], tags=["programma:hao"],
            description="Jaarlijks (1 september): informatiemail aan alle opleiders met de lijst van hao-mentoren.",
        ),
        hao_institute_digest.to_deployment(
            entrypoint_type=entrypoint_type,
            name="hao-institute-digest", schedules=[CronSchedule(cron="0 8 1 * *", timezone=TZ)],
            tags=["programma:hao"],
            description="Maandelijks overzicht voor de contactpersonen van het instituut (nooit een consultatie).",
        ),
    )]
