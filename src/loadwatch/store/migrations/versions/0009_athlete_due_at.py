"""athletes.due_at: when each athlete's stored view next goes stale, indexed

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 08:30:00

The scheduler's sweep used to read every athlete's zone and view day each tick to find those a
new local day began for: a full scan, 100,000 rows a second at a million athletes.  ``due_at``
is the UTC instant the athlete's view stops being for their local today (the end of the view's
day in their zone), set after each evaluation; the sweep is ``WHERE due_at <= now`` on its
index (docs/scale.md).  Null means due now.

Existing athletes get the end of their stored view's day; those without a view, or without a
triage row (a store upgraded past 0007 and not yet rolled forward), stay null: due at the first
sweep, as before.  Computed here in Python (time zones), written in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 5_000

_athletes = sa.table(
    "athletes",
    sa.column("id", sa.Integer()),
    sa.column("timezone", sa.String()),
    sa.column("due_at", sa.DateTime(timezone=True)),
)
_views = sa.table(
    "athlete_views", sa.column("athlete_id", sa.Integer()), sa.column("as_of", sa.Date())
)
_triage = sa.table("athlete_triage", sa.column("athlete_id", sa.Integer()))


def _day_ends_at(tz: str, day: date) -> datetime | None:
    """Frozen copy of ``clock.day_ends_at`` as of this revision (without the pinned day)."""
    try:
        zone = ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return None  # an unreadable zone: due now, evaluation reports it
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)


def _due_rows(conn: sa.Connection) -> Iterator[dict[str, object]]:
    q = (
        sa.select(_athletes.c.id, _athletes.c.timezone, _views.c.as_of)
        .select_from(
            _athletes.join(_views, _views.c.athlete_id == _athletes.c.id).join(
                _triage, _triage.c.athlete_id == _athletes.c.id
            )
        )
        .order_by(_athletes.c.id)
    )
    for aid, tz, as_of in conn.execute(q):
        due = _day_ends_at(tz, as_of)
        if due is not None:
            yield {"aid": aid, "due": due}


def upgrade() -> None:
    op.add_column("athletes", sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_athletes_due_at"), "athletes", ["due_at"], unique=False)
    conn = op.get_bind()
    update = (
        sa.update(_athletes)
        .where(_athletes.c.id == sa.bindparam("aid"))
        .values(due_at=sa.bindparam("due"))
    )
    rows = list(_due_rows(conn))
    for i in range(0, len(rows), BATCH):
        conn.execute(update, rows[i : i + BATCH])


def downgrade() -> None:
    op.drop_index(op.f("ix_athletes_due_at"), table_name="athletes")
    op.drop_column("athletes", "due_at")
