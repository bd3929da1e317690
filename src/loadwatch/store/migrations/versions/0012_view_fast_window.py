"""athlete_views.fast_window: the fast threshold's window the nightly roll carries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:00:00

The fast threshold of a day pools the speed histograms of the runs of the 90 days before it.
When a run left that window, the nightly roll of an unchanged athlete read every run of the
window again to sum them (about 3 ms of its CPU on most nights, docs/scale.md).  The roll now
stores the window of the day after the view's day (the histograms summed in integer units,
and the number of runs) and moves it by the runs that leave it, read alone.  Null: none (a
full evaluation or a change writes none; the next roll reads the window once).

Derived and nullable: existing views get none, and a downgrade drops it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("athlete_views", sa.Column("fast_window", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("athlete_views") as batch:
        batch.drop_column("fast_window")
