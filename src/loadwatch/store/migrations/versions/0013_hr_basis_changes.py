"""hr_basis_changes: the heart rates each athlete's TRIMP was computed with, and when they moved

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 14:00:00

A new hardest run raises an estimated maximum heart rate, and every past activity's TRIMP and
the fitness series move with it (docs/hr-load.md).  Each basis the loads were recomputed with
is recorded (the maximum and resting rate, where the maximum came from, and the run that held
an estimated one), so status, the report and the series can say "maximum heart rate
re-estimated from 171 to 178 bpm" instead of moving silently.  A new table: no existing row
changes; the first evaluation after the upgrade records each athlete's basis as it stands.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hr_basis_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("rest_bpm", sa.Float(), nullable=False),
        sa.Column("max_bpm", sa.Float(), nullable=False),
        sa.Column("max_source", sa.String(length=16), nullable=False),
        sa.Column("prev_max_bpm", sa.Float(), nullable=True),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("run_day", sa.Date(), nullable=True),
        sa.Column("run_name", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hr_basis_changes_athlete_id", "hr_basis_changes", ["athlete_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_hr_basis_changes_athlete_id", table_name="hr_basis_changes")
    op.drop_table("hr_basis_changes")
