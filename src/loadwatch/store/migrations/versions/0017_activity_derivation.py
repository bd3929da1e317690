"""activities.derivation: the version of the derivation behind an activity's figures

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 22:00:00

A store created by 0.1.0 and upgraded kept 0.1.0's per-activity figures for ever (fast km
computed by the old rules, no heart-rate histogram so no TRIMP): re-importing the same bytes
answers "duplicate", and an evaluation only re-reads the stored rows (trial 10, F1).  Each row
now records the derivation version that produced it (``ingest/derivation.py``); rows stored
before this revision are null, "older", which ``status`` counts and ``loadwatch reprocess``
re-derives from the kept original bytes.  No data is rewritten here: decoding files is not a
migration's job (it needs the blob store and may take minutes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("activities", sa.Column("derivation", sa.Integer(), nullable=True))
    # Status and the dashboard count an athlete's older activities from the index alone.
    op.create_index(
        "ix_activities_athlete_id_source_derivation",
        "activities",
        ["athlete_id", "source", "derivation"],
    )


def downgrade() -> None:
    op.drop_index("ix_activities_athlete_id_source_derivation", table_name="activities")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("derivation")
