"""The procrastinate queue's jobs, run by a worker inside the test process (PostgreSQL only):
an inbox scan imports and then evaluates, the nightly job fans out one evaluation per athlete,
the cron of "every N seconds", the fan-out's batches, the sweep's lease, and the purge of
finished jobs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from loadwatch.clock import as_utc, day_ends_at, local_today, utcnow
from loadwatch.config import Settings
from loadwatch.services import job_work, jobs_procrastinate
from loadwatch.services.jobs_procrastinate import NAMESPACE, ProcrastinateJobs, every, run_worker
from loadwatch.services.pending import evaluating
from loadwatch.store import athletes as athlete_store
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
        with store.transaction() as s:
            athlete_store.get_or_create_athlete(s, "Ann")  # an inbox folder names an athlete
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


def test_the_nightly_fan_out_defers_in_batches_and_skips_athletes_already_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pg_schema() as url:
        settings = Settings(data_dir=tmp_path / "data", database_url=url, job_settle_s=0)
        store = Store(url, settings.data_dir)
        with store.transaction() as s:
            ids = [
                athlete_store.get_or_create_athlete(s, f"runner {i}", "UTC").id for i in range(7)
            ]
        monkeypatch.setattr(jobs_procrastinate, "DEFER_BATCH", 3)
        statements: list[int] = []
        batch = jobs_procrastinate.procrastinate.manager.JobManager.batch_defer_jobs

        def counting(self: Any, jobs: list[Any], connection: Any = None) -> Any:
            statements.append(len(jobs))
            return batch(self, jobs, connection)

        monkeypatch.setattr(
            jobs_procrastinate.procrastinate.manager.JobManager, "batch_defer_jobs", counting
        )
        queue = ProcrastinateJobs(store, settings)
        try:
            queue.evaluate([ids[4]])  # waiting already: the fan-out leaves it
            statements.clear()
            new = jobs_procrastinate._defer_evaluations(store, queue.app, ids, roll=True, delay_s=0)
            assert new == 6
            # 7 athletes in batches of 3: [0 1 2] [3 (4 waiting) 5] [6]; a lone job is one
            # insert too (procrastinate's defer is a batch of one).
            assert statements == [3, 2, 1]
            assert _jobs(store) == {(f"{NAMESPACE}:evaluate", "todo"): 7}
            with store.engine.connect() as c:
                rolls = dict(
                    c.exec_driver_sql(
                        "SELECT (args->>'athlete_id')::int, args->>'roll' FROM procrastinate_jobs"
                    ).all()
                )
            assert rolls == {aid: ("false" if aid == ids[4] else "true") for aid in ids}
        finally:
            queue.close()
            store.close()


def test_purge_deletes_finished_jobs_and_their_events_past_the_retention(
    tmp_path: Path,
) -> None:
    with pg_schema() as url:
        settings = Settings(
            data_dir=tmp_path / "data", database_url=url, job_settle_s=0, queue_retention_hours=24
        )
        store = Store(url, settings.data_dir)
        with store.transaction() as s:
            ids = [
                athlete_store.get_or_create_athlete(s, f"runner {i}", "UTC").id for i in range(3)
            ]
        queue = ProcrastinateJobs(store, settings)
        try:
            queue.evaluate(ids)
            _drain(store, settings)  # kept: three succeeded evaluations, with their events
            with store.engine.begin() as c:
                c.exec_driver_sql(
                    "UPDATE procrastinate_jobs SET status = 'failed' WHERE id = "
                    "(SELECT max(id) FROM procrastinate_jobs)"
                )
                # The first two finished two days ago (past 24 h), the third an hour ago.
                c.exec_driver_sql(
                    "UPDATE procrastinate_events SET at = at - "
                    "CASE WHEN job_id < (SELECT max(id) FROM procrastinate_jobs) "
                    "THEN interval '48 hours' ELSE interval '1 hour' END"
                )
            queue.app.configure_task(f"{NAMESPACE}:purge").defer(timestamp=0)
            _drain(store, settings)
            jobs = _jobs(store)
            assert jobs[(f"{NAMESPACE}:evaluate", "failed")] == 1  # within the retention
            assert (f"{NAMESPACE}:evaluate", "succeeded") not in jobs
            with store.engine.connect() as c:
                orphans = c.exec_driver_sql(
                    "SELECT count(*) FROM procrastinate_events e WHERE NOT EXISTS "
                    "(SELECT 1 FROM procrastinate_jobs j WHERE j.id = e.job_id)"
                ).scalar_one()
                events = c.exec_driver_sql(
                    "SELECT count(*) FROM procrastinate_events e JOIN procrastinate_jobs j "
                    "ON j.id = e.job_id WHERE j.task_name = 'loadwatch:evaluate'"
                ).scalar_one()
            assert orphans == 0
            assert events > 0  # the failed job's events stay with it
        finally:
            queue.close()
            store.close()


def test_a_swept_athlete_leaves_the_sweep_until_its_job_runs_or_the_lease_passes(
    tmp_path: Path,
) -> None:
    t0 = datetime(2026, 9, 5, 12, 0, tzinfo=UTC)
    with pg_schema() as url, time_machine.travel(t0, tick=False):
        settings = Settings(data_dir=tmp_path / "data", database_url=url, job_settle_s=0)
        store = Store(url, settings.data_dir)
        with store.transaction() as s:
            ids = [
                athlete_store.get_or_create_athlete(s, f"runner {i}", "UTC").id for i in range(3)
            ]
        app = jobs_procrastinate.build_app(settings, periodic=False)
        app.open()
        jobs_procrastinate.bind(store, settings, app)
        try:
            assert job_work.due_athletes(store) == ids  # never evaluated
            jobs_procrastinate.sweep(0)
            assert _jobs(store) == {(f"{NAMESPACE}:evaluate", "todo"): 3}
            assert job_work.due_athletes(store) == []  # leased: the next ticks skip them
            jobs_procrastinate.sweep(0)
            assert _jobs(store) == {(f"{NAMESPACE}:evaluate", "todo"): 3}
            # No worker ran them (a lost queue): due again once the lease passed.
            with time_machine.travel(t0 + job_work.SWEEP_LEASE, tick=False):
                assert job_work.due_athletes(store) == ids
        finally:
            jobs_procrastinate.unbind()
            app.close()
            store.close()
    # Run, each sets its own next midnight instead of the lease.
    with pg_schema() as url:
        settings = Settings(data_dir=tmp_path / "data2", database_url=url, job_settle_s=0)
        store = Store(url, settings.data_dir)
        with store.transaction() as s:
            aid = athlete_store.get_or_create_athlete(s, "Ann", "Asia/Tokyo").id
        queue = ProcrastinateJobs(store, settings)
        try:
            queue.evaluate([aid])
            _drain(store, settings)
            with store.sessions() as s:
                due = athlete_store.get_athlete(s, aid).due_at
            assert due is not None
            assert as_utc(due) == day_ends_at("Asia/Tokyo", local_today("Asia/Tokyo"))
        finally:
            queue.close()
            store.close()
