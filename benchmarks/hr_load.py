"""Heart-rate load (docs/hr-load.md): what TRIMP costs, against baselines measured in the same
run.

* ``import``: the per-activity histogram (``ingest.summary.hrload.hr_time_histogram``) on a
  2 h 1 Hz stream, against the whole summary of a real corpus run with heart rate
  (``summarise.summarize``), best of N: the share an import pays;
* ``settings``: a coach changes the heart rates: every activity's TRIMP from the kept
  histograms (one matrix product), against computing it from N activities' 1 h streams
  sample by sample with numpy (what a design without the histogram would do, before even
  reading the streams from disk);
* ``fitness``: fitness / fatigue / form over ten years of days, against the existing load
  series (``analytics.load.load_frame``) on the same days.

    .venv/bin/python benchmarks/hr_load.py [--activities 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.fitness import daily_impulses, fitness_frame
from loadwatch.analytics.load import load_frame
from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA
from loadwatch.analytics.trimp import profile, trimp
from loadwatch.ingest.formats.fit import decode
from loadwatch.ingest.summary.hrload import hr_time_histogram
from loadwatch.ingest.summary.summarise import summarize

CORPUS_RUN = Path(__file__).resolve().parents[2] / "shared/corpus/fit/gc_Fr955v19.28andStryd.fit"


def best(fn: Callable[[], object], repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def bench_import(repeat: int) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(7200, dtype=np.float64)
    hr = np.clip(140 + 15 * np.sin(t / 300) + rng.normal(0, 3, t.size), 60, 200).round()
    hist = best(lambda: hr_time_histogram(t, hr), repeat)
    if CORPUS_RUN.exists():
        (track,) = decode(CORPUS_RUN.read_bytes(), CORPUS_RUN.name)
        whole = best(lambda: summarize(track, source_sha256="x"), repeat)
        print(
            f"import: histogram of 7200 samples {hist * 1e3:.2f} ms; whole summary of a "
            f"{track.samples.height}-sample corpus run {whole * 1e3:.1f} ms "
            f"(histogram / summary = {hist / whole:.3f})"
        )
    else:
        print(f"import: histogram of 7200 samples {hist * 1e3:.2f} ms (no corpus: no baseline)")


def bench_settings(n: int, repeat: int) -> None:
    rng = np.random.default_rng(2)
    streams = [np.clip(rng.normal(145, 12, 3600), 60, 200).round() for _ in range(min(n, 2000))]
    t = np.arange(3600, dtype=np.float64)
    hists = [hr_time_histogram(t, s) for s in streams]
    hists = (hists * (n // len(hists) + 1))[:n]
    prof = profile(rest_bpm=50, max_bpm=190, sex="male", peak_bpm=None)
    assert prof is not None

    def from_streams() -> float:
        total = 0.0
        for s in (streams * (n // len(streams) + 1))[:n]:
            dt, h = np.diff(t), s[:-1]
            x = np.clip((h - 50) / 140, 0.0, 1.0)
            total += float(np.sum(dt / 60 * x * 0.64 * np.exp(1.92 * x)))
        return total

    kept = best(lambda: trimp(hists, prof), repeat)
    raw = best(from_streams, max(1, repeat // 2))
    print(
        f"settings: TRIMP of {n} activities from histograms {kept * 1e3:.1f} ms; from 1 h "
        f"streams {raw * 1e3:.1f} ms (streams / histograms = {raw / kept:.1f}x)"
    )


def bench_fitness(repeat: int) -> None:
    first = date(2016, 1, 1)
    days = 3650
    starts = [first + timedelta(days=i) for i in range(days) if i % 7 not in (0, 4)]
    acts = pl.DataFrame(
        {
            "activity_id": list(range(1, len(starts) + 1)),
            "start_time": [f"{d.isoformat()}T07:00:00Z" for d in starts],
            "utc_offset_s": [0] * len(starts),
            "sport": ["running"] * len(starts),
            "distance_m": [10000.0] * len(starts),
            "moving_time_s": [3300.0] * len(starts),
            "hr_load": [80.0 + (i % 9) * 10 for i in range(len(starts))],
        }
    ).with_columns(pl.col("start_time").str.to_datetime(time_zone="UTC", time_unit="us"))
    acts = (
        acts.with_columns(
            pl.lit(None, dtype=t).alias(c)
            for c, t in ACTIVITY_FRAME_SCHEMA.items()
            if c not in acts.columns
        )
        .select(list(ACTIVITY_FRAME_SCHEMA))
        .cast(ACTIVITY_FRAME_SCHEMA)
    )  # type: ignore[arg-type]
    last = first + timedelta(days=days - 1)
    daily = daily_frame(acts, tz="UTC", fast_speed_mps=None, end=last)

    def fit() -> object:
        impulses, _ = daily_impulses(acts, tz="UTC", first=first, last=last)
        return fitness_frame(impulses)

    f = best(fit, repeat)
    base = best(lambda: load_frame(daily), repeat)
    print(
        f"fitness: {days} days, {len(starts)} activities {f * 1e3:.1f} ms; load series on the "
        f"same days {base * 1e3:.1f} ms (fitness / load = {f / base:.2f})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--activities", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    bench_import(args.repeat)
    bench_settings(args.activities, args.repeat)
    bench_fitness(args.repeat)


if __name__ == "__main__":
    main()
