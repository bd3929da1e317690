"""A fresh PostgreSQL schema per test (or module), dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


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
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
