"""ids never reused on SQLite: AUTOINCREMENT on the tables whose ids people see

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 20:00:00

SQLite gives a new row the largest id + 1, so deleting the newest activity handed its id to
the next import: a bookmarked ``/#activity=2``, a check-in posting ``activity_id: 2``, a
``PUT /activities/2/rpe`` or a coach's "see #2" then landed on another run (trial 9, F26).
PostgreSQL's sequences never go back.  ``INTEGER PRIMARY KEY AUTOINCREMENT`` makes SQLite
keep the largest id ever given (``sqlite_sequence``), and SQLite can only add it by rebuilding
the table: activities, flags, episodes and planned sessions are rebuilt with their rows, ids,
indexes and constraints.  The rebuild runs with foreign keys off (``db.migrate``), as SQLite's
documented procedure for a table change asks: dropping the old table with them on would
cascade-delete every row that points at it.  A no-op on PostgreSQL.  Ids deleted before the
upgrade above the largest kept id cannot be known; from the upgrade on, none is reused.
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The tables whose ids reach people: URLs, check-in answers, CLI arguments, coaches' notes.
TABLES = ("activities", "flags", "episodes", "planned_sessions")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # Inside the migration's transaction the pragma can no longer be switched off: a run with
    # foreign keys on (Alembic called directly, not ``db.migrate``) would cascade-delete the
    # flags', episodes' and plan alerts' rows as each old table is dropped.  Refused instead.
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "revision 0014 rebuilds tables and must run with SQLite foreign keys off: "
            "upgrade with loadwatch (store.db.migrate), not with alembic directly"
        )
    for name in TABLES:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    # Nothing to undo: 0013's code reads and writes an AUTOINCREMENT table as any other, and
    # a rebuild back would only risk the rows for ids that may be reused again.
    pass
