"""The procrastinate queue's jobs, run by a worker inside the test process (PostgreSQL only):
an inbox scan imports and then evaluates, the nightly job fans out one evaluation per athlete,
and the cron of "every N seconds"."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from loadwatch.clock import local_today, utcnow
from loadwatch.config import Settings
from loadwatch.services.jobs_procrastinate import NAMESPACE, ProcrastinateJobs, every, run_worker
from loadwatch.services.pending import evaluating
from loadwatch.store import views as view_rows
from loadwatch.store.db import Store
from support.api_env import gpx_run
from support.databases import pg_schema
from support.many_athletes import seed

pytestmark = pytest.mark.postgres


def test_every_is_a_cron_with_seconds_below_a_minute() -> None:
    assert every(10) == "*/10 * * * * *"
    assert every(15.2) == "*/15 * * * * *"
    assert every(60) == "*/1 * * * *"
    assert every(300) == "*/5 * * * *"


def _jobs(store: Store) -> dict[tuple[str, str], int]:
    with store.engine.connect() as c:
        rows = c.exec_driver_sql(
            "SELECT task_name, status, count(*) FROM procrastinate_jobs GROUP BY 1, 2"
        ).all()
    return {(t, s): n for t, s, n in rows}


def _drain(store: Store, settings: Settings) -> None:
    run_worker(
        store,
        settings,
        burst=True,
        periodic=False,
        keep_finished=True,
        install_signal_handlers=False,
    )


def test_an_inbox_scan_imports_then_evaluates_on_the_queue(tmp_path: Path) -> None:
    with pg_schema() as url:
        inbox = tmp_path / "inbox"
        (inbox / "Ann").mkdir(parents=True)
        start = utcnow().replace(hour=7, minute=0, second=0, microsecond=0) - timedelta(days=2)
        (inbox / "Ann" / "run.gpx").write_bytes(gpx_run(start, 5.0))
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=url,
            inbox=inbox,
            inbox_min_age_s=0,
            job_settle_s=0,
        )
        store = Store(url, settings.data_dir)
        queue = ProcrastinateJobs(store, settings)
        try:
            queue.scan_inbox()
            queue.scan_inbox()  # coalesced: one scan waiting
            assert _jobs(store) == {(f"{NAMESPACE}:scan_inbox", "todo"): 1}
            _drain(store, settings)
            jobs = _jobs(store)
            assert jobs[(f"{NAMESPACE}:scan_inbox", "succeeded")] == 1
            assert jobs[(f"{NAMESPACE}:evaluate", "succeeded")] == 1
            with store.sessions() as s:
                (aid,) = list(view_rows.as_of(s))
                assert view_rows.as_of(s)[aid] == local_today("UTC")
                assert evaluating(s, [aid]) == set()
        finally:
            queue.close()
            store.close()


def test_the_nightly_job_fans_out_one_evaluation_per_athlete(tmp_path: Path) -> None:
    with pg_schema() as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, job_settle_s=0)
        store = Store(url, settings.data_dir)
        with store.transaction() as s:
            ids = seed(s, 4, local_today("UTC"), weeks=2)
        queue = ProcrastinateJobs(store, settings)
        try:
            queue.app.configure_task(f"{NAMESPACE}:nightly").defer(timestamp=0)
            _drain(store, settings)
            jobs = _jobs(store)
            assert jobs[(f"{NAMESPACE}:nightly", "succeeded")] == 1
            assert jobs[(f"{NAMESPACE}:evaluate", "succeeded")] == len(ids)
            with store.sessions() as s:
                assert set(view_rows.as_of(s)) == set(ids)
        finally:
            queue.close()
            store.close()
