"""``loadwatch backup`` / ``restore``: an archive restored into an empty place gives the same
store (series, flags, episodes, every row, every kept file), on SQLite and PostgreSQL and across
them; a backup taken while another thread imports is consistent; damaged, newer or misplaced
restores are refused in one line."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from loadwatch import __version__
from loadwatch.cli import app
from loadwatch.config import Settings
from loadwatch.errors import Conflict, InvalidRequest, SchemaTooNew
from loadwatch.services.backup import (
    KEPT,
    MANIFEST,
    backup,
    move_database,
    read_manifest,
    restore,
)
from loadwatch.services.episode_list import episodes_of
from loadwatch.services.flag_list import list_flags
from loadwatch.services.importing import import_paths
from loadwatch.services.views import series
from loadwatch.store import athletes as athlete_store
from loadwatch.store import dump
from loadwatch.store.db import Store, head_revision
from loadwatch.store.models import Activity, Flag, RehabPlan, SourceFile
from support.databases import pg_schema
from support.demo_world import DemoWorld, copy_of
from support.paths import REPO
from support.store_0_1_0 import BASELINE, BASELINE_ROWS, baseline_store

SAMPLE = REPO / "sample_data"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, demo_template: DemoWorld) -> DemoWorld:
    return copy_of(demo_template, tmp_path_factory.mktemp("backup") / "world")


def settings_at(data_dir: Path, url: str | None = None) -> Settings:
    return Settings(data_dir=data_dir, database_url=url, scheduler=False, import_workers=1)


def picture(settings: Settings, world: DemoWorld) -> dict[str, str]:
    """What a user sees of the store, and everything it holds: every athlete's daily and
    weekly series, flags and episodes; every table's rows; every kept file's checksum.  As
    JSON text, so NaN equals NaN."""
    store = Store(settings.db_url, settings.data_dir, run_migrations=False)
    out: dict[str, Any] = {}
    try:
        with store.sessions() as s:
            for aid in (world.sara, world.sam, world.old, world.rosa):
                athlete = athlete_store.get_athlete(s, aid)
                out[f"{aid}/days"] = series(s, aid, "day", today=world.today).to_dicts()
                out[f"{aid}/weeks"] = series(s, aid, "week", today=world.today).to_dicts()
                out[f"{aid}/flags"] = [
                    f.model_dump(mode="json") for f in list_flags(s, aid, statuses=None)
                ]
                out[f"{aid}/episodes"] = [
                    e.model_dump(mode="json") for e in episodes_of(s, athlete)
                ]
        with store.engine.connect() as conn:
            for table in dump.tables(conn):
                out[f"table/{table.name}"] = [dump.encode(table, r) for r in dump.rows(conn, table)]
    finally:
        store.close()
    out["files"] = {
        p.relative_to(settings.data_dir).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for sub in KEPT
        for p in sorted((settings.data_dir / sub).rglob("*"))
        if p.is_file()
    }
    return {k: json.dumps(v, sort_keys=True, default=str) for k, v in out.items()}


def assert_same(got: dict[str, str], want: dict[str, str]) -> None:
    assert sorted(got) == sorted(want)
    differ = [k for k in want if got[k] != want[k]]
    assert not differ, differ
    # Not vacuous: the demo holds flags, episodes and files.
    assert json.loads(want["table/flags"]) and json.loads(want["table/episodes"])
    assert len(json.loads(want["files"])) > 100


@pytest.fixture(scope="module")
def archive(world: DemoWorld, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "demo.tar.gz"
    rep = backup(settings_at(world.data_dir), path)
    assert rep.dialect == "sqlite" and rep.revision == head_revision()
    assert rep.rows["activities"] > 100 and rep.files > 100
    return path


@pytest.fixture(scope="module")
def before(world: DemoWorld) -> dict[str, str]:
    return picture(settings_at(world.data_dir), world)


def test_sqlite_backup_restores_identical(
    world: DemoWorld, archive: Path, before: dict[str, str], tmp_path: Path
) -> None:
    target = settings_at(tmp_path / "restored")
    rep = restore(target, archive)
    assert rep.revision == head_revision() and sum(rep.rows.values()) > 400
    assert_same(picture(target, world), before)
    manifest = read_manifest(archive)
    assert manifest["loadwatch_version"] == __version__ == "0.2.0.dev0"
    assert "database_url" not in manifest["settings"]


def test_postgresql_backup_restores_identical_and_across_databases(
    world: DemoWorld, archive: Path, before: dict[str, str], pg_url: str, tmp_path: Path
) -> None:
    # SQLite → PostgreSQL (the documented way to move a store)
    pg = settings_at(tmp_path / "pg", pg_url)
    restore(pg, archive)
    assert_same(picture(pg, world), before)
    # PostgreSQL → PostgreSQL (a logical dump) and PostgreSQL → SQLite
    pg_archive = tmp_path / "pg.tar.gz"
    rep = backup(pg, pg_archive)
    assert rep.dialect == "postgresql"
    assert read_manifest(pg_archive)["database"]["kind"] == "tables"
    with pg_schema() as other_url:
        pg2 = settings_at(tmp_path / "pg2", other_url)
        restore(pg2, pg_archive)
        assert_same(picture(pg2, world), before)
        # The ids were restored as they were; new rows follow them.
        store = Store(other_url, pg2.data_dir)
        try:
            with store.transaction() as s:
                new = athlete_store.get_or_create_athlete(s, "Newcomer Nina", "UTC").id
            assert new == max(world.sara, world.sam, world.old, world.rosa) + 1
        finally:
            store.close()
    back = settings_at(tmp_path / "sqlite-again")
    restore(back, pg_archive)
    assert_same(picture(back, world), before)


def test_restore_refuses_a_store_unless_forced(
    world: DemoWorld, archive: Path, before: dict[str, str], tmp_path: Path
) -> None:
    target = settings_at(tmp_path / "t")
    restore(target, archive)
    with pytest.raises(Conflict, match=r"not empty.*--force"):
        restore(target, archive)
    # A data dir holding kept files is not empty either, whatever the database.
    files_only = settings_at(tmp_path / "f")
    (files_only.data_dir / "blobs" / "ab").mkdir(parents=True)
    (files_only.data_dir / "blobs" / "ab" / "abc").write_bytes(b"x")
    with pytest.raises(Conflict, match="holds kept files"):
        restore(files_only, archive)
    # --force: what was there goes, the archive comes back whole.
    store = Store(target.db_url, target.data_dir)
    with store.transaction() as s:
        athlete_store.get_or_create_athlete(s, "Someone Else", "UTC")
    store.close()
    restore(target, archive, force=True)
    assert_same(picture(target, world), before)


def _rewrite(src: Path, dest: Path, change: dict[str, bytes]) -> None:
    """``src`` with the members named in ``change`` given new bytes."""
    with tarfile.open(src, "r:gz") as tin, tarfile.open(dest, "w:gz") as tout:
        for member in tin.getmembers():
            f = tin.extractfile(member)
            assert f is not None
            data = change.get(member.name, f.read())
            member.size = len(data)
            tout.addfile(member, io.BytesIO(data))


def test_damaged_or_newer_archives_are_refused(archive: Path, tmp_path: Path) -> None:
    manifest = read_manifest(archive)
    blob = next(n for n in manifest["files"] if n.startswith("files/blobs/"))
    with tarfile.open(archive, "r:gz") as tar:
        f = tar.extractfile(blob)
        assert f is not None
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0x01
    flipped = tmp_path / "flipped.tar.gz"
    _rewrite(archive, flipped, {blob: bytes(data)})
    target = settings_at(tmp_path / "t")
    with pytest.raises(InvalidRequest, match=f"damaged: {blob} does not match its checksum"):
        restore(target, flipped)
    assert not (target.data_dir / "blobs").exists()

    future = tmp_path / "future.tar.gz"
    newer = dict(manifest, schema_revision="9999_future", loadwatch_version="9.0.0")
    _rewrite(archive, future, {MANIFEST: json.dumps(newer).encode()})
    with pytest.raises(SchemaTooNew, match=r"loadwatch 9\.0\.0 at schema revision 9999_future"):
        restore(target, future)

    # A load that fails half-way leaves the place empty: the next restore needs no --force.
    miscounted = tmp_path / "miscounted.tar.gz"
    wrong = dict(manifest, rows=dict(manifest["rows"], flags=manifest["rows"]["flags"] + 1))
    _rewrite(archive, miscounted, {MANIFEST: json.dumps(wrong).encode()})
    with pytest.raises(InvalidRequest, match="row counts"):
        restore(target, miscounted)
    assert restore(target, archive).rows == manifest["rows"]

    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(InvalidRequest):
        restore(target, cut)
    not_ours = tmp_path / "x.tar.gz"
    not_ours.write_bytes(b"not an archive")
    with pytest.raises(InvalidRequest, match="not a readable loadwatch backup"):
        restore(target, not_ours)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from loadwatch.config import get_settings

    monkeypatch.delenv("LOADWATCH_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_backup_and_restore(
    world: DemoWorld,
    before: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli_env: None,
) -> None:
    from loadwatch.config import get_settings

    runner = CliRunner()
    out = tmp_path / "cli.tar.gz"
    monkeypatch.setenv("LOADWATCH_DATA_DIR", str(world.data_dir))
    done = runner.invoke(app, ["backup", str(out)])
    assert done.exit_code == 0, done.output
    assert f"{out}: " in done.stdout and "sqlite schema" in done.stdout
    again = runner.invoke(app, ["backup", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output

    get_settings.cache_clear()
    monkeypatch.setenv("LOADWATCH_DATA_DIR", str(tmp_path / "restored"))
    done = runner.invoke(app, ["restore", str(out)])
    assert done.exit_code == 0, done.output
    assert "restored" in done.stdout and f"from loadwatch {__version__} (" in done.stdout
    assert_same(picture(settings_at(tmp_path / "restored"), world), before)
    get_settings.cache_clear()
    monkeypatch.setenv("LOADWATCH_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    unreachable = runner.invoke(app, ["backup", str(tmp_path / "never.tar.gz")])
    assert unreachable.exit_code == 1 and unreachable.output.startswith("error: database error")
    assert unreachable.output.count("\n") == 1, unreachable.output
    monkeypatch.delenv("LOADWATCH_DATABASE_URL")
    get_settings.cache_clear()
    refused = runner.invoke(app, ["restore", str(out)])
    assert refused.exit_code == 1
    assert refused.output.count("\n") == 1 and "error: the target is not empty" in (refused.output)


def test_backup_while_importing_is_consistent(db_url: str, tmp_path: Path) -> None:
    """A writer imports file after file (raw bytes, streams, rows) while the backup runs; the
    archive restores to a store where every row the snapshot holds has its files."""
    files = sorted(SAMPLE.glob("*/*.fit"))
    if not files:
        pytest.skip("sample_data/ not generated")
    live = settings_at(tmp_path / "live", db_url)
    store = Store(db_url, live.data_dir)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Writer Wanda", "UTC").id
    done: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()
    started = threading.Event()

    def write() -> None:
        try:
            for i, path in enumerate(files):
                if stop.is_set():
                    return
                import_paths(store, live, aid, [path])
                with store.transaction() as s:
                    athlete_store.get_or_create_athlete(s, f"Runner {i}", "UTC")
                done.append(i)
                if len(done) == 5:
                    started.set()
        except BaseException as e:  # surfaced in the test thread below
            failures.append(e)
            started.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert started.wait(300)
        at_start = len(done)
        rep = backup(live, tmp_path / "live.tar.gz")
        still_writing = writer.is_alive()
        at_end = len(done)
    finally:
        stop.set()
        writer.join()
        store.close()
    assert not failures, failures
    assert still_writing, "the writer finished before the backup did: nothing was tested"
    # The snapshot is one moment between the backup's start and end.
    assert 0 < rep.rows["activities"] <= at_end + 1
    assert at_start + 1 <= rep.rows["athletes"] <= at_end + 2

    restored = settings_at(tmp_path / "restored")
    restore(restored, tmp_path / "live.tar.gz")
    check = Store(restored.db_url, restored.data_dir)
    try:
        with check.sessions() as s:
            acts = s.scalars(sa.select(Activity)).all()
            kept = {f.id: f.sha256 for f in s.scalars(sa.select(SourceFile))}
        assert len(acts) == rep.rows["activities"]
        for a in acts:
            assert a.stream_path and (restored.data_dir / "streams" / a.stream_path).is_file()
            assert a.file_id is not None
            assert check.blobs.path(kept[a.file_id]).is_file()
            assert check.streams.get(a.stream_path).height > 0
    finally:
        check.close()


def test_migrate_to_postgresql_moves_the_database(
    world: DemoWorld, before: dict[str, str], pg_url: str, tmp_path: Path
) -> None:
    """``loadwatch migrate --to URL``: the SQLite store's rows in PostgreSQL, the kept files
    where they were; a second run is refused, the source untouched."""
    rep = move_database(settings_at(world.data_dir), pg_url)
    assert rep.revision == head_revision() and sum(rep.rows.values()) > 400
    assert_same(picture(settings_at(world.data_dir, pg_url), world), before)
    with pytest.raises(Conflict, match="the database has tables"):
        move_database(settings_at(world.data_dir), pg_url)
    assert_same(picture(settings_at(world.data_dir), world), before)


def test_cli_migrate_to_another_sqlite_file(
    world: DemoWorld,
    before: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli_env: None,
) -> None:
    url = f"sqlite:///{tmp_path / 'moved.db'}"
    monkeypatch.setenv("LOADWATCH_DATA_DIR", str(world.data_dir))
    done = CliRunner().invoke(app, ["migrate", "--to", url])
    assert done.exit_code == 0, done.output
    assert "now set LOADWATCH_DATABASE_URL" in done.stdout
    assert_same(picture(settings_at(world.data_dir, url), world), before)


def test_an_archive_of_a_0_1_0_store_restores_upgraded(db_url: str, tmp_path: Path) -> None:
    """A backup made at the 0.1.0 schema (revision 0001) restores at this code's newest
    revision with its rows (once revisions follow 0001, this is the upgrade path of a
    restore)."""
    baseline_store(db_url)
    old = settings_at(tmp_path / "old", db_url)
    rep = backup(old, tmp_path / "old.tar.gz")
    assert rep.revision == BASELINE == read_manifest(tmp_path / "old.tar.gz")["schema_revision"]
    assert rep.rows["flags"] == len(BASELINE_ROWS["flags"])
    new = settings_at(tmp_path / "new")
    done = restore(new, tmp_path / "old.tar.gz")
    assert (done.archive_revision, done.revision) == (BASELINE, head_revision())
    store = Store(new.db_url, new.data_dir)
    try:
        with store.sessions() as s:
            for table, model in (("activities", Activity), ("flags", Flag), ("plans", RehabPlan)):
                got = s.scalars(sa.select(model).order_by(model.id)).all()
                assert [r.id for r in got] == [r["id"] for r in BASELINE_ROWS[table]]
            flag = s.get(Flag, 1)
            assert flag is not None and (flag.rule, flag.ratio) == ("session_spike", 1.6)
    finally:
        store.close()
