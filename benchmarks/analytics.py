"""Benchmark: evaluation of synthetic athletes (``benchmarks/synthetic.py``), nightly and
incremental, each beside the issue's target.

    .venv/bin/python benchmarks/analytics.py [--athletes 10000] [--years 3] [--chunk 500]
                                             [--sample 200] [--store 20]

Nightly (target: 10,000 athletes × 3 years in < 60 s):

1. Vectorised across athletes, ``--chunk`` athletes at a time: ``daily_panel`` →
   ``load_panel`` → ``flag_panel`` + ``judgement_panel`` → messages.  With fewer than 10,000
   ``--athletes`` the time is extrapolated linearly (the chunks are independent) and says so.
2. The same pipeline one athlete at a time (``daily_frame`` → ``load_frame`` → ``evaluate`` +
   ``judgements``) on ``--sample`` athletes: the per-athlete loop, and its ratio to (1).
3. The service's per-athlete path, ``services.evaluation.evaluate_athlete`` on ``--store``
   athletes in a fresh SQLite store (reads the rows, evaluates, writes flags and whatever the
   evaluation precomputes): ms per athlete and its ratio to (1).

Incremental after one new run (target: < 10 ms):

4. Pure: the athlete's daily frame rebuilt with the new run, ``evaluate(since=that day)``, on
   the ``--sample`` athletes; ratio to (2).
5. Service: one new run appended through the store to each of the ``--store`` athletes'
   ``--years`` of history (ending yesterday), then ``evaluate_athlete(from_date=that day)``;
   ratio to (3).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import activity_rows, synthetic, write_athletes

from loadwatch.analytics.daily import daily_frame, daily_panel
from loadwatch.analytics.load import load_frame, load_panel
from loadwatch.config import Settings
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import evaluate, flag_panel, judgement_panel, judgements, records
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.store import activities as activity_store
from loadwatch.store import files as file_store
from loadwatch.store.db import open_store

NIGHTLY_ATHLETES = 10_000
NIGHTLY_TARGET_S = 60.0
INCREMENTAL_TARGET_MS = 10.0


def full_vectorised(acts: pl.DataFrame, config: RuleConfig) -> tuple[int, int]:
    daily = daily_panel(acts, key="athlete", tz="UTC", fast_speed_mps=None)
    load_panel(daily, key="athlete")
    flags = flag_panel(daily, config, key="athlete")
    judgement_panel(daily, config, key="athlete")
    return daily.height, len(records(flags))


def nightly(args: argparse.Namespace, config: RuleConfig) -> tuple[float, pl.DataFrame]:
    """(1): seconds per athlete on the vectorised path, and the sample's activities."""
    gen = run = cpu = 0.0
    n_days = n_flags = n_acts = 0
    sample: pl.DataFrame | None = None
    for lo in range(0, args.athletes, args.chunk):
        n = min(args.chunk, args.athletes - lo)
        t = time.perf_counter()
        acts = synthetic(lo, n, args.years, seed=lo)
        gen += time.perf_counter() - t
        n_acts += acts.height
        if sample is None:
            sample = acts.filter(pl.col("athlete") < args.sample)
        acts = acts.drop("athlete").insert_column(0, acts["athlete"])
        t, c = time.perf_counter(), time.process_time()
        d, f = full_vectorised(acts, config)
        run += time.perf_counter() - t
        cpu += time.process_time() - c
        n_days += d
        n_flags += f
    assert sample is not None
    per = run / args.athletes
    print(
        f"synthetic: {args.athletes} athletes x {args.years} years: {n_acts:,} activities, "
        f"{n_days:,} athlete-days, {n_flags:,} flags (generation {gen:.1f} s, not counted)"
    )
    print(
        f"(1) nightly, vectorised per chunk of {args.chunk}: {run:.1f} s total, "
        f"{per * 1000:.2f} ms per athlete (CPU {cpu:.1f} s over all threads)"
    )
    how = "measured" if args.athletes >= NIGHTLY_ATHLETES else f"extrapolated from {args.athletes}"
    total = per * NIGHTLY_ATHLETES if args.athletes < NIGHTLY_ATHLETES else run
    verdict = "met" if total < NIGHTLY_TARGET_S else "NOT met"
    print(
        f"    {NIGHTLY_ATHLETES:,} athletes x {args.years} years: {total:.0f} s ({how}); "
        f"target < {NIGHTLY_TARGET_S:.0f} s: {verdict}"
    )
    return per, sample


