"""Backup and restore: one archive holding a store's database, its kept files and the settings
that matter, with a manifest of checksums (see docs/operations.md).

The archive is a gzip'd tar::

    database/loadwatch.db          SQLite: a copy through SQLite's online backup API
    database/tables/NNN-<t>.jsonl  other databases: every table, one JSON row a line, in
                                   dependency order, read in one snapshot transaction
    files/blobs/...                raw bytes of every file received
    files/streams/...              decoded sample streams (Parquet)
    MANIFEST.json                  format, loadwatch version, schema revision, settings,
                                   row counts, and every member's size and SHA-256

A backup runs beside a live ``serve``: the database is copied first, as one consistent state,
then the files.  Blobs and streams are written (atomically, under content-addressed names)
before the rows naming them commit, so every file the copied rows name is already there; files
that arrive later are copied too and are harmless (nothing names them).

A restore fills an empty place (``--force`` empties it first): the database is migrated to the
archive's revision, the rows loaded in one transaction, then migrated to this code's newest
revision, so an archive from an older loadwatch comes back upgraded.  Any database can be
restored into any other: SQLite's copy is read like a database, a table dump like a file.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadwatch import __version__
from loadwatch.clock import utcnow
from loadwatch.errors import Conflict, InvalidRequest, NotFound, SchemaTooNew, StoreError
from loadwatch.store import dump
from loadwatch.store.db import (
    WRITE_OPTION,
    check_known,
    current_revision,
    head_revision,
    make_engine,
    migrate,
)
from loadwatch.store.errors import translated

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Table

    from loadwatch.config import Settings

FORMAT = "loadwatch-backup"
FORMAT_VERSION = 1
MANIFEST = "MANIFEST.json"
DB_FILE = "database/loadwatch.db"
TABLES_DIR = "database/tables"
FILES_DIR = "files"
KEPT = ("blobs", "streams")  # the data dir's kept files; everything else there is rebuilt
# Settings that name places or credentials belong to the machine, not to the data.
_LOCAL_SETTINGS = frozenset({"data_dir", "database_url", "inbox"})


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    seconds: float
    dialect: str
    revision: str
    rows: dict[str, int]
    files: int
    file_bytes: int


@dataclass(frozen=True)
class RestoreReport:
    archive_version: str
    archive_revision: str
    revision: str  # the store's, after the upgrade
    rows: dict[str, int]
    files: int
    seconds: float
    # Settings the archive's store ran with that differ from this process's: name -> (then, now)
    settings_changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)


# --- backup --------------------------------------------------------------------------------


def backup(settings: Settings, dest: Path, *, overwrite: bool = False) -> BackupReport:
    """Write the archive of the configured store to ``dest`` (atomically: a crash leaves no
    half archive under that name)."""
    started = time.perf_counter()
    if dest.exists() and not overwrite:
        raise Conflict(f"{dest} already exists (pass --force to overwrite it)")
    if settings.database_url is None and not (settings.data_dir / "loadwatch.db").is_file():
        raise NotFound(f"no store to back up: {settings.data_dir / 'loadwatch.db'} does not exist")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f".{dest.name}.partial")
    engine = make_engine(settings.db_url)
    try:
        with (
            translated(),
            tempfile.TemporaryDirectory(dir=dest.parent, prefix=".loadwatch-backup-") as tmp,
        ):
            snap = _snapshot(engine, Path(tmp))
            sums: dict[str, dict[str, Any]] = {}
            with _writer(partial) as tar:
                for arcname, path in snap.members:
                    _add(tar, arcname, path.read_bytes(), sums)
                n_files = n_bytes = 0
                for data_rel, data in _kept_files(settings.data_dir):
                    _add(tar, f"{FILES_DIR}/{data_rel}", data, sums)
                    n_files += 1
                    n_bytes += len(data)
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "loadwatch_version": __version__,
                    "created_at": utcnow().isoformat(),
                    "schema_revision": snap.revision,
                    "database": snap.database,
                    "rows": snap.rows,
                    "settings": _shared_settings(settings),
                    "files": sums,
                }
                body = json.dumps(manifest, indent=1, sort_keys=True).encode()
                _add(tar, MANIFEST, body, None)
        partial.replace(dest)
    except OSError as e:
        raise StoreError(f"cannot write the backup {dest}: {e}") from e
    finally:
        partial.unlink(missing_ok=True)
        engine.dispose()
    return BackupReport(
        dest,
        dest.stat().st_size,
        time.perf_counter() - started,
        engine.dialect.name,
        snap.revision,
        snap.rows,
        n_files,
        n_bytes,
    )


@dataclass(frozen=True)
class _Snapshot:
    revision: str
    database: dict[str, Any]
    rows: dict[str, int]
    members: list[tuple[str, Path]]  # archive name, staged file


def _snapshot(engine: Engine, tmp: Path) -> _Snapshot:
    """The database, as one consistent state, staged under ``tmp``."""
    if engine.dialect.name == "sqlite":
        copy = tmp / "loadwatch.db"
        dump.sqlite_snapshot(engine, copy)
        reader = dump.sqlite_file_engine(copy)
        try:
            with reader.connect() as conn:
                revision = _known_revision(conn)
                rows = dump.count_rows(conn)
        finally:
            reader.dispose()
        database: dict[str, Any] = {"kind": "sqlite", "dialect": "sqlite", "path": DB_FILE}
        return _Snapshot(revision, database, rows, [(DB_FILE, copy)])
    # Other databases (PostgreSQL): every table read in one snapshot transaction, as JSON
    # lines (the dump itself is dialect-neutral).
    members: list[tuple[str, Path]] = []
    listed: list[dict[str, Any]] = []
    rows = {}
    with _reading(engine) as conn:
        revision = _known_revision(conn)
        for i, table in enumerate(dump.tables(conn)):
            name = f"{TABLES_DIR}/{i:03d}-{table.name}.jsonl"
            path = tmp / f"{i:03d}-{table.name}.jsonl"
            n = 0
            with path.open("w", encoding="utf-8") as f:
                for row in dump.rows(conn, table):
                    f.write(json.dumps(dump.encode(table, row), sort_keys=True) + "\n")
                    n += 1
            rows[table.name] = n
            listed.append({"table": table.name, "path": name})
            members.append((name, path))
    database = {"kind": "tables", "dialect": engine.dialect.name, "tables": listed}
    return _Snapshot(revision, database, rows, members)


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
        raise NotFound(
            "the database holds no loadwatch store (no schema revision): nothing to back up"
        )
    check_known(revision)
    return revision


def _kept_files(data_dir: Path) -> Iterator[tuple[str, bytes]]:
    """(path under the data dir, bytes) of every kept file, in a stable order."""
    for sub in KEPT:
        root = data_dir / sub
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            # .tmp-* are writes in progress (blobs._atomic_write); their final name comes later.
            if path.name.startswith(".tmp-") or not path.is_file():
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # replaced between listing and reading: nothing names it
                continue
            yield path.relative_to(data_dir).as_posix(), data


def _shared_settings(settings: Settings) -> dict[str, Any]:
    """The settings that shape what the store holds (limits, thresholds, time zone...), with
    no place names or credentials (a database URL may carry a password)."""
    return settings.model_dump(mode="json", exclude=set(_LOCAL_SETTINGS))


def _writer(path: Path) -> tarfile.TarFile:
    # Level 6: the streams are zstd already; the database and FIT bytes shrink well.
    return tarfile.open(path, "w:gz", compresslevel=6)


def _reader(path: Path) -> tarfile.TarFile:
    return tarfile.open(path, "r:gz")


def _add(
    tar: tarfile.TarFile, name: str, data: bytes, sums: dict[str, dict[str, Any]] | None
) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))
    if sums is not None:
        sums[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


# --- restore -------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest (``InvalidRequest`` when it is not a loadwatch backup)."""
    try:
        with _reader(archive) as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise InvalidRequest(f"{archive}: {MANIFEST} is not a file")
            manifest = json.loads(member.read())
    except KeyError as e:
        raise InvalidRequest(f"{archive} is not a loadwatch backup: no {MANIFEST}") from e
    except FileNotFoundError as e:
        raise NotFound(f"{archive} does not exist") from e
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as e:
        raise InvalidRequest(f"{archive} is not a readable loadwatch backup: {e}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InvalidRequest(f"{archive} is not a loadwatch backup")
    missing = [k for k in ("schema_revision", "database", "rows", "files") if k not in manifest]
    if missing:
        raise InvalidRequest(f"{archive}: the manifest lacks {', '.join(missing)}")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise InvalidRequest(
            f"{archive} is backup format {manifest.get('format_version')}; "
            f"loadwatch {__version__} reads format {FORMAT_VERSION}"
        )
    return manifest


def restore(settings: Settings, archive: Path, *, force: bool = False) -> RestoreReport:
    """Rebuild the configured store from ``archive``: into an empty place, or (``force``)
    into one emptied first; upgraded to this code's newest schema."""
    started = time.perf_counter()
    manifest = read_manifest(archive)
    revision = str(manifest["schema_revision"])
    try:
        check_known(revision)
    except SchemaTooNew as e:
        raise SchemaTooNew(
            f"{archive} was written by loadwatch {manifest.get('loadwatch_version')} at schema "
            f"revision {revision}, newer than loadwatch {__version__} knows: {e}"
        ) from e
    data_dir = settings.data_dir
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=data_dir.parent, prefix=".loadwatch-restore-"))
    try:
        _unpack(archive, manifest, staging)
        with translated():
            engine = make_engine(settings.db_url)
            try:
                _make_room(engine, data_dir, force=force)
                try:
                    migrate(engine, to=revision)
                    with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
                        try:
                            rows = _load(conn, manifest, staging)
                        except (KeyError, TypeError, ValueError) as e:
                            raise InvalidRequest(f"{archive}: malformed data: {e!r}") from e
                    migrate(engine)
                except BaseException:
                    # The place is left empty, as found, so the restore can simply run again.
                    with engine.begin() as conn:
                        dump.drop_everything(conn)
                    raise
            finally:
                engine.dispose()
        files = 0
        for sub in KEPT:
            src = staging / FILES_DIR / sub
            if src.is_dir():
                data_dir.mkdir(parents=True, exist_ok=True)
                # A move, not a rename: the data dir may be another file system (a volume).
                shutil.move(src, data_dir / sub)
                files += sum(1 for p in (data_dir / sub).rglob("*") if p.is_file())
    except OSError as e:
        raise StoreError(f"cannot restore into {data_dir}: {e}") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(
        archive_version=str(manifest.get("loadwatch_version")),
        archive_revision=revision,
        revision=head_revision(),
        rows=rows,
        files=files,
        seconds=time.perf_counter() - started,
        settings_changed=_settings_changed(manifest.get("settings") or {}, settings),
    )


