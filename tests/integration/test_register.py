"""The work pool's deployments are the served ones, with entrypoints a worker elsewhere can import."""

from __future__ import annotations

from prefect.deployments.runner import RunnerDeployment
from prefect.flows import load_flow_from_entrypoint
from prefect.types.entrypoint import EntrypointType

from deployments.serve import deployments
from wiring.settings import Settings


def shape(d: RunnerDeployment) -> tuple:
    """What a deployment does, without the moment it was built (an interval's anchor)."""
    return (d.flow_name, d.name, d.parameters, d.tags,
            [s.schedule.model_dump(exclude={"anchor_date"}) for s in d.schedules or []])


def test_registered_deployments_are_the_served_ones_by_module_path() -> None:
    served = deployments(Settings())
    registered = deployments(Settings(), EntrypointType.MODULE_PATH)
    assert [shape(d) for d in registered] == [shape(d) for d in served]
    for d in registered:
        # No file path relative to this checkout: the installed package's module, found on any machine.
        assert d.entrypoint and ":" not in d.entrypoint and "/" not in d.entrypoint, d.entrypoint
        assert load_flow_from_entrypoint(d.entrypoint).name == d.flow_name
    assert {"mentee-trajectory", "timer-sweep", "retention", "cohort/zob-2021"} <= \
           {d.name if d.flow_name == d.name else f"{d.flow_name}/{d.name}" for d in registered}
