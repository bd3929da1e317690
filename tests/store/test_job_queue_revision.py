"""Revision 0008: procrastinate's schema on PostgreSQL, nothing on SQLite.  A store at 0002
upgrades to it; downgraded, every queue object goes; a backup neither copies nor restores the
queue's tables; a dropped store leaves no queue function behind to break the next upgrade."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from loadwatch.store import dump, job_queue
from loadwatch.store.db import _alembic_config, make_engine, migrate


def _objects(conn: sa.Connection) -> dict[str, int]:
    q = {
        "tables": "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
        "AND starts_with(tablename, 'procrastinate_')",
        "functions": "SELECT count(*) FROM pg_proc p JOIN pg_namespace n "
        "ON n.oid = p.pronamespace WHERE n.nspname = current_schema() "
        "AND starts_with(p.proname, 'procrastinate_')",
    }
    return {k: int(conn.exec_driver_sql(v).scalar_one()) for k, v in q.items()}


def test_0008_upgrades_a_0002_store_and_is_a_no_op_on_sqlite(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0002")
        migrate(engine, "0008")
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            if conn.dialect.name == "sqlite":
                assert not any(job_queue.is_queue_table(n) for n in names)
                return
            assert {"procrastinate_jobs", "procrastinate_periodic_defers"} <= names
            assert job_queue.exists(conn)
            assert _objects(conn)["functions"] > 5
            # The queue is transient: backups and moves leave it out.
            assert not any(job_queue.is_queue_table(t.name) for t in dump.tables(conn))
            assert "pending_evaluations" in {t.name for t in dump.tables(conn)}
        with engine.begin() as conn:
            command.downgrade(_alembic_config(conn), "0002")
        with engine.connect() as conn:
            assert _objects(conn) == {"tables": 0, "functions": 0}
    finally:
        engine.dispose()


def test_a_store_dropped_for_a_restore_upgrades_again(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        migrate(engine, "0008")
        with engine.begin() as conn:
            dump.drop_everything(conn)
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                assert _objects(conn) == {"tables": 0, "functions": 0}
        migrate(engine, "0008")  # would fail on a leftover function or type
        with engine.connect() as conn:
            assert job_queue.exists(conn) == (engine.dialect.name == "postgresql")
    finally:
        engine.dispose()
