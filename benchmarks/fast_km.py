"""Fast km (docs/fast.md): what the sustained-speed model costs and what it counts, on 1 Hz
GPX runs with GPS wander, jitter and altitude noise (tests/noisy_runs.py), through the real
decode + summary (``ingest.analysis.analyse``):

* ``cost``: the per-activity work the model adds (smoothed positions, their 10 s speed, the
  sustained speed, two histograms) on a 2 h 1 Hz run, best of 50;
* ``easy``: 6 km easy runs at 5:30/km against the 5:00/km default threshold, N seeds: the
  fast metres per run (the issue: noise must never count);
* ``reps``: 6 x 800 m at 10 % quicker than a 4:43/km threshold with 90 s jogs, N seeds: the
  fast km (4.8 true).

    .venv/bin/python benchmarks/fast_km.py [--seeds 40]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import support.noisy_runs as nr
from loadwatch.ingest.analysis import analyse
from loadwatch.ingest.summary import motion, speed

T0 = datetime(2026, 8, 4, 7, tzinfo=UTC)
DEFAULT_MPS = 1000.0 / 300.0
REP_THRESHOLD_MPS = 1000.0 / 283.0  # 4:43/km, the threshold test_fast_km derives


def cost() -> None:
    n = 7200
    rng = np.random.default_rng(0)
    t = np.arange(n, dtype=np.float64)
    x = np.cumsum(np.full(n, 3.0)) + rng.normal(0.0, 1.0, n)
    y = rng.normal(0.0, 1.0, n)
    step = np.full(n, 3.0)
    step[0] = 0.0
    best = float("inf")
    for _ in range(50):
        t0 = time.perf_counter()
        smooth = speed.smoothed_path_steps(t, t, [x, y], step)
        v = motion.window_speed(t, [np.cumsum(smooth)], 10.0)
        sustained = speed.sustained_speed(t, v, smooth)
        speed.speed_histogram(step, sustained)
        speed.speed_histogram(step, v)
        best = min(best, time.perf_counter() - t0)
    print(f"cost: {best * 1e3:.2f} ms added per 2 h activity at 1 Hz ({n} samples), best of 50")


def fast_m(data: bytes, threshold: float) -> float:
    a = analyse(data, "run.gpx", sha256="x", fast_speed_mps=threshold).activities[0].summary
    assert a.fast_distance_m is not None
    return a.fast_distance_m


def easy(seeds: int) -> None:
    got = [fast_m(nr.gpx(nr.steady(6.0), T0, seed=s), DEFAULT_MPS) for s in range(seeds)]
    hit = [round(m) for m in got if m > 0]
    print(f"easy: {seeds} runs of 6 km at 5:30/km vs 5:00/km: {len(hit)} with fast metres {hit}")


def reps(seeds: int) -> None:
    session = nr.intervals(6, 800.0, 1.10 * REP_THRESHOLD_MPS, 90.0, 2.2, 2.0)
    km = np.array(
        [fast_m(nr.gpx(session, T0, seed=s), REP_THRESHOLD_MPS) / 1000 for s in range(seeds)]
    )
    print(
        f"reps: 6 x 800 m at +10 %, {seeds} seeds: fast km min {km.min():.3f} "
        f"median {np.median(km):.3f} max {km.max():.3f} (4.8 true)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40)
    args = ap.parse_args()
    cost()
    easy(args.seeds)
    reps(max(1, args.seeds // 4))


if __name__ == "__main__":
    main()
