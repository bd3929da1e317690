"""Every table's rows out of one database and into another: backups, restores, and moves
between SQLite and PostgreSQL.

Tables are reflected from the database itself, not taken from the models: an archive holds the
schema of the revision that wrote it, which may be older than this code's, and is loaded into a
database first migrated to that same revision (``services/backup.py``).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine

from loadwatch.errors import Conflict, InvalidRequest, NotFound, StoreError
from loadwatch.store import job_queue
from loadwatch.store.db import WRITE_OPTION, check_known, current_revision, make_engine, migrate
from loadwatch.store.errors import translated

VERSION_TABLE = "alembic_version"  # Alembic's own: the revision travels in the manifest
_BATCH = 1000


def tables(conn: Connection) -> list[sa.Table]:
    """The database's tables, parents before children (the order rows can be inserted in)."""
    meta = sa.MetaData()
    with translated():
        meta.reflect(conn)
    # The job queue is transient and PostgreSQL-only: the pending table is the record of the
    # work it held (store/job_queue.py), so it is neither copied nor restored.
    return [
        t
        for t in meta.sorted_tables
        if t.name != VERSION_TABLE and not job_queue.is_queue_table(t.name)
    ]


def is_empty(conn: Connection) -> bool:
    """No table at all, loadwatch's or anyone's: a place a restore may fill."""
    with translated():
        return not sa.inspect(conn).get_table_names()


def drop_everything(conn: Connection) -> None:
    """Every table, Alembic's too (``restore --force``)."""
    meta = sa.MetaData()
    with translated():
        job_queue.drop(conn)  # its functions and types too, which reflection does not see
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


# --- whole databases, by URL: what services/backup.py asks for ------------------------------


@dataclass(frozen=True)
class DatabaseCopy:
    """A database copied out as one consistent state (``copy_out``)."""

    dialect: str
    revision: str
    rows: dict[str, int]
    sqlite_file: Path | None  # SQLite: the online backup's copy
    table_files: list[tuple[str, Path]]  # other databases: (table, JSON lines), parents first


def copy_out(url: str, tmp: Path) -> DatabaseCopy:
    """The database at ``url`` copied under ``tmp``: SQLite through its online backup API,
    others as one JSON-lines file per table read in one snapshot transaction.  ``NotFound``
    for a database loadwatch never created, ``SchemaTooNew`` for one newer than this code."""
    engine = make_engine(url)
    try:
        with translated():
            if engine.dialect.name == "sqlite":
                copy = tmp / "loadwatch.db"
                sqlite_snapshot(engine, copy)
                reader = sqlite_file_engine(copy)
                try:
                    with reader.connect() as conn:
                        revision = _known_revision(conn)
                        rows = count_rows(conn)
                finally:
                    reader.dispose()
                return DatabaseCopy("sqlite", revision, rows, copy, [])
            files: list[tuple[str, Path]] = []
            rows = {}
            with _reading(engine) as conn:
                revision = _known_revision(conn)
                for i, table in enumerate(tables(conn)):
                    path = tmp / f"{i:03d}-{table.name}.jsonl"
                    rows[table.name] = _write_lines(path, table, conn)
                    files.append((table.name, path))
            return DatabaseCopy(engine.dialect.name, revision, rows, None, files)
    finally:
        engine.dispose()


def _write_lines(path: Path, table: sa.Table, conn: Connection) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for row in rows(conn, table):
            f.write(json.dumps(encode(table, row), sort_keys=True) + "\n")
            n += 1
    return n


def database_is_empty(url: str) -> bool:
    engine = make_engine(url)
    try:
        with translated(), engine.connect() as conn:
            return is_empty(conn)
    finally:
        engine.dispose()


def empty_database(url: str) -> None:
    """Every table of the database at ``url`` dropped (``restore --force``)."""
    engine = make_engine(url)
    try:
        with translated(), engine.begin() as conn:
            drop_everything(conn)
    finally:
        engine.dispose()


