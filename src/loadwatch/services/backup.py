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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadwatch import __version__
from loadwatch.clock import utcnow
from loadwatch.errors import Conflict, InvalidRequest, NotFound, SchemaTooNew, StoreError
from loadwatch.store import dump
from loadwatch.store.db import check_known, head_revision

if TYPE_CHECKING:
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
    try:
        with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".loadwatch-backup-") as tmp:
            # The database first, then the files: see the module's docstring for why that
            # order makes the archive consistent.
            db = dump.copy_out(settings.db_url, Path(tmp))
            database, members = _database_entry(db)
            sums: dict[str, dict[str, Any]] = {}
            with _writer(partial) as tar:
                for arcname, path in members:
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
                    "schema_revision": db.revision,
                    "database": database,
                    "rows": db.rows,
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
    return BackupReport(
        dest,
        dest.stat().st_size,
        time.perf_counter() - started,
        db.dialect,
        db.revision,
        db.rows,
        n_files,
        n_bytes,
    )


def _database_entry(db: dump.DatabaseCopy) -> tuple[dict[str, Any], list[tuple[str, Path]]]:
    """The manifest's ``database`` entry and the (archive name, file) members it names."""
    if db.sqlite_file is not None:
        entry = {"kind": "sqlite", "dialect": db.dialect, "path": DB_FILE}
        return entry, [(DB_FILE, db.sqlite_file)]
    members = [(f"{TABLES_DIR}/{path.name}", path) for _table, path in db.table_files]
    listed = [
        {"table": table, "path": name}
        for (table, _path), (name, _p) in zip(db.table_files, members, strict=True)
    ]
    return {"kind": "tables", "dialect": db.dialect, "tables": listed}, members


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
        _make_room(settings, force=force)
        rows = dump.copy_in(settings.db_url, _database_copy(archive, manifest, staging))
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


def _make_room(settings: Settings, *, force: bool) -> None:
    """An empty database and data dir: as found, or emptied when ``force``; else
    ``Conflict``."""
    data_dir = settings.data_dir
    empty_db = dump.database_is_empty(settings.db_url)
    kept = [data_dir / sub for sub in KEPT if (data_dir / sub).exists()]
    has_files = any(p.is_file() for d in kept for p in d.rglob("*"))
    if not (empty_db and not has_files):
        if not force:
            what = "the database has tables" if not empty_db else f"{data_dir} holds kept files"
            raise Conflict(
                f"the target is not empty ({what}): use an empty place, "
                "or pass --force to replace what is there"
            )
        dump.empty_database(settings.db_url)
    for d in kept:
        shutil.rmtree(d)  # (empty) folders out of the way of the archive's


def _database_copy(archive: Path, manifest: dict[str, Any], staging: Path) -> dump.DatabaseCopy:
    """The archive's database, as ``dump.copy_in`` reads it."""
    try:
        database = manifest["database"]
        rows = {str(k): int(v) for k, v in manifest["rows"].items()}
        revision = str(manifest["schema_revision"])
        if database["kind"] == "sqlite":
            return dump.DatabaseCopy(
                database["dialect"], revision, rows, staging / database["path"], []
            )
        if database["kind"] == "tables":
            files = [(t["table"], staging / t["path"]) for t in database["tables"]]
            return dump.DatabaseCopy(database["dialect"], revision, rows, None, files)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InvalidRequest(f"{archive}: malformed manifest: {e!r}") from e
    raise InvalidRequest(f"{archive}: unknown database kind {database['kind']!r}")


def _settings_changed(then: dict[str, Any], settings: Settings) -> dict[str, tuple[Any, Any]]:
    """The settings the archive's manifest names with another value here.  One it does not
    name did not exist in that version: not a change (trial11 F10: "was None")."""
    now = _shared_settings(settings)
    return {k: (then[k], now.get(k)) for k in sorted(then) if then[k] != now.get(k)}


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
    revision, rows = dump.move(settings.db_url, to_url, force=force)
    return MoveReport(revision, rows, time.perf_counter() - started)
