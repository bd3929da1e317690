"""the coach's triage ready-serialised: one row of bytes per athlete

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:00:00

``athlete_triage`` holds each athlete's triage row as evaluation serialised it (JSON bytes),
its sort key (bytes, compared bytewise on both databases) and its concern, so that a
dashboard request is one indexed query and a concatenation (docs/dashboard.md).  Empty after
the upgrade: the scheduler's roll-forward fills it, and until then the triage shows each
athlete as evaluating.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "athlete_triage",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("concern", sa.String(length=16), nullable=False),
        sa.Column("sort_key", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "computed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_athlete_triage_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", name=op.f("pk_athlete_triage")),
    )
    with op.batch_alter_table("athlete_triage") as batch_op:
        batch_op.create_index(batch_op.f("ix_athlete_triage_concern"), ["concern"], unique=False)
        batch_op.create_index(batch_op.f("ix_athlete_triage_sort_key"), ["sort_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("athlete_triage") as batch_op:
        batch_op.drop_index(batch_op.f("ix_athlete_triage_sort_key"))
        batch_op.drop_index(batch_op.f("ix_athlete_triage_concern"))
    op.drop_table("athlete_triage")
