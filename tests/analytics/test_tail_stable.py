"""Every per-day column is tail-stable: a day's value computed from a later start (a change's
tail on top of stored rows, ``services/incremental.py``) is the same bits as computed from the
athlete's first day.  Fractional metres, so that every sum and division rounds."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

import numpy as np
import polars as pl
import pytest

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.days import week_start
from loadwatch.analytics.effort import effort_windows
from loadwatch.analytics.fast import threshold_frame
from loadwatch.analytics.fitness import daily_impulses, fitness_frame
from loadwatch.analytics.load import Carried, load_frame, load_rows
from loadwatch.analytics.weekly import weekly_frame
from support.activity_builder import activity, frame, speed_hist

FIRST = date(2024, 1, 1)
DAYS = 400
LAST = FIRST + timedelta(days=DAYS - 1)


def _history(seed: int) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for d in range(DAYS):
        for i in range(rng.choice([1, 2] if d == 0 else [0, 1, 1, 1, 2, 3])):  # from day 0
            km = rng.uniform(2.0, 30.0)
            hist = speed_hist({2.7: km * 650.0, 3.2 + rng.random(): km * 350.0})
            rows.append(
                activity(
                    FIRST + timedelta(days=d),
                    km,
                    climb_m=rng.uniform(0.0, 700.0),
                    sport=rng.choice(["running", "running", "trail_running", "cycling"]),
                    local_time=time(6 + 5 * i, rng.randrange(60)),
                    uphill_km=km * rng.uniform(0.0, 0.3),
                    sustained_hist=hist,
                    flat_hist=hist,
                )
            )
    return frame(rows)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_day_column_is_the_same_bits_from_any_start(seed: int) -> None:
    acts = _history(seed)
    thresholds = threshold_frame(acts, tz="UTC", first=FIRST, last=LAST, coach_speed_mps=None)
    daily = daily_frame(acts, tz="UTC", fast_speed_mps=thresholds, end=LAST)
    load = load_frame(daily)
    impulses, _ = daily_impulses(acts, tz="UTC", first=FIRST, last=LAST)
    fit = fitness_frame(impulses)
    rated = daily.select("date", pl.col("distance_km").alias("srpe"), "runs").rename(
        {"runs": "srpe_sessions"}
    )
    effort = effort_windows(rated, 0)
    weeks = weekly_frame(daily)
    local = acts["start_time"].dt.date()
    # The last days too: a change on today or a few days back takes the few-row paths
    # (``analytics.windows``' scalar sums, ``schema.few_rows``), which must give these bits.
    for k in [*random.Random(seed).sample(range(40, DAYS), 12), DAYS - 1, DAYS - 3, DAYS - 8]:
        day = FIRST + timedelta(days=k)
        later = acts.filter(local >= day)
        part = threshold_frame(acts, tz="UTC", first=day, last=LAST, coach_speed_mps=None)
        assert part.equals(thresholds.slice(k))
        tail = daily_frame(later, tz="UTC", fast_speed_mps=part, end=LAST, start=day)
        # (No activity from the day on: no frame, and the incremental path takes the full.)
        assert tail.equals(daily.slice(k)) or later.is_empty()
        assert load_rows(daily, k, Carried.stored(load.row(k - 1, named=True))).equals(
            load.slice(k)
        )
        imp, _ = daily_impulses(later, tz="UTC", first=day, last=LAST)
        assert imp.equals(impulses.slice(k))
        before = (fit["fitness"][k - 1], fit["fatigue"][k - 1])
        assert fitness_frame(imp, before).equals(fit.slice(k))
        assert effort_windows(rated, k).equals(effort.slice(k))
        monday = week_start(day)
        again = weekly_frame(daily.filter(pl.col("date") >= monday))
        assert again.equals(weeks.filter(pl.col("week_start") >= monday))
    assert np.isfinite(load["distance_acute_ewma"].to_numpy()).all()
