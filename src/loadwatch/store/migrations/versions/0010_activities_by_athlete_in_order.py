"""activities: an index on (athlete_id, id), so "an athlete's first activity with X" never
walks the whole table

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:40:00

Evaluation asks for the athlete's lowest-id activity with a heart-rate histogram (the witness
of ``services.hr_load.refresh_athlete``): ``WHERE athlete_id = ? AND hr_time_hist_s IS NOT NULL
ORDER BY id LIMIT 1``.  With only single-column indexes, PostgreSQL may answer it by walking the
primary key in id order and filtering, and for an athlete with no heart rate that reads every
activity of every athlete: measured on a store of 200 synthetic athletes without fresh
statistics, 112,876 rows fetched for one athlete's evaluation, against 2,738 with the index
(docs/scale.md).  On (athlete_id, id) the athlete's rows are read in id order and nothing else.
Only an index: no data changes, both ways.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

NAME = "ix_activities_athlete_id_id"


def upgrade() -> None:
    op.create_index(NAME, "activities", ["athlete_id", "id"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="activities")