def _unpack(archive: Path, manifest: dict[str, Any], staging: Path) -> None:
    """Every member extracted under ``staging`` and checked against the manifest: nothing
    missing, nothing extra, every size and SHA-256 as written."""
    try:
        with _reader(archive) as tar:
            # The "data" filter refuses absolute names, links, devices and paths leaving
            # ``staging``: an archive is input, whoever wrote it.
            tar.extractall(staging, filter="data")
    except (tarfile.TarError, EOFError, zlib.error) as e:
        raise InvalidRequest(f"{archive} is damaged: {e}") from e
    listed: dict[str, dict[str, Any]] = manifest.get("files") or {}
    present = {p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file()} - {
        MANIFEST
    }
    if missing := sorted(set(listed) - present):
        raise InvalidRequest(f"{archive} is damaged: {len(missing)} files missing ({missing[0]})")
    if extra := sorted(present - set(listed)):
        raise InvalidRequest(f"{archive} is damaged: {len(extra)} unlisted files ({extra[0]})")
    for name, want in listed.items():
        data = (staging / name).read_bytes()
        if len(data) != want.get("size") or hashlib.sha256(data).hexdigest() != want.get("sha256"):
            raise InvalidRequest(f"{archive} is damaged: {name} does not match its checksum")


def _make_room(engine: Engine, data_dir: Path | None, *, force: bool) -> None:
    """An empty database (and data dir, when given) behind ``engine``: as found, or emptied
    when ``force``; else ``Conflict``."""
    with engine.connect() as conn:
        empty_db = dump.is_empty(conn)
    kept = [data_dir / sub for sub in KEPT if (data_dir / sub).exists()] if data_dir else []
    has_files = any(p.is_file() for d in kept for p in d.rglob("*"))
    if empty_db and not has_files:
        for d in kept:
            shutil.rmtree(d)  # empty folders, out of the way of the archive's
        return
    if not force:
        what = "the database has tables" if not empty_db else f"{data_dir} holds kept files"
        raise Conflict(
            f"the target is not empty ({what}): use an empty place, "
            "or pass --force to replace what is there"
        )
    with engine.begin() as conn:
        dump.drop_everything(conn)
    for d in kept:
        shutil.rmtree(d)


