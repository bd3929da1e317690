"""athlete_views.days_tail: the day rows appended since ``days`` was written

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:00:00

The nightly roll of an unchanged athlete appends one rest day to their view; re-encoding three
years of day rows for it cost more than the rest of the roll's writes together (docs/scale.md).
The view's day rows are now ``days`` followed by ``days_tail`` (Arrow IPC, null: none): a roll
rewrites only the short tail, and folds it into ``days`` once it grows (``services/stored_view``).
Existing views have no tail: nothing to move.  Downgraded, a view with a tail is deleted (it is
derived: the readers compute it live and the next evaluation stores it again) and the column
goes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("athlete_views", sa.Column("days_tail", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    views = sa.table("athlete_views", sa.column("days_tail", sa.LargeBinary()))
    op.get_bind().execute(sa.delete(views).where(views.c.days_tail.is_not(None)))
    op.drop_column("athlete_views", "days_tail")
