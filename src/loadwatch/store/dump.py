"""Every table's rows out of one database and into another: backups, restores, and moves
between SQLite and PostgreSQL.

Tables are reflected from the database itself, not taken from the models: an archive holds the
schema of the revision that wrote it, which may be older than this code's, and is loaded into a
database first migrated to that same revision (``services/backup.py``).
"""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from loadwatch.errors import StoreError
from loadwatch.store.errors import translated

VERSION_TABLE = "alembic_version"  # Alembic's own: the revision travels in the manifest
_BATCH = 1000


def tables(conn: Connection) -> list[sa.Table]:
    """The database's tables, parents before children (the order rows can be inserted in)."""
    meta = sa.MetaData()
    with translated():
        meta.reflect(conn)
    return [t for t in meta.sorted_tables if t.name != VERSION_TABLE]


def is_empty(conn: Connection) -> bool:
    """No table at all, loadwatch's or anyone's: a place a restore may fill."""
    with translated():
        return not sa.inspect(conn).get_table_names()


def drop_everything(conn: Connection) -> None:
    """Every table, Alembic's too (``restore --force``)."""
    meta = sa.MetaData()
    with translated():
        meta.reflect(conn)
        meta.drop_all(conn)


def count_rows(conn: Connection) -> dict[str, int]:
    with translated():
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one())
            for t in tables(conn)
        }


def rows(conn: Connection, table: sa.Table) -> Iterator[dict[str, Any]]:
    """The table's rows as Python values, in primary-key order (a stable dump)."""
    order = list(table.primary_key.columns) or list(table.columns)
    with translated():
        result = conn.execution_options(yield_per=_BATCH).execute(sa.select(table).order_by(*order))
        for row in result.mappings():
            yield dict(row)


def encode(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON values: dates and times ISO 8601 (times in UTC), bytes base64; JSON
    columns stay the documents they are."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if isinstance(value, datetime):
            out[name] = _utc(value).isoformat()
        elif isinstance(value, date):
            out[name] = value.isoformat()
        elif isinstance(value, bytes | memoryview):
            out[name] = base64.b64encode(bytes(value)).decode("ascii")
        else:
            out[name] = value
    return out


def decode(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """``encode`` undone, by the column types of ``table`` (the same revision's)."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        column = table.columns.get(name)
        if column is None:
            raise StoreError(
                f"the archive's table {table.name} has a column {name} the database lacks"
            )
        kind = column.type
        if value is None or isinstance(kind, sa.JSON):
            out[name] = value
        elif isinstance(kind, sa.DateTime):
            out[name] = datetime.fromisoformat(value)
        elif isinstance(kind, sa.Date):
            out[name] = date.fromisoformat(value)
        elif isinstance(kind, sa.LargeBinary):
            out[name] = base64.b64decode(value)
        else:
            out[name] = value
    return out


def insert(conn: Connection, table: sa.Table, source: Iterable[dict[str, Any]]) -> int:
    """Insert rows (Python values) into ``table``; the number inserted."""
    # Every DateTime column is timezone-aware in the schema (models.Base maps datetime to
    # DateTime(timezone=True)), but SQLite hands its values back naive (they are UTC) and
    # PostgreSQL aware in the session's zone: one instant, written as UTC, on both.
    times = [c.name for c in table.columns if isinstance(c.type, sa.DateTime)]
    for c in table.columns:
        if isinstance(c.type, sa.JSON) and c.nullable:
            # SQL NULL stays NULL (sa.JSON writes None as the JSON document 'null').
            c.type.none_as_null = True
    n = 0
    batch: list[dict[str, Any]] = []
    with translated():
        for row in source:
            for name in times:
                if row.get(name) is not None:
                    row[name] = _utc(row[name])
            batch.append(row)
            if len(batch) >= _BATCH:
                conn.execute(table.insert(), batch)
                n += len(batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)
            n += len(batch)
    return n


def reset_sequences(conn: Connection, restored: Iterable[sa.Table]) -> None:
    """PostgreSQL: ids were inserted explicitly, so each serial's sequence is moved past the
    largest (SQLite takes the next rowid from the table itself)."""
    if conn.dialect.name != "postgresql":
        return
    with translated():
        for table in restored:
            pk = list(table.primary_key.columns)
            if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
                continue
            col = f'"{pk[0].name}"'
            conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({col}), 1), "
                    f'MAX({col}) IS NOT NULL) FROM "{table.name}"'
                ),
                {"t": table.name, "c": pk[0].name},
            )


def sqlite_snapshot(engine: Engine, dest: Path) -> None:
    """The whole SQLite database copied to ``dest`` through SQLite's online backup API: one
    consistent state, taken while other connections go on writing (under WAL they never wait
    on it, and it copies in one step so no write restarts it)."""
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        if not isinstance(source, sqlite3.Connection):
            raise StoreError("an online backup needs a SQLite database")
        target = sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.Error as e:
        raise StoreError(f"the SQLite backup failed: {e}") from e
    finally:
        raw.close()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_file_engine(path: Path) -> Engine:
    """An engine that only reads the SQLite file at ``path`` (a snapshot, an archive's copy):
    reading never changes it, not even its journal mode."""
    return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
