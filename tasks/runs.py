"""Keeping the trajectory's run recognisable in the Prefect UI: its name and tags follow the phase."""

from __future__ import annotations

from datetime import datetime

from prefect import runtime, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client

from domain.status import describe
from mentorschap.bootstrap import services
from tasks.store import Snapshot


def run_label(s: Snapshot) -> tuple[str, list[str]]:
    """(name, tags) for the trajectory's run."""
    svc = services()
    t = s.trajectory
    mentee = svc.repo.person(t.mentee_id).name
    pair = f"{mentee} & {svc.repo.person(t.mentor_id).name}" if t.mentor_id else mentee
    name = f"{pair} · {describe(t)}"
    tags = [f"programma:{t.programme}", f"cohort:{t.cohort}", f"fase:{t.phase.value}"]
    return name, tags


@task(name="name the run", cache_policy=NO_CACHE)
def name_run(s: Snapshot) -> str:
    """Rename and retag this run when its phase or what it waits for changed."""
    name, tags = run_label(s)
    run_id = runtime.flow_run.id
    if run_id is None:
        return name
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(run_id)
        if run.name != name or sorted(run.tags) != sorted(tags):
            client.update_flow_run(run_id, name=name, tags=tags)
    return name


@task(name="when the input was given", cache_policy=NO_CACHE)
def input_given_at(key: str) -> datetime | None:
    """The clock's time at which the input that resumed this run's wait ``key`` was sent.

    The run starts some seconds after a form is sent (hours, if its worker was down);
    the act it carries is recorded at the moment it was given. None outside a run.
    """
    run_id = runtime.flow_run.id
    if run_id is None:
        return None
    with get_client(sync_client=True) as client:
        found = client.filter_flow_run_input(run_id, key_prefix=f"suspended-{key}-response", limit=1,
                                             exclude_keys=set())
    return services().clock.at(found[0].created) if found and found[0].created else None
