"""notifications: Apprise channels beside webhooks, and the weekly summary

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 05:20:00

- ``webhooks.kind``: ``webhook`` (a signed JSON POST, as before) or ``apprise`` (a message to
  email, ntfy, Matrix, Slack, Telegram… through Apprise; docs/notifications.md).  Both share
  the outbox, its retries and its exactly-once bookkeeping.
- ``athletes.weekly_summary``: the Sunday-evening summary, off by default.
- ``weekly_summaries``: one composed summary per athlete and week (its Monday), written once.
- ``deliveries`` may carry a weekly summary: ``summary_id``, unique per hook like the event
  (``event_id`` is nullable since 0003).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): rebuilding ``athletes`` as a batch would drop the old
    # table, and SQLite's ON DELETE CASCADE would empty every table that points at it.
    op.add_column(
        "webhooks", sa.Column("kind", sa.String(16), nullable=False, server_default="webhook")
    )
    op.add_column(
        "athletes",
        sa.Column("weekly_summary", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "weekly_summaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_weekly_summaries_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_summaries")),
        sa.UniqueConstraint("athlete_id", "week", name=op.f("uq_weekly_summaries_athlete_id_week")),
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("summary_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_deliveries_summary_id_weekly_summaries"),
            "weekly_summaries",
            ["summary_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index(op.f("ix_deliveries_summary_id"), ["summary_id"])
        batch.create_unique_constraint(
            op.f("uq_deliveries_webhook_id_summary_id"), ["webhook_id", "summary_id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE summary_id IS NOT NULL")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_webhook_id_summary_id", type_="unique")
        batch.drop_index("ix_deliveries_summary_id")
        batch.drop_constraint(op.f("fk_deliveries_summary_id_weekly_summaries"), type_="foreignkey")
        batch.drop_column("summary_id")
    op.drop_table("weekly_summaries")
    # Plain DROP COLUMN (SQLite 3.35+), for the reason given in ``upgrade``.
    op.drop_column("athletes", "weekly_summary")
    op.drop_column("webhooks", "kind")