def copy_in(url: str, copy: DatabaseCopy) -> dict[str, int]:
    """``copy`` loaded into the empty database at ``url``: created at the copy's revision, the
    rows loaded in one transaction and checked against ``copy.rows``, then migrated to this
    code's newest revision.  On any failure the database is left empty again."""
    engine = make_engine(url)
    try:
        with translated():
            try:
                migrate(engine, to=copy.revision)
                with engine.execution_options(**{WRITE_OPTION: True}).begin() as dst:
                    targets = {t.name: t for t in tables(dst)}
                    counts = _load(dst, targets, copy)
                    if counts != copy.rows:
                        raise InvalidRequest(
                            f"the archive's row counts {copy.rows} do not match its data {counts}"
                        )
                    reset_sequences(dst, targets.values())
                migrate(engine)
            except BaseException:
                # The place is left empty, as found, so the restore can simply run again.
                with engine.begin() as conn:
                    drop_everything(conn)
                raise
        return counts
    finally:
        engine.dispose()


def _load(dst: Connection, targets: dict[str, sa.Table], copy: DatabaseCopy) -> dict[str, int]:
    if copy.sqlite_file is not None:
        reader = sqlite_file_engine(copy.sqlite_file)
        try:
            with reader.connect() as src:
                return _copy(src, dst, targets)
        finally:
            reader.dispose()
    counts: dict[str, int] = {}
    for name, path in copy.table_files:
        target = _target(targets, name)
        with path.open(encoding="utf-8") as f:
            try:
                counts[name] = insert(dst, target, (decode(target, json.loads(x)) for x in f))
            except (KeyError, TypeError, ValueError) as e:
                raise InvalidRequest(f"malformed rows for table {name}: {e!r}") from e
    return counts


def move(source_url: str, target_url: str, *, force: bool = False) -> tuple[str, dict[str, int]]:
    """Every row of the store at ``source_url`` copied into the empty database at
    ``target_url`` (emptied first when ``force``), at the source's revision, then migrated to
    the newest: (the source's revision, rows per table)."""
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        with translated():
            if source.url == target.url:
                raise InvalidRequest("--to names the store's own database")
            with _reading(source) as src:
                revision = _known_revision(src)
                with target.connect() as conn:
                    if not is_empty(conn) and not force:
                        raise Conflict(
                            "the target is not empty (the database has tables): use an empty "
                            "database, or pass --force to replace what is there"
                        )
                with target.begin() as conn:
                    drop_everything(conn)
                migrate(target, to=revision)
                with target.execution_options(**{WRITE_OPTION: True}).begin() as dst:
                    targets = {t.name: t for t in tables(dst)}
                    counts = _copy(src, dst, targets)
                    reset_sequences(dst, targets.values())
            migrate(target)
        return revision, counts
    finally:
        source.dispose()
        target.dispose()


def _copy(src: Connection, dst: Connection, targets: dict[str, sa.Table]) -> dict[str, int]:
    """Every table of ``src`` into the same-revision tables ``targets`` of ``dst``."""
    return {
        table.name: insert(dst, _target(targets, table.name), rows(src, table))
        for table in tables(src)
    }


def _target(targets: dict[str, sa.Table], name: str) -> sa.Table:
    if name not in targets:
        raise StoreError(f"the archive has a table {name} its schema revision does not create")
    return targets[name]


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    """A connection in one read transaction: one snapshot of the database whatever commits
    meanwhile (PostgreSQL: REPEATABLE READ; SQLite: a read transaction under WAL)."""
    with engine.connect() as conn:
        if engine.dialect.name != "sqlite":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn


def _known_revision(conn: Connection) -> str:
    revision = current_revision(conn)
    if revision is None:
        raise NotFound("the database holds no loadwatch store (no schema revision)")
    check_known(revision)
    return revision
