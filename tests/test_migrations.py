"""Every process migrates at start: processes starting together on one database must all come
up (API replicas and the scheduler after a deploy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from loadwatch.store.db import make_engine

# Six, not two: the race (every process sees an empty database, all create the tables) showed
# in one run of two with six processes on the unlocked SQLite path.
PROCESSES = 6
MIGRATE = (
    "import sys; from loadwatch.store.db import make_engine, migrate; "
    "migrate(make_engine(sys.argv[1]))"
)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_concurrent_first_start_migrates_once(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = f"sqlite:///{tmp_path / 'lw.db'}"
    if backend == "postgres":
        url = request.getfixturevalue("pg_url")
    procs = [
        subprocess.Popen([sys.executable, "-c", MIGRATE, url], stderr=subprocess.PIPE, text=True)
        for _ in range(PROCESSES)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, errors
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            versions = c.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == ["0002"]
        tables = set(inspect(engine).get_table_names())
        assert {"athletes", "activities", "flags", "deliveries"} <= tables
    finally:
        engine.dispose()
