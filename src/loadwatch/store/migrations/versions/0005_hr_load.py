"""heart-rate load: TRIMP per activity, the athlete's resting and maximum heart rate

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 05:20:00

``activities.hr_time_hist_s`` (seconds per whole bpm, from which TRIMP follows for any
heart rates), ``activities.hr_load`` (the TRIMP with the athlete's heart rates now) and
``activities.hr_peak_bpm`` (the highest heart rate held a minute: an estimated maximum is the
largest of them);
``athletes.resting_hr``, ``athletes.max_hr`` and ``athletes.sex``, the coach's settings (null:
estimated, or the unspecified curve).  See docs/hr-load.md.  Nullable: activities analysed
before have no heart-rate load until they are analysed again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("hr_time_hist_s", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("hr_load", sa.Float(), nullable=True))
        batch.add_column(sa.Column("hr_peak_bpm", sa.Float(), nullable=True))
    with op.batch_alter_table("athletes") as batch:
        batch.add_column(sa.Column("resting_hr", sa.Float(), nullable=True))
        batch.add_column(sa.Column("max_hr", sa.Float(), nullable=True))
        batch.add_column(sa.Column("sex", sa.String(length=8), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild drops the old table, and SQLite's
    # ON DELETE CASCADE would empty every table that points at it.
    op.drop_column("athletes", "sex")
    op.drop_column("athletes", "max_hr")
    op.drop_column("athletes", "resting_hr")
    op.drop_column("activities", "hr_peak_bpm")
    op.drop_column("activities", "hr_load")
    op.drop_column("activities", "hr_time_hist_s")
