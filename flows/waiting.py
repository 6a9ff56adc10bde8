"""The one way every long-lived run waits: suspended, at a key fixed in the database.

The key is written before the run suspends, so a run that is resumed (and replays
from the top) gets the same key back, and with it the input Prefect stored for it.
Whoever acts writes the database first and then wakes the run; the run always
re-reads the database, so a wake-up only says "look again". Trajectories, cohorts
and the three hao kinds all wait through ``wait``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from prefect import get_run_logger
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from pydantic import create_model

from domain.waits import Subject
from tasks.runs import forget_form, input_given_at, mark_refused
from wiring.bootstrap import Services

W = TypeVar("W", bound=RunInput)


def wait(svc: Services, subject: Subject, label: str, seen_version: int, model: type[W],
         handle: Callable[[W, datetime | None], list[str]] | None = None) -> tuple[W, datetime | None] | None:
    """Suspend until someone wakes the run; returns the input and the time a facilitator gave it.

    ``handle`` writes what the input carries before the wake-up is recorded, so a run that
    dies in between handles the same input again on its replay (each act is idempotent); it
    returns why what she asked was not done. Such a refusal is logged, kept with the run and
    shown at the top of the next form, where she acts, until a form of hers goes through.
    None, without waiting, when the subject changed since it was read at ``seen_version``.
    """
    key = svc.run_store.open_wait(subject, label, seen_version, svc.clock.now())
    if key is None:
        return None
    earlier = svc.run_store.refusal(subject)
    mark_refused(earlier is not None)
    form = with_refusal(model, earlier) if earlier else model
    received = suspend_flow_run(wait_for_input=form, key=str(key), timeout=None)
    by_facilitator = getattr(received, "woken_by", None) == "facilitator"
    # Only a facilitator's form carries an act to date (a participant's is in the database already).
    given_at = input_given_at(svc.clock, key) if by_facilitator else None
    refusals = handle(received, given_at) if handle is not None else []
    for refusal in refusals:
        get_run_logger().warning("niet uitgevoerd: %s", refusal)
    # A refusal stays on the run until a form of hers goes through; a participant's act or a timer leaves it.
    kept = "; ".join(refusals) if refusals else (None if by_facilitator else earlier)
    svc.run_store.close_wait(key, kept)
    if by_facilitator:
        forget_form(key)
    return received, given_at


def with_refusal(model: type[W], refusal: str) -> type[W]:
    """The form with why her last form was not carried out: above its fields (the form's description)
    and under its first field. The Prefect UI collapses a long form's description to nothing, so
    only the second is sure to be seen."""
    own = getattr(model, "_description", None)  # a class without one holds pydantic's placeholder
    text = own if isinstance(own, str) else inspect.getdoc(model) or ""
    first = next(iter(model.model_json_schema()["properties"]))
    field = copy.copy(model.model_fields[first])
    field.description = f"NIET UITGEVOERD: {refusal}" + (f" — {field.description}" if field.description else "")
    override: dict[str, Any] = {first: (field.annotation, field)}
    marked = create_model(model.__name__, __base__=model, **override)
    return marked.with_initial_data(description=f"NIET UITGEVOERD: {refusal}\n\n{text}")
