"""The tables of the record of truth.

A trajectory is stored whole as a JSON document (its aggregate) beside the columns
that are queried; a ``version`` column makes every update conditional, so two
processes never overwrite each other's change.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from adapters.db import metadata

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cohort", String(64), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("language", String(2), nullable=False, default="nl"),
    Column("eligible", Boolean, nullable=False, default=True),
    Column("ineligible_reason", Text, nullable=False, default=""),
    Column("years_experience", Float, nullable=True),
    Column("application", JSON, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("cohort", "email", name="uq_people_cohort_email"),
)

trajectories = Table(
    "trajectories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("programme", String(32), nullable=False, default="peer"),
    Column("cohort", String(64), nullable=False, index=True),
    Column("mentee_id", Integer, ForeignKey("people.id"), nullable=False),
    Column("phase", String(32), nullable=False, index=True),
    Column("version", Integer, nullable=False, default=1),
    Column("document", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

used_links = Table(
    "used_links",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("person_id", Integer, nullable=False),
    Column("step", String(120), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=False),
)
