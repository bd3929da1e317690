"""flags.own_baseline: the rule's own baseline before a floor raised it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 19:50:00

A spike with no run in its 30-day window is judged against the floor alone (3 km), and its
evidence cited Frandsen 2025's band for runs over twice the longest run of 30 days, a band that
does not apply when there was no run (trial 9, F14).  The evidence is derived from the stored
flag, so the flag keeps the rule's own baseline (0 there).  Nullable: rows stored before this
revision have none until their athlete is evaluated again (VIEW_VERSION 8 makes the next
evaluation a full one), and read as before meanwhile.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("flags", sa.Column("own_baseline", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("own_baseline")