def _load(conn: Connection, manifest: dict[str, Any], staging: Path) -> dict[str, int]:
    """The archive's rows into the (empty, same-revision) database behind ``conn``."""
    targets = {t.name: t for t in dump.tables(conn)}
    database = manifest["database"]
    counts: dict[str, int] = {}
    if database["kind"] == "sqlite":
        reader = dump.sqlite_file_engine(staging / database["path"])
        try:
            with reader.connect() as src:
                counts = _copy(src, conn, targets)
        finally:
            reader.dispose()
    elif database["kind"] == "tables":
        for entry in database["tables"]:
            target = _target(targets, entry["table"])
            with (staging / entry["path"]).open(encoding="utf-8") as f:
                rows = (dump.decode(target, json.loads(line)) for line in f)
                counts[target.name] = dump.insert(conn, target, rows)
    else:
        raise InvalidRequest(f"unknown database kind in the archive: {database['kind']!r}")
    expected = {k: int(v) for k, v in (manifest.get("rows") or {}).items()}
    if counts != expected:
        raise InvalidRequest(f"the archive's row counts {expected} do not match its data {counts}")
    dump.reset_sequences(conn, targets.values())
    return counts


def _copy(src: Connection, dst: Connection, targets: dict[str, Table]) -> dict[str, int]:
    """Every table of ``src`` into the same-revision tables ``targets`` of ``dst``."""
    return {
        table.name: dump.insert(dst, _target(targets, table.name), dump.rows(src, table))
        for table in dump.tables(src)
    }


