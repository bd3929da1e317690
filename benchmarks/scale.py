"""The nightly evaluation on the PostgreSQL job queue with 1 and 2 ``loadwatch worker``
processes (issue 19, docs/scale.md).

    LOADWATCH_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/scale.py [--athletes 200] [--days 365] [--concurrency 1]

1. Seeds ``--athletes`` synthetic runners × ``--days`` days (``benchmarks/synthetic.py``) in a
   scratch schema (dropped afterwards) through the store's repositories.
2. Baseline, in this run: the nightly pass in one process, as the embedded scheduler does it
   (``services.job_work.evaluate_athlete(roll=True)`` for every athlete, one after another).
3. Per worker count (1, then 2): fans out one evaluation job per athlete as the ``nightly``
   job does (batched; a queueing lock and a lock per athlete), starts that many
   ``loadwatch worker --burst --no-periodic`` processes and waits until they exit (the queue is
   empty).  Prints the wall time, the workers' CPU, the database's transactions and rows
   touched (``pg_stat_database``) per athlete, and the ratios to the baseline and to 1 worker.

Every process shares the machine's cores with PostgreSQL and the others: on a 2-core machine
two workers cannot be twice as fast, and the ratio says what the queue itself costs.

The queue's own periodic work at many athletes (the sweep's query, the nightly fan-out's
inserts) is ``benchmarks/sweep.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic, write_athletes

from loadwatch.config import Settings
from loadwatch.services import job_work
from loadwatch.services.jobs_procrastinate import ProcrastinateJobs, _defer_evaluations
from loadwatch.store.db import Store
from support.live import cli_env, command, scratch_schema

CHUNK = 100


def seed(store: Store, n: int, days: int) -> list[int]:
    start = datetime.now(UTC).date() - timedelta(days=days)
    ids: list[int] = []
    for lo in range(0, n, CHUNK):
        acts = synthetic(lo, min(CHUNK, n - lo), 1, seed=lo, start=start, days=days)
        with store.transaction() as s:
            ids += write_athletes(s, acts)
    return ids


def db_counters(store: Store) -> tuple[int, int, int]:
    """Transactions committed and rows written or read in this database so far, and the
    write-ahead log's position (bytes; the whole server's, so other load counts too)."""
    with store.engine.connect() as c:
        c.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        row = c.exec_driver_sql(
            "SELECT xact_commit, tup_inserted + tup_updated + tup_deleted + tup_fetched, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint "
            "FROM pg_stat_database WHERE datname = current_database()"
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def baseline(store: Store, settings: Settings, ids: list[int]) -> float:
    t = time.perf_counter()
    for aid in ids:
        job_work.evaluate_athlete(store, settings, aid, roll=True)
    return time.perf_counter() - t


def nightly_on_workers(
    store: Store, settings: Settings, env: dict[str, str], workers: int, concurrency: int
) -> tuple[float, float, int, int, int]:
    """Wall s, workers' CPU s, transactions, rows, WAL bytes: one nightly pass run by
    ``workers``.  The fan-out (what the ``nightly`` job does: every athlete's evaluation
    deferred in batches) runs here, timed with the rest, before the workers start: a burst
    worker exits as soon as it finds the queue empty, so one started while another was still
    fanning out left at once and the run measured a single worker."""
    tx0, rows0, wal0 = db_counters(store)
    cpu0 = children_cpu()
    t = time.perf_counter()
    queue = ProcrastinateJobs(store, settings)
    try:
        _defer_evaluations(store, queue.app, job_work.all_athletes(store), roll=True, delay_s=0)
    finally:
        queue.close()
    args = ["worker", "--burst", "--no-periodic", "--concurrency", str(concurrency)]
    procs = [
        subprocess.Popen(
            [*command(env), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        for _ in range(workers)
    ]
    for p in procs:
        _, err = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"worker failed ({p.returncode}):\n{err.decode()[-2000:]}")
    wall = time.perf_counter() - t
    tx1, rows1, wal1 = db_counters(store)
    with store.engine.connect() as c:
        left = c.exec_driver_sql(
            "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        ).scalar_one()
    if left:
        raise SystemExit(f"{left} jobs left in the queue")
    return wall, children_cpu() - cpu0, tx1 - tx0, rows1 - rows0, wal1 - wal0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--athletes", type=int, default=200)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--concurrency", type=int, default=1, help="jobs at once per worker")
    ap.add_argument(
        "--postgres",
        default=os.environ.get("LOADWATCH_TEST_DATABASE_URL"),
        help="a PostgreSQL URL (default LOADWATCH_TEST_DATABASE_URL)",
    )
    args = ap.parse_args()
    if not args.postgres:
        raise SystemExit("needs PostgreSQL: --postgres URL or LOADWATCH_TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp, scratch_schema(args.postgres) as url:
        data = Path(tmp) / "data"
        settings = Settings(data_dir=data, database_url=url, jobs="procrastinate")
        store = Store(url, data)
        try:
            t = time.perf_counter()
            ids = seed(store, args.athletes, args.days)
            print(
                f"seeded {len(ids)} athletes x {args.days} days in "
                f"{time.perf_counter() - t:.1f} s; {os.cpu_count()} cores",
                flush=True,
            )
            base = baseline(store, settings, ids)
            n = len(ids)
            print(
                f"baseline, one process in a loop: {base:.1f} s "
                f"({base / n * 1000:.0f} ms per athlete)",
                flush=True,
            )
            env = cli_env(data, LOADWATCH_DATABASE_URL=url)
            one = 0.0
            for workers in (1, 2):
                wall, cpu, tx, rows, wal = nightly_on_workers(
                    store, settings, env, workers, args.concurrency
                )
                one = one or wall
                print(
                    f"{workers} worker(s): {wall:.1f} s wall ({wall / n * 1000:.0f} ms per "
                    f"athlete, {n / wall:.1f} athletes/s), workers' CPU {cpu:.1f} s; "
                    f"database per athlete: {tx / n:.1f} transactions, {rows / n:,.0f} rows, "
                    f"{wal / n / 1024:,.0f} KiB of WAL; "
                    f"x{base / wall:.2f} vs baseline, x{one / wall:.2f} vs 1 worker",
                    flush=True,
                )
        finally:
            store.close()


if __name__ == "__main__":
    main()
