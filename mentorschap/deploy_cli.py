"""``mentorschap deploy``: production's deployments registered to the process work pool (workers run them)."""

from __future__ import annotations

from typing import Annotated

import typer

from mentorschap.cli import app


@app.command()
def deploy(pool: Annotated[str | None, typer.Option(help="work pool (MENTORSCHAP_WORK_POOL)")] = None) -> None:
    """Create the process work pool if missing and register every deployment to it (run again after an
    upgrade or a new cohort); start workers with `python -m deployments.worker --pool NAME`."""
    from deployments.register import register
    from wiring.settings import Settings

    settings = Settings()
    names = register(settings, pool or settings.work_pool)
    typer.echo(f"{len(names)} deployments in work pool {pool or settings.work_pool!r}")