def _target(targets: dict[str, Table], name: str) -> Table:
    if name not in targets:
        raise StoreError(f"the archive has a table {name} its schema revision does not create")
    return targets[name]


def _settings_changed(then: dict[str, Any], settings: Settings) -> dict[str, tuple[Any, Any]]:
    now = _shared_settings(settings)
    return {
        k: (then.get(k), now.get(k))
        for k in sorted(set(then) | set(now))
        if then.get(k) != now.get(k)
    }


# --- move to another database --------------------------------------------------------------


@dataclass(frozen=True)
class MoveReport:
    revision: str
    rows: dict[str, int]
    seconds: float


def move_database(settings: Settings, to_url: str, *, force: bool = False) -> MoveReport:
    """Copy the configured store's database into the (empty) database at ``to_url``, e.g.
    SQLite to PostgreSQL, and bring it to the newest schema.  The kept files stay in the data
    dir; the source is not changed.  Stop ``serve`` and ``scheduler`` first: writes made
    during the copy stay behind in the source."""
    started = time.perf_counter()
    source = make_engine(settings.db_url)
    target = make_engine(to_url)
    try:
        return _move(source, target, force=force, started=started)
    finally:
        source.dispose()
        target.dispose()


def _move(source: Engine, target: Engine, *, force: bool, started: float) -> MoveReport:
    with translated():
        if source.url == target.url:
            raise InvalidRequest("--to names the store's own database")
        with _reading(source) as src:
            revision = _known_revision(src)
            _make_room(target, None, force=force)
            migrate(target, to=revision)
            with target.execution_options(**{WRITE_OPTION: True}).begin() as dst:
                targets = {t.name: t for t in dump.tables(dst)}
                rows = _copy(src, dst, targets)
                dump.reset_sequences(dst, targets.values())
        migrate(target)
    return MoveReport(revision, rows, time.perf_counter() - started)