def per_athlete(sample: pl.DataFrame, config: RuleConfig, vectorised: float) -> float:
    """(2) and (4): the pure per-athlete paths, full and incremental."""
    groups = {
        k[0]: g.drop("athlete") for k, g in sample.partition_by("athlete", as_dict=True).items()
    }
    t, c = time.perf_counter(), time.process_time()
    loop_flags = 0
    for a in groups.values():
        daily = daily_frame(a, tz="UTC", fast_speed_mps=None)
        load_frame(daily)
        loop_flags += len(evaluate(daily, config))
        judgements(daily, config)
    loop = (time.perf_counter() - t) / len(groups)
    loop_cpu = (time.process_time() - c) / len(groups)
    print(
        f"(2) nightly, one athlete at a time ({len(groups)} athletes): {loop * 1000:.1f} ms per "
        f"athlete (CPU {loop_cpu * 1000:.1f} ms) -> {loop * NIGHTLY_ATHLETES:.0f} s for "
        f"{NIGHTLY_ATHLETES:,}; "
        f"vectorised (1) is {loop / vectorised:.1f}x faster"
    )
    panel = daily_panel(sample, key="athlete", tz="UTC", fast_speed_mps=None)
    same = len(records(flag_panel(panel, config, key="athlete")))
    print(f"    check: flags on the sample, one at a time {loop_flags}, vectorised {same}")

    # One new run the day after each athlete's last day, then evaluate from that day only.
    t_inc = c_inc = 0.0
    inc_flags = 0
    for a in groups.values():
        last = a.sort("start_time").tail(1)
        new = last.with_columns(
            (pl.col("start_time") + timedelta(days=1)),
            (pl.col("distance_m") * 1.5),
            (pl.col("activity_id") + 1),
        )
        with_new = pl.concat([a, new])
        day = (new["start_time"][0]).date()
        t, c = time.perf_counter(), time.process_time()
        daily = daily_frame(with_new, tz="UTC", fast_speed_mps=None)
        inc_flags += len(evaluate(daily, config, since=day))
        t_inc += time.perf_counter() - t
        c_inc += time.process_time() - c
    inc = t_inc / len(groups)
    print(
        f"(4) incremental, pure (daily frame + evaluate since the new run's day), "
        f"{len(groups)} athletes: {inc * 1000:.1f} ms per athlete (CPU "
        f"{c_inc / len(groups) * 1000:.1f} ms; {inc_flags} new flags); "
        f"target < {INCREMENTAL_TARGET_MS:.0f} ms; (2) is {loop / inc:.1f}x that"
    )
    return loop


def service(args: argparse.Namespace, vectorised: float) -> None:
    """(3) and (5): through the store and ``evaluate_athlete``."""
    days = 365 * args.years + args.years // 4
    start = datetime.now(UTC).date() - timedelta(days=days)
    acts = synthetic(0, args.store, args.years, seed=7, start=start, days=days)
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Settings(data_dir=Path(tmp) / "data", database_url=None))
        try:
            with store.transaction() as s:
                ids = write_athletes(s, acts)
            t, c = time.perf_counter(), time.process_time()
            for aid in ids:
                evaluate_athlete(store, aid)
            full = (time.perf_counter() - t) / len(ids)
            full_cpu = (time.process_time() - c) / len(ids)
            print(
                f"(3) nightly, service path: evaluate_athlete on {len(ids)} athletes x "
                f"{args.years} years (SQLite): {full * 1000:.1f} ms per athlete (CPU "
                f"{full_cpu * 1000:.1f} ms) -> "
                f"{full * NIGHTLY_ATHLETES:.0f} s for {NIGHTLY_ATHLETES:,}; vectorised (1) is "
                f"{full / vectorised:.1f}x faster"
            )
            # This morning's run, a longer one, appended to each history (ends yesterday).
            when = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=1)
            with store.sessions() as s:
                files = {aid: file_store.list_files(s, aid)[0][0].id for aid in ids}
            t_inc = c_inc = 0.0
            new_flags = 0
            for aid, key in zip(ids, sorted(acts["athlete"].unique().to_list()), strict=True):
                mine = acts.filter(pl.col("athlete") == key).drop("athlete")
                new = mine.tail(1).with_columns(
                    pl.lit(when).cast(pl.Datetime("us", "UTC")).alias("start_time"),
                    pl.col("distance_m") * 1.5,
                )
                with store.transaction() as s:
                    activity_store.add_activities(
                        s, activity_rows(aid, files[aid], new, first=mine.height)
                    )
                t, c = time.perf_counter(), time.process_time()
                new_flags += len(evaluate_athlete(store, aid, from_date=when.date()).new_flag_ids)
                t_inc += time.perf_counter() - t
                c_inc += time.process_time() - c
            inc = t_inc / len(ids)
            verdict = "met" if inc * 1000 < INCREMENTAL_TARGET_MS else "NOT met"
            print(
                f"(5) incremental, service path: one new run, evaluate_athlete(from_date=its "
                f"day), {len(ids)} athletes: {inc * 1000:.1f} ms per athlete (CPU "
                f"{c_inc / len(ids) * 1000:.1f} ms; {new_flags} new flags); "
                f"target < {INCREMENTAL_TARGET_MS:.0f} ms: {verdict}; (3) is "
                f"{full / inc:.1f}x that"
            )
        finally:
            store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--athletes", type=int, default=NIGHTLY_ATHLETES)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--sample", type=int, default=200, help="athletes for the per-athlete loop")
    ap.add_argument("--store", type=int, default=20, help="athletes for the service path")
    args = ap.parse_args()
    config = RuleConfig()
    vectorised, sample = nightly(args, config)
    per_athlete(sample, config, vectorised)
    service(args, vectorised)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
