"""The messages an act owes, recorded in the act"s own transaction (ids and template names only).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 09:15:21.868109
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("owed_messages",
    sa.Column("key", sa.String(length=300), nullable=False),
    sa.Column("trajectory_id", sa.Integer(), nullable=False),
    sa.Column("template", sa.String(length=64), nullable=False),
    sa.Column("recipient", sa.String(length=16), nullable=False),
    sa.Column("spec", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("key")
    )
    with op.batch_alter_table("owed_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_owed_messages_settled_at"), ["settled_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_owed_messages_trajectory_id"), ["trajectory_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("owed_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_owed_messages_trajectory_id"))
        batch_op.drop_index(batch_op.f("ix_owed_messages_settled_at"))

    op.drop_table("owed_messages")
