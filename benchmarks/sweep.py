"""What the periodic sweep and the nightly fan-out cost per tick at many athletes (issue 19,
docs/scale.md), each beside its baseline measured in the same run.

    .venv/bin/python benchmarks/sweep.py [--athletes 20000] [--due 0.01] [--repeat 5]
        [--jobs 2000] [--postgres URL]

1. Seeds ``--athletes`` athlete rows in bulk (zones drawn from a dozen, a current view and
   triage row each, ``due_at`` the end of that view's day; ``--due`` of them due now) on
   SQLite, or with ``--postgres`` in a scratch schema (dropped afterwards).
2. **The sweep**: the athletes to evaluate now, the old way (``support.full_scan.stale``: every
   athlete's zone and view day read and compared in Python: the baseline) against the
   ``due_at`` range query (``services.job_work.due_athletes``).  CPU (``process_time``) and
   wall per tick, median of ``--repeat``; on PostgreSQL the query plan's first line.
3. **The fan-out** (PostgreSQL): ``--jobs`` evaluation jobs deferred one insert each (the
   baseline: what the nightly job did) against batches of ``DEFER_BATCH`` (what it does), with
   the database's transactions per run (``pg_stat_database``).

Views and triage rows carry placeholder bytes: the sweep reads only their days.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loadwatch.clock import day_ends_at, utcnow
from loadwatch.config import Settings
from loadwatch.services import job_work, jobs_procrastinate
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import Athlete, AthleteTriage, AthleteView
from support import full_scan
from support.live import scratch_schema

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Helsinki",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Denver",
    "America/Los_Angeles",
]
CHUNK = 5_000


def seed(store: Store, n: int, due_share: float) -> None:
    rng = random.Random(19)
    now = utcnow()
    athletes, view_rows, triage_rows = [], [], []
    for i in range(1, n + 1):
        tz = rng.choice(ZONES)
        today = now.astimezone(ZoneInfo(tz)).date()
        due = rng.random() < due_share
        athletes.append(
            {
                "id": i,
                "name": f"Runner {i}",
                "name_key": f"runner {i}",
                "timezone": tz,
                "thresholds": {},
                "due_at": now - timedelta(minutes=1) if due else day_ends_at(tz, today),
            }
        )
        # A due athlete's view is yesterday's: the old full scan must find the same ones.
        as_of = today - timedelta(days=1) if due else today
        view_rows.append({"athlete_id": i, "as_of": as_of, "summary": {}, "weeks": b""})
        triage_rows.append(
            {"athlete_id": i, "as_of": as_of, "concern": "quiet", "sort_key": b"", "body": b"{}"}
        )
    with store.engine.begin() as c:
        for table, rows in (
            (Athlete.__table__, athletes),
            (AthleteView.__table__, view_rows),
            (AthleteTriage.__table__, triage_rows),
        ):
            for lo in range(0, len(rows), CHUNK):
                c.execute(sa.insert(table), rows[lo : lo + CHUNK])  # type: ignore[arg-type]
        if store.dialect == "postgresql":
            c.exec_driver_sql("ANALYZE")


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    cpus, walls, out = [], [], None
    for _ in range(repeat):
        c, w = time.process_time(), time.perf_counter()
        out = fn()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return statistics.median(cpus), statistics.median(walls), out


def _ms(s: float) -> str:
    return f"{s * 1000:8.1f} ms"


def sweep(store: Store, n: int, repeat: int) -> None:
    def old() -> list[int]:
        with store.sessions() as s:
            return sorted(full_scan.stale(s))

    def new() -> list[int]:
        return job_work.due_athletes(store)

    old_cpu, old_wall, old_ids = measure(old, repeat)
    new_cpu, new_wall, new_ids = measure(new, repeat)
    assert old_ids == new_ids, "the two sweeps disagree"
    print(f"sweep, {n:,} athletes, {len(new_ids):,} due (median of {repeat}):")
    print(f"  every athlete read (baseline)  CPU {_ms(old_cpu)}  wall {_ms(old_wall)}")
    print(
        f"  due_at range query             CPU {_ms(new_cpu)}  wall {_ms(new_wall)}  "
        f"(CPU x{new_cpu / old_cpu:.3f}, wall x{new_wall / old_wall:.3f})"
    )
    if store.dialect == "postgresql":
        with store.engine.connect() as c:
            plan = c.exec_driver_sql(
                "EXPLAIN SELECT id FROM athletes WHERE due_at IS NULL OR due_at <= now() "
                "ORDER BY id"
            ).all()
        print("  plan: " + " / ".join(r[0].strip() for r in plan[:4]))
    print(flush=True)


def xacts(store: Store) -> int:
    # A backend reports its counters to the statistics at most once a second: wait for them.
    time.sleep(1.5)
    with store.engine.connect() as c:
        c.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        return int(
            c.exec_driver_sql(
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
            ).scalar_one()
        )


def fan_out(store: Store, settings: Settings, jobs: int) -> None:
    app = jobs_procrastinate.build_app(settings, periodic=False)
    app.open()
    ids = list(range(1, jobs + 1))
    results: dict[str, tuple[float, float, int]] = {}
    try:
        for what, batch in (("one insert per job (baseline)", 1), ("batched", 0)):
            with store.engine.begin() as c:
                c.exec_driver_sql("DELETE FROM procrastinate_jobs")
            jobs_procrastinate.DEFER_BATCH = batch or 1_000
            x0, c0, w0 = xacts(store), time.process_time(), time.perf_counter()
            if batch == 1:
                # What the nightly job did: one defer (one INSERT, one transaction) per athlete.
                new = jobs_procrastinate._defer_one_by_one(
                    app,
                    [jobs_procrastinate._evaluation_job(app, a, roll=True, delay_s=0) for a in ids],
                )
            else:
                new = jobs_procrastinate._defer_evaluations(store, app, ids, roll=True, delay_s=0)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            assert new == jobs, f"{new} of {jobs} deferred"
            results[what] = (cpu, wall, xacts(store) - x0)
    finally:
        app.close()
    b_cpu, b_wall, _ = results["one insert per job (baseline)"]
    print(f"nightly fan-out, {jobs:,} evaluation jobs (this process's CPU; wall; transactions):")
    for what, (cpu, wall, tx) in results.items():
        print(
            f"  {what:32s} CPU {cpu:6.2f} s  wall {wall:6.2f} s  {tx:6,} transactions  "
            f"(CPU x{cpu / b_cpu:.2f}, wall x{wall / b_wall:.2f})"
        )
    print(flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--athletes", type=int, default=20_000)
    ap.add_argument("--due", type=float, default=0.01, help="share of athletes due now")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2_000, help="fan-out size (PostgreSQL)")
    ap.add_argument("--postgres", help="PostgreSQL URL: a scratch schema")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.postgres:
            with scratch_schema(args.postgres) as url:
                settings = Settings(data_dir=Path(tmp) / "data", database_url=url)
                store = open_store(settings)
                try:
                    seed(store, args.athletes, args.due)
                    sweep(store, args.athletes, args.repeat)
                    fan_out(store, settings, args.jobs)
                finally:
                    store.close()
        else:
            settings = Settings(data_dir=Path(tmp) / "data")
            store = open_store(settings)
            try:
                seed(store, args.athletes, args.due)
                sweep(store, args.athletes, args.repeat)
            finally:
                store.close()


if __name__ == "__main__":
    main()
