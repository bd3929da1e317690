"""What ``serve`` says: the dashboard and docs URLs at start; APScheduler's per-run chatter at
DEBUG; one INFO line per evaluation that changed a flag."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.scheduler import jobs
from loadwatch.scheduler.runner import quiet_apscheduler
from loadwatch.services.csv_import import import_log
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Store
from support.databases import at_head
from support.live import cli_env, serve


def _spike_log() -> bytes:
    """Five weeks of 8, 8, 8 and 16 km, then a 22 km run yesterday: one distance spike."""
    end = utcnow().date() - timedelta(days=1)
    lines = ["date,distance_km,duration,climbing_m"]
    for w in range(5, -1, -1):
        last = end - timedelta(weeks=w)
        kms = (10.0, 10.0, 10.0, 22.0) if w == 0 else (8.0, 8.0, 8.0, 16.0)
        for back, km in zip((5, 3, 1, 0), kms, strict=True):
            lines.append(f"{last - timedelta(days=back)},{km},{km * 330:.0f},40")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    settings = Settings(data_dir=tmp_path / "data")
    s = Store(at_head(settings.db_url), settings.data_dir)
    jobs.bind(s, settings)
    yield s
    jobs.unbind()
    s.close()


def test_apscheduler_routine_records_are_debug(caplog: pytest.LogCaptureFixture) -> None:
    quiet_apscheduler()
    quiet_apscheduler()  # idempotent
    executor = logging.getLogger("apscheduler.executors.default")
    assert len(executor.filters) == 1
    caplog.set_level(logging.INFO)
    executor.info('Job "evaluate_pending" executed successfully')
    executor.warning('Run time of job "evaluate_pending" was missed by 0:00:05')
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", 'Run time of job "evaluate_pending" was missed by 0:00:05')
    ]
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    executor.info('Job "evaluate_pending" executed successfully')
    assert [r.levelname for r in caplog.records] == ["DEBUG"]


def test_one_info_line_per_evaluation_that_changed_something(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Ana", "UTC").id
    import_log(store, aid, _spike_log(), "log.csv")
    caplog.set_level(logging.INFO, logger="loadwatch")
    assert jobs.evaluate_pending() == [aid]
    info = [r.getMessage() for r in caplog.records if r.name == "loadwatch.scheduler.jobs"]
    assert info == [
        f"evaluated after imports: 1 athlete(s), flags 1 new, 0 updated, 0 removed "
        f"(changed: athletes [{aid}])"
    ]
    # The same data evaluated again changes nothing: no INFO line.
    caplog.clear()
    with store.transaction() as s:
        pending.request_evaluation(s, aid, utcnow().date() - timedelta(days=40))
    assert jobs.evaluate_pending() == [aid]
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


@pytest.mark.e2e
def test_serve_prints_the_dashboard_and_docs_urls(tmp_path: Path) -> None:
    data = tmp_path / "data"
    at_head(f"sqlite:///{data / 'loadwatch.db'}")  # what is printed, not a first migration
    with serve(cli_env(data), "--no-scheduler") as url:
        port = url.rsplit(":", 1)[1]
        text = (data / f"serve-{port}.log").read_text()
    assert f"dashboard: {url}/\n" in text
    assert f"API docs:  {url}/docs  (spec: {url}/openapi.json)" in text
