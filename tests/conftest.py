"""Shared fixtures: the corpus (skipped when absent), a fresh store, PostgreSQL when configured."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from support.api_env import env as env  # the API world, a fixture for every test folder
from support.browser import browser as browser  # one Chromium per test process
from support.browser import served_demo as served_demo
from support.browser import visit as visit
from support.databases import from_template, head_template, pg_database, pg_schema, pg_template
from support.hypothesis_pool import fixed_constant_pool
from support.paths import (
    AWKWARD_DAYS,
    CORPUS,
    CORPUS_SKIP,
    HAVE_CORPUS,
    built_once,
)

if TYPE_CHECKING:
    from loadwatch.store.db import Store
    from support.demo_world import DemoWorld

# No test may write into the real user data dir (the default data dir, platformdirs) or the
# user cache dir (the demo's default): the platform's data and cache homes are throwaway ones
# for the whole run, inherited by subprocesses.
# Tests name their own LOADWATCH_DATA_DIR (the ``data_dir`` fixture); this catches the rest.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="loadwatch-test-data-home-")
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="loadwatch-test-cache-home-")  # demo
# Work after a change runs before the answer in the suite (services/jobs.py, InlineJobs): most
# tests read right after they write.  The deferred queues are tested by name
# (tests/services/test_jobs.py, tests/api/test_upload_queue.py, tests/e2e/test_workers.py).
os.environ.setdefault("LOADWATCH_JOBS", "inline")

# Property tests: no per-example deadline (a loaded 2-core CI machine makes any deadline a
# coin toss; speed is the benchmarks' business), each test's own max_examples.
settings.register_profile("loadwatch", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "loadwatch"))
# And the same examples whatever the worker ran before (support/hypothesis_pool.py).
fixed_constant_pool()


def _starts_first(item: pytest.Item) -> int:
    """0 for tests that mostly wait on real processes (servers, workers, Chromium): started
    first, an xdist worker waits on them while the other keeps the CPU busy, and no worker
    is left with a half-minute test at the end of the run."""
    return 0 if item.get_closest_marker("e2e") else 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: each module's tests stay together and in pytest's fixture-friendly order.
    items.sort(key=_starts_first)


@pytest.fixture(scope="session", autouse=True)
def _pinned_clock() -> Iterator[None]:
    """``LOADWATCH_TEST_NOW=<ISO datetime>`` (or a name from ``AWKWARD_DAYS``) runs the whole
    suite as if it were then: the clock ticks on from that instant in every xdist worker, so
    any test that assumes "today" is not a Monday, a Sunday or a DST day shows itself."""
    when = os.environ.get("LOADWATCH_TEST_NOW")
    if not when:
        yield
        return
    import time_machine

    with time_machine.travel(datetime.fromisoformat(AWKWARD_DAYS.get(when, when)), tick=True):
        yield


@pytest.fixture(autouse=True)
def _settings_read_afresh() -> Iterator[None]:
    """The settings are read once per process (``config.get_settings``, an ``lru_cache``): a
    test that read them under its own environment must not hand them to the next test the
    worker runs (under ``--dist worksteal`` which test that is varies from run to run).
    Not imported here when no test imported it: some tests look at what a command imports."""
    yield
    import sys

    config = sys.modules.get("loadwatch.config")
    if config is not None:
        config.get_settings.cache_clear()


@pytest.fixture(params=sorted(AWKWARD_DAYS))
def awkward_day(request: pytest.FixtureRequest) -> Iterator[str]:
    """The test runs once on each awkward day (request it before fixtures that read the clock)."""
    import time_machine

    with time_machine.travel(datetime.fromisoformat(AWKWARD_DAYS[request.param]), tick=True):
        yield request.param


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


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL with a fresh schema per test."""
    with pg_schema() as url:
        yield url


@pytest.fixture(scope="module")
def pg_url_module() -> Iterator[str]:
    """``pg_url`` shared by a module's tests (for expensive module-scoped worlds)."""
    with pg_schema() as url:
        yield url


@pytest.fixture(scope="session")
def migrated_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL database at the newest schema revision, built once per test process:
    the name of the template that ``pg_migrated_url`` copies."""
    with pg_template(tmp_path_factory.mktemp("pg-template")) as name:
        yield name


@pytest.fixture
def pg_migrated_url(migrated_pg: str) -> Iterator[str]:
    """A PostgreSQL URL of a fresh database already at the newest revision."""
    with pg_database(template=migrated_pg) as url:
        yield url


# The fixtures that open a migrated store on ``db_url``: there, PostgreSQL starts from a copy
# of the migrated template (SQLite from a copy of its file: ``from_template``).
MIGRATED_STORES = {"store", "env"}


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend (PostgreSQL skips when not configured): empty, or at
    the newest revision when the test opens ``store`` or ``env`` on it anyway."""
    if request.param == "postgres":
        wanted = "pg_migrated_url" if MIGRATED_STORES & set(request.fixturenames) else "pg_url"
        url: str = request.getfixturevalue(wanted)
        return url
    return f"sqlite:///{tmp_path / 'lw.db'}"


@pytest.fixture(scope="session")
def migrated_sqlite() -> Path:
    """An SQLite store at the newest schema revision, built once per test process: the
    ``store`` and ``env`` fixtures start from a copy of it (``from_template``), as do the
    stores of ``support.databases.at_head`` (the same file)."""
    return head_template()


@pytest.fixture
def store(db_url: str, tmp_path: Path, migrated_sqlite: Path) -> Iterator[Store]:
    """A migrated store over ``db_url``; a module that only needs SQLite overrides it."""
    from loadwatch.store.db import Store

    from_template(db_url, migrated_sqlite)
    s = Store(db_url, tmp_path / "data")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    """The demo world (``demo_world.build``), built once per run.  Read-only: a module takes
    its own ``demo_world.copy_of`` it."""
    from support.demo_world import build, have_sample_data

    if not have_sample_data():
        pytest.skip("sample_data/ not generated")
    return built_once(tmp_path_factory, "demo-template", lambda d: build(d / "demo"))
