"""athlete_forecasts: the nightly roll's next days, computed in one batch

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 21:40:00

An unchanged athlete's next days are rest days, fully determined by the stored view.  The
first roll of an unchanged athlete computes what the rolls of the next days will store (the
view's summary, day-row tail, week rows and fast window, and the triage row) in one batch, and
a roll inside that horizon writes them instead of computing them (issue #19,
services/forecast.py).  ``athlete_views.forecast`` names the batch the view is the chain of:
every other write of the view nulls it, so a change (an evaluation) invalidates the batch.

Derived: existing views get none (null), and a downgrade drops both.

Two histories reach here (see 0018): stores made while 0017 followed this revision are
stamped 0017 with this revision's column and table already in place; 0018 merges the two
branches, so such a store reaches this revision again on its way to 0018.  It then finds both
made and leaves them as they are (with their rows).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = sa.inspect(op.get_bind())
    if "forecast" not in {c["name"] for c in have.get_columns("athlete_views")}:
        op.add_column("athlete_views", sa.Column("forecast", sa.Integer(), nullable=True))
    if have.has_table("athlete_forecasts"):
        return
    op.create_table(
        "athlete_forecasts",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("basis", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("days_tail", sa.LargeBinary(), nullable=False),
        sa.Column("weeks", sa.LargeBinary(), nullable=False),
        sa.Column("fast_window", sa.LargeBinary(), nullable=True),
        sa.Column("concern", sa.String(length=16), nullable=False),
        sa.Column("sort_key", sa.LargeBinary(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_athlete_forecasts_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("athlete_id", "day", name=op.f("pk_athlete_forecasts")),
    )


def downgrade() -> None:
    op.drop_table("athlete_forecasts")
    with op.batch_alter_table("athlete_views") as batch:
        batch.drop_column("forecast")
