"""The fast threshold: what "fast" means for *this* runner.

Rule (source ``"derived"``): pool the speed histograms of the athlete's runs that started in
the 90 days up to ``today`` (UTC day bounds; running sports only); the distance-weighted
median running speed is the speed below which half of those kilometres were run (linear
inside the 0.05 m/s bin).
Fast = ``FAST_FACTOR`` (1.15) × that median, i.e. 15 % quicker than their typical running:
for a runner whose typical pace is 5:36/km that is quicker than 4:52/km.  Intervals, tempo
runs and the end of races count; easy running, warm-ups and strides mostly do not.

It needs at least ``MIN_RUNS`` (5) runs with a histogram and ``MIN_KM`` (20 km) of them in
the window; otherwise the ``DEFAULT_SPEED_MPS`` (1000/300 m/s = 5:00/km) is used, source
``"default"``.  A speed the coach set always wins (source ``"coach"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import numpy as np
import polars as pl

from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA, validate
from loadwatch.errors import InvalidRequest
from loadwatch.ingest.activity import SPEED_BIN_MPS
from loadwatch.ingest.track import RUNNING_SPORTS

WINDOW_DAYS = 90
FAST_FACTOR = 1.15
MIN_RUNS = 5
MIN_KM = 20.0
DEFAULT_SPEED_MPS = 1000.0 / 300.0


@dataclass(frozen=True, slots=True)
class FastThreshold:
    speed_mps: float
    source: Literal["coach", "derived", "default"]
    explanation: str


def pace(speed_mps: float) -> str:
    """m/s → 'm:ss/km'."""
    s = round(1000.0 / speed_mps)
    return f"{s // 60}:{s % 60:02d}/km"


def median_speed(hist: np.ndarray) -> float:
    """Distance-weighted median of a speed histogram (bins of ``SPEED_BIN_MPS``)."""
    cum = np.cumsum(hist)
    half = cum[-1] / 2.0
    i = int(np.searchsorted(cum, half))  # first bin whose cumulative distance reaches half
    below = cum[i - 1] if i > 0 else 0.0
    frac = (half - below) / hist[i] if hist[i] > 0 else 0.0
    return float((i + frac) * SPEED_BIN_MPS)


def fast_threshold(
    activities: pl.DataFrame, *, coach_speed_mps: float | None, today: date
) -> FastThreshold:
    if coach_speed_mps is not None:
        if not coach_speed_mps > 0:
            raise InvalidRequest(f"fast threshold must be a positive speed, got {coach_speed_mps}")
        return FastThreshold(
            coach_speed_mps,
            "coach",
            f"fast = quicker than {pace(coach_speed_mps)}: set by your coach",
        )
    validate(activities, ACTIVITY_FRAME_SCHEMA, "activities")
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    start = end - timedelta(days=WINDOW_DAYS)
    runs = activities.filter(
        pl.col("sport").is_in(list(RUNNING_SPORTS))
        & pl.col("speed_hist_m").is_not_null()
        & pl.col("start_time").is_between(start, end, closed="left")
    ).select(
        pl.col("speed_hist_m").list.eval(pl.int_range(pl.len())).alias("bin"),
        pl.col("speed_hist_m").alias("m"),
    )
    n = runs.height
    bins = runs.explode(["bin", "m"]).drop_nulls()
    hist = np.bincount(
        bins["bin"].to_numpy().astype(np.int64),
        weights=bins["m"].to_numpy().astype(np.float64),
        minlength=1,
    )
    km = float(hist.sum()) / 1000.0
    if n < MIN_RUNS or km < MIN_KM:
        return FastThreshold(
            DEFAULT_SPEED_MPS,
            "default",
            f"fast = quicker than {pace(DEFAULT_SPEED_MPS)}: the default, until there are "
            f"{MIN_RUNS} runs and {MIN_KM:.0f} km with speed data in the last {WINDOW_DAYS} days "
            f"(now {n} runs, {km:.1f} km)",
        )
    typical = median_speed(hist)
    speed = typical * FAST_FACTOR
    return FastThreshold(
        speed,
        "derived",
        f"fast = quicker than {pace(speed)}: {FAST_FACTOR * 100 - 100:.0f} % quicker than your "
        f"typical {pace(typical)} over the last {WINDOW_DAYS} days",
    )
