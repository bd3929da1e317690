"""fast km on sustained actual speed: two histograms per activity

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 02:30:00

``sustained_speed_hist_m`` (distance per sustained-speed bin, for fast km) and
``flat_speed_hist_m`` (distance per actual-speed bin on near-flat steps, for the fast
threshold); see docs/fast.md.  Nullable: activities analysed before keep their numbers and
are read with the older histograms until they are analysed again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("sustained_speed_hist_m", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("flat_speed_hist_m", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("flat_speed_hist_m")
        batch.drop_column("sustained_speed_hist_m")
