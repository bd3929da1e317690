"""planned sessions, and their plan.at_risk alerts through the webhook outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 05:15:00

``planned_sessions``: runs planned per athlete and local day (docs/planning.md).
``plan_alerts``: one row per planned session version the pre-flight check flags, the
dedupe of ``plan.at_risk``.  ``deliveries`` carries either an episode event or a plan alert:
``event_id`` becomes nullable and ``plan_alert_id`` joins it, unique per hook.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NOW = sa.text("(CURRENT_TIMESTAMP)")


def upgrade() -> None:
    op.create_table(
        "planned_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("fast_km", sa.Float(), nullable=False),
        sa.Column("climb_m", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_planned_sessions_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_planned_sessions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_planned_sessions")),
    )
    with op.batch_alter_table("planned_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_planned_sessions_athlete_id"), ["athlete_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_planned_sessions_date"), ["date"], unique=False)

    op.create_table(
        "plan_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("planned_id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["athlete_id"],
            ["athletes.id"],
            name=op.f("fk_plan_alerts_athlete_id_athletes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["planned_id"],
            ["planned_sessions.id"],
            name=op.f("fk_plan_alerts_planned_id_planned_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_alerts")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_plan_alerts_dedupe_key")),
    )
    with op.batch_alter_table("plan_alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_alerts_athlete_id"), ["athlete_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_alerts_planned_id"), ["planned_id"], unique=False)

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("plan_alert_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_deliveries_plan_alert_id_plan_alerts"),
            "plan_alerts",
            ["plan_alert_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_deliveries_webhook_id_plan_alert_id"), ["webhook_id", "plan_alert_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_deliveries_plan_alert_id"), ["plan_alert_id"], unique=False
        )


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE event_id IS NULL")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_plan_alert_id"))
        batch_op.drop_constraint(
            batch_op.f("uq_deliveries_webhook_id_plan_alert_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_deliveries_plan_alert_id_plan_alerts"), type_="foreignkey"
        )
        batch_op.drop_column("plan_alert_id")
        batch_op.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("plan_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_alerts_planned_id"))
        batch_op.drop_index(batch_op.f("ix_plan_alerts_athlete_id"))
    op.drop_table("plan_alerts")
    with op.batch_alter_table("planned_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_planned_sessions_date"))
        batch_op.drop_index(batch_op.f("ix_planned_sessions_athlete_id"))
    op.drop_table("planned_sessions")
