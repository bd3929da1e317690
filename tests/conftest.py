"""Shared fixtures: the corpus (skipped when absent), a fresh store, PostgreSQL when configured."""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from loadwatch.store.db import Store

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
