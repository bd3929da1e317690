"""athlete check-in: personal links and session RPE

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 05:10:00

``checkin_links``: long-lived tokens scoped to one athlete (stored as SHA-256 digests, like
users' tokens), revocable; ``activities.rpe``: the session RPE (CR-10) the athlete gave, from
which session load (sRPE = RPE x minutes) is computed.  See docs/checkin.md.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkin_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_checkin_links_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_checkin_links_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_checkin_links_token_hash")),
    )
    op.create_index(
        op.f("ix_checkin_links_athlete_id"), "checkin_links", ["athlete_id"], unique=False
    )
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("rpe", sa.Float(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild drops the old table, and SQLite's
    # ON DELETE CASCADE would empty every table that points at it.
    op.drop_column("activities", "rpe")
    op.drop_index(op.f("ix_checkin_links_athlete_id"), table_name="checkin_links")
    op.drop_table("checkin_links")
