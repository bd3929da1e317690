"""the job queue: procrastinate's schema on PostgreSQL (nothing on SQLite)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 05:30:00

Evaluations, inbox scans and webhook deliveries are jobs on procrastinate when the store is
PostgreSQL (docs/scale.md).  Its schema is applied here, once, under the migration lock, rather
than by each worker at start-up; see ``store/job_queue.py``.
"""

from __future__ import annotations

from alembic import op

from loadwatch.store import job_queue

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    job_queue.create(op.get_bind())


def downgrade() -> None:
    job_queue.drop(op.get_bind())
