"""Upgrades in place: a store written by loadwatch 0.1.0 (schema revision 0001, with data)
opens under this code with every row intact; a store newer than this code is refused, in one
line; the version is the package's everywhere it is shown."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient

from loadwatch.errors import SchemaTooNew
from loadwatch.services.episode_list import episodes_of
from loadwatch.services.flag_list import list_flags
from loadwatch.store import athletes as athlete_store
from loadwatch.store import job_queue
from loadwatch.store.db import Store, current_revision, head_revision, make_engine, migrate
from loadwatch.store.models import (
    Activity,
    Athlete,
    Base,
    Episode,
    Flag,
    RehabPlan,
    SourceFile,
    SymptomEntry,
    User,
)
from support.paths import REPO
from support.store_0_1_0 import BASELINE_ROWS, baseline_store

MODELS: dict[str, type[Any]] = {
    "athletes": Athlete,
    "users": User,
    "files": SourceFile,
    "activities": Activity,
    "episodes": Episode,
    "flags": Flag,
    "symptoms": SymptomEntry,
    "plans": RehabPlan,
}
FUTURE = "9999_from_the_future"


def same(got: object, want: object) -> bool:
    if isinstance(want, datetime) and isinstance(got, datetime):
        # SQLite gives UTC back naive; PostgreSQL aware.
        return (got if got.tzinfo else got.replace(tzinfo=UTC)) == want
    return got == want


@pytest.fixture
def upgraded(db_url: str, tmp_path: Path) -> Iterator[Store]:
    baseline_store(db_url)
    store = Store(db_url, tmp_path / "data")  # opening migrates to head
    yield store
    store.close()


def test_a_0_1_0_store_with_data_upgrades_to_head_with_every_row(upgraded: Store) -> None:
    with upgraded.engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    with upgraded.sessions() as s:
        for table, model in MODELS.items():
            got = {row.id: row for row in s.scalars(sa.select(model))}
            want = BASELINE_ROWS[table]
            assert sorted(got) == [r["id"] for r in want], table
            for row in want:
                for column, value in row.items():
                    stored = getattr(got[row["id"]], column)
                    assert same(stored, value), (table, row["id"], column, stored, value)
        # And the services read them as the app does: both flags, in their episode.
        flags = list_flags(s, 1, statuses=None)
        assert [(f.id, f.rule, f.status) for f in flags] == [
            (2, "weekly_ramp", "open"),
            (1, "session_spike", "acknowledged"),
        ]
        (episode,) = episodes_of(s, athlete_store.get_athlete(s, 1))
        assert sorted(f.id for f in episode.flags) == [1, 2]
    # New rows after the upgrade take the next ids (PostgreSQL's sequences carried over).
    with upgraded.transaction() as s:
        assert athlete_store.get_or_create_athlete(s, "Cleo", "UTC").id == 3


def test_the_baseline_revision_is_frozen() -> None:
    """0001 is 0.1.0's schema: later changes are revisions on top of it, never edits of it."""
    versions = REPO / "src/loadwatch/store/migrations/versions"
    baseline = versions / "0001_initial_schema.py"
    text = baseline.read_text()
    assert 'revision = "0001"' in text and "down_revision = None" in text
    assert not (REPO / "scripts/regen_migration.sh").exists()


def _from_the_future(url: str) -> None:
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    finally:
        engine.dispose()


def test_a_store_newer_than_the_code_is_refused_untouched(db_url: str, tmp_path: Path) -> None:
    _from_the_future(db_url)
    with pytest.raises(SchemaTooNew, match=f"schema revision {FUTURE}.*newer loadwatch"):
        Store(db_url, tmp_path / "data")
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == FUTURE
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["scheduler"], ["athletes"]])
def test_commands_refuse_a_newer_store_in_one_line(command: list[str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    _from_the_future(f"sqlite:///{data / 'loadwatch.db'}")
    env = {"LOADWATCH_DATA_DIR": str(data), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "loadwatch", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    error = [line for line in lines if "error" in line]
    assert len(error) == 1 and FUTURE in error[0] and "Traceback" not in done.stderr, lines


def test_version_everywhere(data_dir: Path) -> None:
    from loadwatch import __version__
    from loadwatch.api.app import create_app
    from loadwatch.store.db import open_store

    # Between releases the version is the next one's development build (0.1.0 is released,
    # schema 0001): a build with newer schema revisions never calls itself 0.1.0.
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert __version__ == version("loadwatch") == declared == "0.2.0.dev0"
    done = subprocess.run(
        [sys.executable, "-m", "loadwatch", "--version"], capture_output=True, text=True
    )
    said = f"loadwatch 0.2.0.dev0 (schema {head_revision()})\n"
    assert (done.returncode, done.stdout) == (0, said)
    store = open_store()
    try:
        client = TestClient(create_app(store))
        assert client.get("/api/v1/health").json()["version"] == "0.2.0.dev0"
        assert client.get("/api/v1/openapi.json").json()["info"]["version"] == "0.2.0.dev0"
    finally:
        store.close()


def test_the_models_match_the_newest_revision(db_url: str) -> None:
    """A model changed without a revision would be a schema no upgrade creates."""
    engine = make_engine(db_url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            # The job queue's tables (revision 0008, PostgreSQL) are procrastinate's, not models.
            context = MigrationContext.configure(
                conn,
                opts={
                    "include_name": lambda name, kind, _parent: (
                        not (kind == "table" and job_queue.is_queue_table(name or ""))
                    )
                },
            )
            diff = compare_metadata(context, Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_revision_0004_adds_checkin_links_and_rpe_to_an_old_store(upgraded: Store) -> None:
    """0.1.0's activities arrive with no RPE; personal links can be stored at once."""
    from loadwatch.store.models import CheckinLink

    with upgraded.engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("activities")}
        link_columns = {c["name"] for c in sa.inspect(conn).get_columns("checkin_links")}
    assert "rpe" in columns
    assert {"athlete_id", "token_hash", "revoked_at", "last_used_at"} <= link_columns
    with upgraded.sessions() as s:
        rpes = list(s.scalars(sa.select(Activity.rpe)))
    assert rpes and all(r is None for r in rpes)
    with upgraded.transaction() as s:
        s.add(CheckinLink(athlete_id=1, token_hash="a" * 64))
    with upgraded.sessions() as s:
        (link,) = s.scalars(sa.select(CheckinLink))
        assert (link.athlete_id, link.revoked_at) == (1, None)
