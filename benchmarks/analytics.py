"""Benchmark: daily → load → rules for many synthetic athletes.

    .venv/bin/python benchmarks/analytics.py [--athletes 10000] [--years 3] [--chunk 500]
                                             [--sample 200]

1. Full evaluation, vectorised across athletes: activities of ``--chunk`` athletes at a time →
   ``daily_panel`` → ``load_panel`` → ``flag_panel`` → messages.  Total and per-athlete time.
2. The same pipeline one athlete at a time (``daily_frame`` → ``load_frame`` → ``evaluate``) on
   ``--sample`` athletes: the per-athlete loop cost, and its ratio to (1).
3. Incremental after one new run (what the service does after an import): rebuild that
   athlete's daily frame, ``evaluate(since=that day)``, on the same sample; ratio to (2).

The synthetic athletes are seeded numpy draws: a weekly volume of 15–90 km, 3–6 runs a week,
a long run, ±15 % noise per week, a slow build, a few breaks and jumps; climbing and fast km
in proportion.  Activities carry a stored ``fast_distance_m`` (CSV-like rows, no speed
histograms: 7 M histograms of 200 floats would be 11 GB), so the fast-threshold recomputation
from histograms is not part of this measurement.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl

from loadwatch.analytics.daily import daily_frame, daily_panel
from loadwatch.analytics.load import load_frame, load_panel
from loadwatch.rules import RuleConfig, evaluate
from loadwatch.rules.engine import flag_panel, records

START = date(2023, 1, 2)  # a Monday


def synthetic(first_id: int, n: int, years: int, seed: int) -> pl.DataFrame:
    """Activities of athletes ``first_id .. first_id+n-1`` (``athlete`` + ACTIVITY schema)."""
    rng = np.random.default_rng(seed)
    n_days = 365 * years + years // 4
    n_weeks = n_days // 7 + 1
    days = np.arange(n_days)
    weekday = days % 7
    base = rng.uniform(15, 90, n)[:, None]
    build = 1 + rng.uniform(-0.1, 0.5, n)[:, None] * np.linspace(0, 1, n_weeks)[None, :]
    noise = rng.uniform(0.85, 1.15, (n, n_weeks))
    jumps = np.where(rng.random((n, n_weeks)) < 0.03, rng.uniform(1.3, 2.0, (n, n_weeks)), 1.0)
    breaks = rng.random((n, n_weeks)) < 0.01
    breaks = breaks | np.roll(breaks, 1, axis=1) | np.roll(breaks, 2, axis=1)  # 3-week breaks
    week_km = base * build * noise * jumps * ~breaks
    runs_per_week = rng.integers(3, 7, n)
    # Run days: a random subset of weekdays per athlete, Sunday always (the long run).
    scores = rng.random((n, 7))
    scores[:, 6] = 2.0
    rank = np.argsort(np.argsort(-scores, axis=1), axis=1)
    run_day = rank < runs_per_week[:, None]
    share = np.where(run_day, 1.0, 0.0)
    share[:, 6] = 2.0  # long run = twice a normal run
    share /= share.sum(axis=1, keepdims=True)
    km = week_km[:, days // 7] * share[:, weekday] * rng.uniform(0.9, 1.1, (n, n_days))
    ath, day = np.nonzero(km > 0.5)
    dist = km[ath, day]
    k = len(dist)
    climb = dist * rng.uniform(2, 25, n)[ath] * rng.uniform(0.5, 1.5, k)
    # Fast km on the athlete's one or two quality days (their first run days of the week).
    quality = (rank[ath, weekday[day]] >= 1) & (
        rank[ath, weekday[day]] <= rng.integers(1, 3, n)[ath]
    )
    fast = dist * rng.uniform(0.15, 0.4, n)[ath] * quality * rng.uniform(0.8, 1.2, k)
    t0 = datetime.combine(START, datetime.min.time(), tzinfo=UTC)
    start = np.datetime64(t0.replace(tzinfo=None), "us") + (
        day * 86400 + rng.integers(5 * 3600, 20 * 3600, k)
    ).astype("timedelta64[s]")
    pace = rng.uniform(270, 400, n)[ath]
    return pl.DataFrame(
        {
            "athlete": (ath + first_id).astype(np.int64),
            "activity_id": np.arange(k, dtype=np.int64),
            "start_time": start,
            "utc_offset_s": np.zeros(k, dtype=np.int32),
            "sport": np.where(rng.random(k) < 0.05, "cycling", "running"),
            "distance_m": dist * 1000,
            "moving_time_s": dist * pace,
            "elevation_gain_m": climb,
            "elevation_loss_m": climb,
            "gap_distance_m": dist * 1000 + 8 * climb,
            "uphill_distance_m": climb * 10,
            "downhill_distance_m": climb * 10,
            "fast_distance_m": fast * 1000,
            "speed_hist_m": pl.Series([None] * k, dtype=pl.List(pl.Float64)),
        }
    ).with_columns(pl.col("start_time").dt.replace_time_zone("UTC").cast(pl.Datetime("us", "UTC")))


def full_vectorised(acts: pl.DataFrame, config: RuleConfig) -> tuple[int, int]:
    daily = daily_panel(acts, key="athlete", tz="UTC", fast_speed_mps=None)
    load_panel(daily, key="athlete")
    flags = flag_panel(daily, config, key="athlete")
    return daily.height, len(records(flags))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--athletes", type=int, default=10_000)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--chunk", type=int, default=500)
    ap.add_argument("--sample", type=int, default=200)
    args = ap.parse_args()
    config = RuleConfig()

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
    print(
        f"synthetic: {args.athletes} athletes x {args.years} years: {n_acts:,} activities, "
        f"{n_days:,} athlete-days, {n_flags:,} flags (generation {gen:.1f} s, not counted)"
    )
    print(
        f"full, vectorised per chunk of {args.chunk}: {run:.1f} s total, "
        f"{run / args.athletes * 1000:.2f} ms per athlete (CPU {cpu:.1f} s over all threads)"
    )

    assert sample is not None
    groups = sample.partition_by("athlete", as_dict=True)
    per_athlete = {k[0]: g.drop("athlete") for k, g in groups.items()}
    t = time.perf_counter()
    loop_flags = 0
    for a in per_athlete.values():
        daily = daily_frame(a, tz="UTC", fast_speed_mps=None)
        load_frame(daily)
        loop_flags += len(evaluate(daily, config))
    loop = (time.perf_counter() - t) / len(per_athlete)
    print(
        f"full, one athlete at a time ({len(per_athlete)} athletes): {loop * 1000:.1f} ms per "
        f"athlete -> {loop * args.athletes:.0f} s for {args.athletes}; "
        f"vectorised is {loop / (run / args.athletes):.1f}x faster"
    )

    # One new run the day after each athlete's last day, then evaluate from that day only.
    t_inc = 0.0
    inc_flags = 0
    for a in per_athlete.values():
        last = a.sort("start_time").tail(1)
        new = last.with_columns(
            (pl.col("start_time") + timedelta(days=1)),
            (pl.col("distance_m") * 1.5),
            (pl.col("activity_id") + 1),
        )
        with_new = pl.concat([a, new])
        day = (new["start_time"][0]).date()
        t = time.perf_counter()
        daily = daily_frame(with_new, tz="UTC", fast_speed_mps=None)
        inc_flags += len(evaluate(daily, config, since=day))
        t_inc += time.perf_counter() - t
    inc = t_inc / len(per_athlete)
    print(
        f"incremental after one new run (daily frame + evaluate since that day), "
        f"{len(per_athlete)} athletes: {inc * 1000:.1f} ms per athlete "
        f"({inc_flags} new flags); full per-athlete evaluation is {loop / inc:.1f}x that"
    )
    panel = daily_panel(sample, key="athlete", tz="UTC", fast_speed_mps=None)
    same = len(records(flag_panel(panel, config, key="athlete")))
    print(f"check: flags on the sample, one at a time {loop_flags}, vectorised {same}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
