"""Under load, real processes on 127.0.0.1: concurrency degrades (a deliberate 503 with
Retry-After at most), never deadlocks, loses or duplicates nothing.

SQLite: one ``loadwatch serve`` (API + scheduler).  PostgreSQL: two ``serve --no-scheduler``
API processes and one ``loadwatch scheduler``, as the README's scale-out.  Speed is not
asserted here; ``benchmarks/concurrency.py`` times the same storm.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from loadwatch import auth
from loadwatch.store.db import Store
from support.databases import at_head
from support.live import cli_env, command, serve, serve_many
from support.loadgen import API, concurrent_gets, distinct_runs, storm

pytestmark = pytest.mark.e2e

DISTINCT = 40
IDENTICAL = 10  # the same bytes, uploaded at once: exactly one import, the rest duplicates
SERIES_AT_ONCE = 64


@contextmanager
def _jobs_process(env: dict[str, str], name: str) -> Iterator[None]:
    log = Path(env["LOADWATCH_DATA_DIR"]) / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command(env), name], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "Traceback" not in log.read_text(), log.read_text()


@contextmanager
def _deployment(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[list[str], dict[str, str]]]:
    data = tmp_path / "data"
    extra = {"LOADWATCH_EVALUATE_INTERVAL_S": "1"}
    if backend == "postgres":
        # A copy of the migrated template: the subject is load, not a first start's migration.
        extra["LOADWATCH_DATABASE_URL"] = request.getfixturevalue("pg_migrated_url")
    env = cli_env(data, **extra)
    url = at_head(env.get("LOADWATCH_DATABASE_URL", f"sqlite:///{data / 'loadwatch.db'}"))
    store = Store(url, data)
    try:
        with store.transaction() as s:
            _, token = auth.create_user(s, "carla", "admin")
    finally:
        store.close()
    with ExitStack() as stack:
        if backend == "postgres":
            # On PostgreSQL the work runs on the job queue: a worker, not the scheduler.  It
            # and the two API processes start at once.
            stack.enter_context(_jobs_process(env, "worker"))
            bases = stack.enter_context(serve_many(env, 2, "--no-scheduler"))
        else:
            bases = [stack.enter_context(serve(env))]
        yield bases, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_fifty_uploads_and_readers(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with _deployment(backend, tmp_path, request) as (bases, h):
        r = httpx.post(f"{bases[0]}{API}/athletes", json={"name": "Ann"}, headers=h)
        assert r.status_code == 201, r.text
        aid = r.json()["id"]
        runs = distinct_runs(DISTINCT + 1)
        same = runs[-1]
        files = runs[:DISTINCT] + [(f"copy-{i}-{same[0]}", same[1]) for i in range(IDENTICAL)]

        result = storm(bases, h, aid, files, readers=8, reads_each=10)

        assert result.unexpected() == []
        assert all(c.retry_after_missing == 0 for c in result.uploads + result.reads)
        assert [c.status for c in result.uploads] == [200] * len(files)
        assert all(c.status == 200 for c in result.reads)
        outcomes: dict[str, list[str]] = {}
        for c in result.uploads:
            assert c.body is not None
            for f in c.body["files"]:  # type: ignore[attr-defined]
                outcomes.setdefault(f["status"], []).append(f["file"])
        assert len(outcomes.get("imported", [])) == DISTINCT + 1
        assert len(outcomes.get("duplicate", [])) == IDENTICAL - 1
        assert set(outcomes) <= {"imported", "duplicate"}
        listed = httpx.get(
            f"{bases[-1]}{API}/athletes/{aid}/activities?limit=500", headers=h
        ).json()
        assert listed["count"] == DISTINCT + 1  # nothing lost, nothing stored twice
        starts = [a["start_time"] for a in listed["data"]]
        assert len(set(starts)) == len(starts)

        gets = concurrent_gets(bases, h, f"{API}/athletes/{aid}/series?period=week", SERIES_AT_ONCE)
        assert [c.status for c in gets.reads] == [200] * SERIES_AT_ONCE
        assert gets.unexpected() == []
