"""A fresh PostgreSQL schema per test (or module), dropped afterwards; a PostgreSQL database
cloned from a migrated template (``CREATE DATABASE ... TEMPLATE``) for a test that wants a
migrated store; SQLite stores copied from one migrated file per test process."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Every test connection commits without waiting for the WAL to reach the disk: a commit costs
# ~0.1-0.4 ms instead of ~2 ms (an fdatasync) on the test server, and the PostgreSQL tests
# commit thousands of times.  What others see is unchanged (a commit is visible at once either
# way); only a crash of the server could lose the last commits, which no test is about.
NO_FSYNC_WAIT = "-csynchronous_commit%3Doff"


@contextmanager
def pg_schema() -> Iterator[str]:
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
        yield f"{base}{sep}options=-csearch_path%3D{schema}%20{NO_FSYNC_WAIT}"
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _admin_url() -> str:
    base = os.environ.get("LOADWATCH_TEST_DATABASE_URL")
    if not base:
        pytest.skip("LOADWATCH_TEST_DATABASE_URL not set (PostgreSQL tests)")
    return base


def _on_database(base: str, name: str) -> str:
    """``base`` pointing at database ``name`` (its user, host and options kept), its commits
    not waiting for the disk (``NO_FSYNC_WAIT``)."""
    from sqlalchemy.engine import make_url

    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={NO_FSYNC_WAIT}"


@contextmanager
def pg_database(template: str | None = None) -> Iterator[str]:
    """A URL of a fresh PostgreSQL database (a copy of ``template``, a database name, if
    given), dropped afterwards even if a test left connections open."""
    base = _admin_url()
    import sqlalchemy as sa

    from loadwatch.store.db import _normalise

    name = f"lwt_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(_normalise(base), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
    source = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"{source}'))
    try:
        yield _on_database(base, name)
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def pg_template(data_dir: Path) -> Iterator[str]:
    """A database migrated to head, for ``pg_database(template=...)`` to copy: a copy costs a
    few milliseconds of client CPU where a migration through Alembic costs some 70 ms, plus
    the server's work on some forty tables and indexes.  Yields the database's name."""
    from sqlalchemy.engine import make_url

    from loadwatch.store.db import Store

    with pg_database() as url:
        Store(url, data_dir).close()  # closed: a template may have no open connection
        name = make_url(url).database
        assert name is not None
        yield name


def sqlite_template(directory: Path) -> Path:
    """An SQLite store migrated to head under ``directory``, for ``from_template`` to copy."""
    from loadwatch.store.db import Store

    path = directory / "template.db"
    Store(f"sqlite:///{path}", directory / "data").close()  # closed: the WAL is folded back in
    return path


def from_template(url: str, template: Path | None) -> None:
    """Seed the SQLite file of ``url`` with a copy of ``template`` (if it is not there yet),
    so that the store opened on it finds the schema at head: a file copy of some 200 kB
    instead of a migration through Alembic (about 70 ms of CPU) for every test's store.
    PostgreSQL URLs are left to migrate (their schema is made per test)."""
    if template is None or not url.startswith("sqlite:///"):
        return
    target = Path(url.removeprefix("sqlite:///"))
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)


@functools.cache
def head_template() -> Path:
    """This process's SQLite store at head (``sqlite_template``), built on first use and
    removed at exit: one migration per test process, whoever asks first."""
    directory = Path(tempfile.mkdtemp(prefix="loadwatch-head-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return sqlite_template(directory)


def at_head(url: str) -> str:
    """``url``, its SQLite file (if not there yet) a copy of ``head_template``: for a test
    whose subject is not the migration, a store opened on it starts at head for a file copy
    (a few ms) instead of a migration through Alembic (about 0.2 CPU-s at 16 revisions).
    PostgreSQL URLs are returned as they are (they migrate)."""
    if url.startswith("sqlite:///"):
        from_template(url, head_template())
    return url
