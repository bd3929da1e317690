"""athlete_view_days, athlete_views.days_tail: a view's day rows apart from its row, and the
rows the nightly roll appended since they were written

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 11:00:00

The nightly roll of an unchanged athlete appends one rest day to their view.  Re-encoding three
years of day rows for it cost more than the rest of its writes together, and even unchanged in
the view's row they were written again: SQLite rewrites a whole record on UPDATE, half a
megabyte for one day (docs/scale.md).  The day rows now live in ``athlete_view_days`` and the
view's row holds ``days_tail``, the rows appended since (Arrow IPC, null: none): a roll
rewrites the view's small row only, and folds the tail into the day rows once it grows
(``services/stored_view``).  Existing views keep their rows whole, without a tail.

Downgraded, a view with a tail is deleted (it is derived: the readers compute it live and the
next evaluation stores it again); the others get their day rows back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_views = sa.table(
    "athlete_views",
    sa.column("athlete_id", sa.Integer()),
    sa.column("days", sa.LargeBinary()),
    sa.column("days_tail", sa.LargeBinary()),
)
_days = sa.table(
    "athlete_view_days", sa.column("athlete_id", sa.Integer()), sa.column("days", sa.LargeBinary())
)


def upgrade() -> None:
    op.create_table(
        "athlete_view_days",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athletes.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("athlete_id"),
    )
    op.execute(
        sa.insert(_days).from_select(
            ["athlete_id", "days"], sa.select(_views.c.athlete_id, _views.c.days)
        )
    )
    op.add_column("athlete_views", sa.Column("days_tail", sa.LargeBinary(), nullable=True))
    op.drop_column("athlete_views", "days")


def downgrade() -> None:
    op.execute(sa.delete(_views).where(_views.c.days_tail.is_not(None)))
    op.add_column("athlete_views", sa.Column("days", sa.LargeBinary(), nullable=True))
    rows = sa.select(_days.c.days).where(_days.c.athlete_id == _views.c.athlete_id)
    op.execute(sa.update(_views).values(days=rows.scalar_subquery()))
    with op.batch_alter_table("athlete_views") as batch:
        batch.alter_column("days", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("days_tail")
    op.drop_table("athlete_view_days")
