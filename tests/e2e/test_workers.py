"""Scale-out (issue 19): two ``loadwatch worker`` processes on one PostgreSQL queue, 50 athletes
changing at once.  Each athlete is evaluated exactly once per burst of changes, both workers
take part, and the flags, episodes and views equal a single-process evaluation."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from loadwatch.clock import local_today
from loadwatch.config import Settings
from loadwatch.services.jobs import InlineJobs
from loadwatch.services.jobs_procrastinate import ProcrastinateJobs
from loadwatch.store.db import Store
from support.databases import pg_database
from support.live import cli_env, command
from support.many_athletes import change, picture, seed

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ATHLETES = 50
BURST = 3  # changes per athlete, all queued before any worker starts
EVALUATED = re.compile(r"evaluated athlete (\d+) from")


def _world(url: str, data_dir: Path) -> tuple[Store, Settings, list[int]]:
    settings = Settings(data_dir=data_dir, database_url=url, jobs="inline", job_settle_s=0)
    store = Store(url, data_dir)
    today = local_today("UTC")
    with store.transaction() as s:
        ids = seed(s, ATHLETES, today)
    return store, settings, ids


def _burst(store: Store, ids: list[int], queue: InlineJobs | ProcrastinateJobs) -> None:
    today = local_today("UTC")
    for k in range(BURST):
        for aid in ids:
            with store.transaction() as s:
                change(s, aid, today, k)
            if isinstance(queue, ProcrastinateJobs):
                queue.evaluate([aid])  # coalesced: one waiting job per athlete
    if isinstance(queue, InlineJobs):
        queue.evaluate(ids)  # the single process: one evaluation after the burst


def test_two_workers_evaluate_each_athlete_once_and_agree_with_one_process(
    tmp_path: Path, migrated_pg: str
) -> None:
    # Both databases are copies of the migrated template: the subject is the queue, not two
    # migrations through Alembic on the server.
    with pg_database(template=migrated_pg) as reference_url:
        ref_store, ref_settings, ref_ids = _world(reference_url, tmp_path / "ref")
        try:
            _burst(ref_store, ref_ids, InlineJobs(ref_store, ref_settings))
            want = picture(ref_store)
        finally:
            ref_store.close()

    with pg_database(template=migrated_pg) as url:
        store, _settings, ids = _world(url, tmp_path / "data")
        queue = ProcrastinateJobs(store, Settings(database_url=url, job_settle_s=0))
        try:
            _burst(store, ids, queue)
            with store.engine.connect() as c:
                waiting = c.exec_driver_sql(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'"
                ).scalar_one()
            assert waiting == ATHLETES  # 150 changes, 50 jobs

            env = cli_env(tmp_path / "data", LOADWATCH_DATABASE_URL=url)
            args = ["worker", "--burst", "--no-periodic", "--keep-finished", "--concurrency", "2"]
            workers = [
                subprocess.Popen(
                    [*command(env), *args],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            logs = [w.communicate(timeout=600)[1] for w in workers]
            assert [w.returncode for w in workers] == [0, 0], logs
            assert not any("Traceback" in log for log in logs), logs

            per_worker = [Counter(int(m) for m in EVALUATED.findall(log)) for log in logs]
            total = per_worker[0] + per_worker[1]
            assert total == Counter({aid: 1 for aid in ids})  # each exactly once
            assert all(per_worker), "both workers took jobs"
            with store.engine.connect() as c:
                rows = c.exec_driver_sql(
                    "SELECT task_name, status, count(*) FROM procrastinate_jobs "
                    "GROUP BY task_name, status"
                ).all()
            # Evaluations that raised flags also queued one webhook delivery between them.
            jobs = {(task, status): n for task, status, n in rows}
            assert jobs.pop(("loadwatch:evaluate", "succeeded")) == ATHLETES
            assert set(jobs) <= {("loadwatch:deliver_webhooks", "succeeded")}
            got = picture(store)
        finally:
            queue.close()
            store.close()

    assert got == want
    assert all(not p["pending"] and p["summary"] is not None for p in got.values())
    assert sum(len(p["flags"]) for p in got.values()) > 0  # not vacuous
