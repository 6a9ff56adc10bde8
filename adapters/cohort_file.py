"""The cohorts a facilitator declares in ``cohorts.toml``: read (every problem as one Dutch line) and appended.

One ``[[cohort]]`` table per cohort, with Dutch keys. Times without an offset are Amsterdam
time. Appending keeps the facilitator's own comments and layout in the file.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from prefect.client.schemas.schedules import CronSchedule
from pydantic import ValidationError

from domain.clock import AMSTERDAM
from domain.cohort import CohortPlan
from domain.errors import dutch_reason

# The file's keys and the plan's fields, in the order a facilitator fills them in.
KEYS = {
    "kenmerk": "id",
    "naam": "name",
    "aanmelden_vanaf": "opens_at",
    "mentoren_tot": "mentor_deadline",
    "training": "training_at",
    "trainingslocatie": "training_location",
    "mentees_tot": "mentee_deadline",
    "start_trajecten": "trajectories_start",
    "bijdrage": "contribution_eur",
    "kickoff_cron": "kickoff_cron",
    "programma": "programme",
}
FIELDS = {field: key for key, field in KEYS.items()}


class CohortFileError(ValueError):
    """One line for the facilitator: the file, the cohort, the field and the reason."""


def read_cohorts(path: Path) -> tuple[CohortPlan, ...]:
    """Every cohort declared in ``path`` (none when there is no file), in the file's order."""
    if not path.exists():
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CohortFileError(f"{path.name}: geen geldig TOML-bestand ({exc})") from None
    tables = data.get("cohort", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise CohortFileError(f"{path.name}: schrijf elk cohort als een tabel [[cohort]]")
    plans: list[CohortPlan] = []
    for number, table in enumerate(tables, start=1):
        plan = parse_cohort(table, f"{path.name}, cohort {table.get('kenmerk') or number}")
        if any(p.id == plan.id for p in plans):
            raise CohortFileError(f"{path.name}, cohort {plan.id}, veld kenmerk: komt twee keer voor")
        plans.append(plan)
    return tuple(plans)


def parse_cohort(table: dict[str, Any], where: str) -> CohortPlan:
    """One ``[[cohort]]`` table as a plan; an unknown key or a wrong value is refused in one line."""
    if unknown := sorted(set(table) - set(KEYS)):
        raise CohortFileError(f"{where}, veld {unknown[0]}: onbekend veld; bekend zijn {', '.join(KEYS)}")
    for key in ("aanmelden_vanaf", "mentoren_tot", "mentees_tot", "training"):
        if isinstance(table.get(key), date) and not isinstance(table[key], datetime):
            raise CohortFileError(f"{where}, veld {key}: geef datum en tijd, bijvoorbeeld "
                                  f"{table[key].isoformat()}T17:00:00")
    values = {KEYS[key]: _amsterdam(value) for key, value in table.items()}
    if isinstance(values.get("contribution_eur"), float):
        values["contribution_eur"] = Decimal(str(values["contribution_eur"]))
    try:
        plan = CohortPlan.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = FIELDS.get(str(error["loc"][0]), str(error["loc"][0])) if error["loc"] else "cohort"
        raise CohortFileError(f"{where}, veld {field}: {dutch_reason(error)}") from None
    try:
        CronSchedule(cron=plan.schedule, timezone="Europe/Amsterdam")
    except ValueError:
        raise CohortFileError(f"{where}, veld kickoff_cron: '{plan.schedule}' is geen geldige Cron-regel") from None
    return plan


def _amsterdam(value: Any) -> Any:
    """A TOML time without an offset is Amsterdam time."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=AMSTERDAM)
    return value


def cohort_toml(plan: CohortPlan) -> str:
    """The plan as one ``[[cohort]]`` table (times in Amsterdam time, without offset)."""
    lines = ["[[cohort]]"]
    for key, field in KEYS.items():
        value = getattr(plan, field)
        if (field == "programme" and value == "peer") or (field == "kickoff_cron" and not value):
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(AMSTERDAM):%Y-%m-%dT%H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return json.dumps(f"{value:.2f}")
    return json.dumps(value, ensure_ascii=False)


def add_cohort(path: Path, plan: CohortPlan) -> None:
    """Append ``plan`` to the file, refused when its id is declared already or the file is wrong."""
    known = read_cohorts(path)
    if any(p.id == plan.id for p in known):
        raise CohortFileError(f"{path.name}, cohort {plan.id}, veld kenmerk: dit cohort staat er al in")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    separator = "" if not text else ("\n" if text.endswith("\n") else "\n\n")
    path.write_text(f"{text}{separator}{cohort_toml(plan)}", encoding="utf-8")
    read_cohorts(path)  # what was written reads back
