"""The scheduler keeps ticking and says when it stops: a trial's ``serve`` lost its APScheduler
thread to one "database is locked" while CLI commands ran on the same SQLite file, and health
still answered 200 with every timer stopped.  Ticks are driven here (``wake``) and waited for
on the heartbeat, never slept on."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from fastapi.testclient import TestClient
from sqlalchemy import event, func, inspect, select

from loadwatch.api.app import create_app
from loadwatch.clock import pin_today, utcnow
from loadwatch.config import Settings
from loadwatch.scheduler import jobs
from loadwatch.scheduler.liveness import Heartbeat
from loadwatch.scheduler.runner import EVALUATE, INBOX, WEBHOOKS, LoadScheduler
from loadwatch.services.importing import import_paths
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from loadwatch.store.models import PendingEvaluation
from support.databases import at_head
from support.paths import REPO

SAMPLE = REPO / "sample_data"
WAIT_S = 60.0  # for a tick to end on a loaded machine; a passing test never waits it out


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    settings = Settings(
        data_dir=tmp_path / "data",
        # No tick comes by itself during a test: each is driven by ``wake``.
        evaluate_interval_s=3600.0,
        deliver_interval_s=3600.0,
        inbox_interval_s=3600.0,
    )
    store = Store(at_head(settings.db_url), settings.data_dir)
    pin_today(date(2026, 11, 16))  # the day after the sample history ends
    try:
        yield store, settings
    finally:
        pin_today(None)
        jobs.unbind()
        store.close()


@pytest.fixture
def runner(env: tuple[Store, Settings]) -> Iterator[LoadScheduler]:
    store, settings = env
    r = LoadScheduler(store, settings)
    r.start()
    try:
        yield r
    finally:
        r.shutdown()


def _pending(store: Store) -> int:
    with store.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(PendingEvaluation)) or 0)


def _short_busy_timeout(store: Store) -> None:
    """A lock held past the busy timeout, without waiting the real 30 s for it."""

    @event.listens_for(store.engine, "connect")
    def _short(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=50")

    store.engine.dispose()


def test_a_locked_database_during_a_tick_does_not_stop_later_ticks(
    env: tuple[Store, Settings], runner: LoadScheduler
) -> None:
    store, settings = env
    _short_busy_timeout(store)
    with store.transaction() as s:
        sara = get_or_create_athlete(s, "Spiky Sara", "Europe/Vienna")
    import_paths(store, settings, sara.id, sorted((SAMPLE / "spiky-sara").glob("*.fit"))[:3])
    assert _pending(store) == 1

    # Another process (a CLI command) holds the write lock through a tick.
    holder = sqlite3.connect(str(store.engine.url.database), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        runner.wake(EVALUATE)
        assert runner.heartbeat.wait_runs(EVALUATE, 1, WAIT_S)
        assert runner.heartbeat.runs(EVALUATE) == (1, 1)  # that run failed on the lock...
        assert _pending(store) == 1  # ...and its work stayed pending
    finally:
        holder.rollback()
        holder.close()
    # The next tick runs and does the work.
    runner.wake(EVALUATE)
    assert runner.heartbeat.wait_runs(EVALUATE, 2, WAIT_S)
    assert runner.heartbeat.runs(EVALUATE) == (2, 1)
    assert _pending(store) == 0
    assert runner.problem() is None


def test_the_timers_write_nothing_to_the_shared_database(
    env: tuple[Store, Settings], runner: LoadScheduler
) -> None:
    store, _ = env
    runner.wake(WEBHOOKS)
    assert runner.heartbeat.wait_runs(WEBHOOKS, 1, WAIT_S)
    assert "apscheduler_jobs" not in inspect(store.engine).get_table_names()


def test_a_failing_tick_is_logged_and_the_loop_goes_on(
    runner: LoadScheduler, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Storing a job's next run fails once (as the SQL job store's write did in the trial):
    APScheduler would let that end its thread."""
    real = MemoryJobStore.update_job
    failures = [RuntimeError("database is locked")]

    def update_job(self: MemoryJobStore, job: Any) -> None:
        if failures and job.id == WEBHOOKS and job.next_run_time > utcnow() + timedelta(seconds=60):
            raise failures.pop()
        real(self, job)

    monkeypatch.setattr(MemoryJobStore, "update_job", update_job)
    with caplog.at_level(logging.ERROR, logger="loadwatch.scheduler.runner"):
        runner.wake(WEBHOOKS)
        assert runner.heartbeat.wait_runs(WEBHOOKS, 1, WAIT_S)
        runner.wake(WEBHOOKS)
        assert runner.heartbeat.wait_runs(WEBHOOKS, 2, WAIT_S)
    assert failures == []
    assert "scheduler tick failed; trying again in 10 s" in caplog.text
    assert runner.problem() is None


def test_health_reports_a_scheduler_that_stopped(
    env: tuple[Store, Settings], runner: LoadScheduler
) -> None:
    store, settings = env
    with TestClient(create_app(store, settings=settings, scheduler=runner)) as client:
        assert client.get("/api/v1/health").status_code == 200
        runner._scheduler.shutdown()  # the loop's thread gone, as in the trial
        r = client.get("/api/v1/health")
    assert r.status_code == 503
    assert r.json()["code"] == "scheduler-stopped"
    assert r.json()["detail"] == (
        "the scheduler has stopped: periodic evaluation, webhook delivery and inbox scans are "
        "not running"
    )


def test_health_reports_an_overdue_job(env: tuple[Store, Settings], runner: LoadScheduler) -> None:
    # Every timer runs hourly here: overdue after six silent hours.
    assert runner.problem(utcnow() + timedelta(hours=5, minutes=59)) is None
    assert runner.problem(utcnow() + timedelta(hours=6, seconds=10)) == (
        "the scheduler's evaluate-pending job has not run for 21610 s (it runs every 3600 s; "
        "the log says why)"
    )


def test_overdue_counts_intervals_with_a_floor() -> None:
    t0 = utcnow()
    beat = Heartbeat({EVALUATE: 10.0, WEBHOOKS: 15.0, INBOX: 60.0}, started=t0)
    # Six 10 s ticks is 60 s, under the 300 s floor: a long evaluation is not a failure.
    assert beat.overdue(t0 + timedelta(seconds=300)) is None
    assert beat.overdue(t0 + timedelta(seconds=301)) == (
        "the scheduler's evaluate-pending job has not run for 301 s (it runs every 10 s; the "
        "log says why)"
    )
    # Runs that fail are ticks of a live loop, but not work done: still overdue, said so.
    beat.ran(EVALUATE, failed=True, at=t0 + timedelta(seconds=300))
    assert beat.overdue(t0 + timedelta(seconds=301)) == (
        "the scheduler's evaluate-pending job has failed every run for 301 s (it runs every "
        "10 s; the log says why)"
    )
    beat.ran(EVALUATE, failed=False, at=t0 + timedelta(seconds=310))
    beat.ran(WEBHOOKS, failed=False, at=t0 + timedelta(seconds=310))
    assert beat.overdue(t0 + timedelta(seconds=360)) is None
    # The inbox, every 60 s: six intervals is 360 s.
    assert beat.overdue(t0 + timedelta(seconds=361)) == (
        "the scheduler's scan-inbox job has not run for 361 s (it runs every 60 s; the log "
        "says why)"
    )
    assert beat.runs(EVALUATE) == (2, 1) and beat.runs(INBOX) == (0, 0)
