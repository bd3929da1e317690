"""Shared fixtures: the corpus (skipped when absent), a fresh store, PostgreSQL when configured."""

from __future__ import annotations

import csv
import fcntl
import os
import pickle
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pytest

if TYPE_CHECKING:
    from demo_world import DemoWorld
    from loadwatch.store.db import Store

T = TypeVar("T")

# No test may write into the real user data dir (the default data dir, platformdirs) or the
# user cache dir (the demo's default): the platform's data and cache homes are throwaway ones
# for the whole run, inherited by subprocesses.
# Tests name their own LOADWATCH_DATA_DIR (the ``data_dir`` fixture); this catches the rest.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="loadwatch-test-data-home-")
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="loadwatch-test-cache-home-")  # demo
REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))
HAVE_CORPUS = (CORPUS / "MANIFEST.csv").is_file()
CORPUS_SKIP = (
    f"corpus not found at {CORPUS} (set LOADWATCH_CORPUS or put ../shared beside the repo)"
)


def corpus_manifest() -> list[dict[str, str]]:
    """Rows of MANIFEST.csv; [] when the corpus is absent (parametrised tests then skip)."""
    if not HAVE_CORPUS:
        return []
    with (CORPUS / "MANIFEST.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def fit_totals() -> dict[str, dict[str, str]]:
    if not HAVE_CORPUS:
        return {}
    with (CORPUS / "FIT_TOTALS.csv").open(newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not HAVE_CORPUS:
        pytest.skip(CORPUS_SKIP)
    return CORPUS


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated embedded store: LOADWATCH_DATA_DIR points at a fresh temp dir."""
    d = tmp_path / "data"
    monkeypatch.setenv("LOADWATCH_DATA_DIR", str(d))
    monkeypatch.delenv("LOADWATCH_DATABASE_URL", raising=False)
    from loadwatch.config import get_settings

    get_settings.cache_clear()
    yield d
    get_settings.cache_clear()


@contextmanager
def _pg_schema() -> Iterator[str]:
    """A PostgreSQL URL whose default schema is a fresh schema, dropped afterwards."""
    base = os.environ.get("LOADWATCH_TEST_DATABASE_URL")
    if not base:
        pytest.skip("LOADWATCH_TEST_DATABASE_URL not set (PostgreSQL tests)")
    import sqlalchemy as sa

    from loadwatch.store.db import _normalise

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_normalise(base))
    with admin.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL with a fresh schema per test."""
    with _pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def pg_url_module() -> Iterator[str]:
    """``pg_url`` shared by a module's tests (for expensive module-scoped worlds)."""
    with _pg_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend (PostgreSQL skips when not configured)."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_url")
        return url
    return f"sqlite:///{tmp_path / 'lw.db'}"


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store over ``db_url``; a module that only needs SQLite overrides it."""
    from loadwatch.store.db import Store

    s = Store(db_url, tmp_path / "data")
    yield s
    s.close()


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]
) -> T:
    """``build(dir)`` run once per test run, whatever the number of xdist workers: the first
    worker to ask builds under a directory all workers share (the run's base temp dir) while
    the others wait on a lock, then every worker gets the same (pickled) result.  For
    expensive read-only worlds that tests *copy* before they change anything.  (xdist_group
    would keep such tests on one worker, but it does not work with pytest 9's node ids.)"""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run (pytest-xdist's own recipe)
    done = root / f"{name}.pickle"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            target = root / name
            shutil.rmtree(target, ignore_errors=True)
            done.write_bytes(pickle.dumps(build(target)))
    result: T = pickle.loads(done.read_bytes())
    return result


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    """The demo world (``demo_world.build``), built once per run.  Read-only: a module takes
    its own ``demo_world.copy_of`` it."""
    from demo_world import build, have_sample_data

    if not have_sample_data():
        pytest.skip("sample_data/ not generated")
    return built_once(tmp_path_factory, "demo-template", lambda d: build(d / "demo"))
