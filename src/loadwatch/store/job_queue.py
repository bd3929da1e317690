"""The job queue's tables in the app's own PostgreSQL database (procrastinate's schema).

Applied by Alembic revision 0008, not by procrastinate at start-up: that way it runs once under
the migration lock every process already takes (``store/db.migrate``), is recorded in the
revision the store reports, and a later procrastinate schema change arrives as a new revision
beside ours.  On SQLite there is no queue (jobs run in the serving process) and nothing is made.

The queue is transient: its tables are left out of backups and moves (``store/dump.py``).  The
pending-work table is the record of what must be evaluated; a restored store's first sweep
queues it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

PREFIX = "procrastinate_"


def is_queue_table(name: str) -> bool:
    return name.startswith(PREFIX)


def exists(conn: Connection) -> bool:
    """Whether the queue's tables are there (never on SQLite)."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.exec_driver_sql(
        "SELECT to_regclass(current_schema() || '.procrastinate_jobs') IS NOT NULL"
    ).scalar_one()
    return bool(found)


def _raw(conn: Connection) -> Any:
    # The schema is many statements with plpgsql bodies: sent as it is, without parameters, so
    # neither SQLAlchemy nor psycopg reads its colons or percent signs as placeholders.
    return conn.connection.dbapi_connection


def create(conn: Connection) -> None:
    """Create the queue's types, tables and functions in the current schema (PostgreSQL)."""
    from procrastinate.schema import SchemaManager

    if conn.dialect.name != "postgresql" or exists(conn):
        return
    drop(conn)  # leftovers of a queue whose tables a restore dropped
    _raw(conn).execute(SchemaManager.get_schema())


def drop(conn: Connection) -> None:
    """Drop every procrastinate object of the current schema (PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return
    raw = _raw(conn)
    for kind, query in (
        (
            "TABLE",
            "SELECT quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname = current_schema() AND starts_with(tablename, 'procrastinate_')",
        ),
        (
            "FUNCTION",
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND starts_with(p.proname, 'procrastinate_')",
        ),
        (
            "TYPE",
            "SELECT quote_ident(t.typname) FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = current_schema() AND starts_with(t.typname, 'procrastinate_') "
            "AND t.typtype IN ('e', 'c')",
        ),
    ):
        for (name,) in raw.execute(query).fetchall():
            raw.execute(f"DROP {kind} IF EXISTS {name} CASCADE")


def conninfo(url: str) -> str:
    """A libpq connection string for procrastinate's own pool, from the store's URL (the
    SQLAlchemy driver suffix dropped; the options, such as a search path, kept).

    Built as key=value pairs, not rendered back as a URL: SQLAlchemy renders a space in a
    query value as ``+``, which libpq does not read as a space, so ``options=-csearch_path=x
    -cstatement_timeout=5000`` reached the server as one broken search path."""
    # Here, not at the top: only a PostgreSQL store's queue needs psycopg (the CLI's data
    # commands on SQLite must not load it).
    from psycopg.conninfo import make_conninfo

    u = make_url(url)
    parts: dict[str, Any] = {
        "host": u.host,
        "port": u.port,
        "dbname": u.database,
        "user": u.username,
        "password": u.password,
    }
    for key, value in u.query.items():
        # A key given twice: libpq takes one value, the last (as a libpq URI would).
        parts[key] = value[-1] if isinstance(value, tuple) else value
    return make_conninfo(**{k: v for k, v in parts.items() if v is not None})


def waiting_jobs(session: Session) -> int:
    """Jobs queued and not yet taken (0 without a queue)."""
    if session.get_bind().dialect.name != "postgresql" or not exists(session.connection()):
        return 0
    n = session.execute(
        text("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'")
    ).scalar_one()
    return int(n)


def waiting_locks(session: Session, queueing_locks: Sequence[str]) -> set[str]:
    """Which of these queueing locks a waiting job holds already (one query on the queue's
    unique index of waiting locks): what a batch of defers leaves out."""
    if not queueing_locks:
        return set()
    q = text(
        "SELECT queueing_lock FROM procrastinate_jobs "
        "WHERE status = 'todo' AND queueing_lock = ANY(:locks)"
    )
    return set(session.scalars(q, {"locks": list(queueing_locks)}))
