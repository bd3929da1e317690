"""flags.spike_value, flags.spike_baseline: the spike a return's flag carried

Revision ID: 0018
Revises: 0016, 0017
Create Date: 2026-12-08 00:45:00

A comeback run that is both a return alert and a spike is one event: the return's flag owns
it and no session_spike flag is stored, so the spike's step-back cap (read from stored spike
flags) was lost, while a return *caution* left the spike flag and its cap standing (trial 10,
F3).  The return's flag of that day now keeps the spike's run and baseline, and caps the next
run as a spike flag does.  Nullable: rows stored before this revision have none until their
athlete is evaluated again (VIEW_VERSION 9 makes the next evaluation a full one).

Also the merge of 0016 and 0017, which both revise 0015 (0017 was written on top of 0015 and
is kept as it was written).  A store stamped 0017 that already has 0016's column and table
(made while 0017 followed 0016) passes through 0016 again, which then changes nothing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = ("0016", "0017")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("flags", sa.Column("spike_value", sa.Float(), nullable=True))
    op.add_column("flags", sa.Column("spike_baseline", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flags") as batch:
        batch.drop_column("spike_baseline")
        batch.drop_column("spike_value")
