"""Fitness, fatigue and form: Banister's impulse-response model (docs/hr-load.md).

Each day's training impulse ``w_t`` feeds two exponentially weighted loads, with time
constants of 42 days (fitness) and 7 days (fatigue)::

    L_t = L_{t-1} + k · (w_t − L_{t-1}),   k = 1 − e^(−1/τ),   L before the first day = 0

which is the closed form ``L_t = k · Σ_{i ≤ t} e^(−(t−i)/τ) · w_i`` (Banister 1975, in the
daily-load units of TrainingPeaks' CTL/ATL).  ``form = fitness − fatigue`` of the same day.
These describe performance readiness; they are not an injury-risk measure and no rule reads
them.

The impulse is the first of these the history has (``SOURCES``): the activities' TRIMP
(heart rate), else their session RPE load (sRPE = RPE × minutes, analytics/effort.py), else
running kilometres.  For TRIMP and sRPE an activity lacking the value is counted at the
athlete's median per minute times its duration, and counted as such.  Every sport
carries a heart-rate impulse; only running carries a distance one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl

from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA, validate
from loadwatch.analytics.windows import ewma
from loadwatch.ingest.sports import RUNNING_SPORTS

FITNESS_DAYS = 42
FATIGUE_DAYS = 7

FitnessSource = Literal["trimp", "srpe", "distance"]
# (source, per-activity column, whether an activity lacking it is counted from its duration).
SOURCES: tuple[tuple[FitnessSource, str, bool], ...] = (
    ("trimp", "hr_load", True),
    ("srpe", "srpe", True),
)

FITNESS_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "fitness_load": pl.Float64(),  # the day's impulse
    "fitness": pl.Float64(),
    "fatigue": pl.Float64(),
    "form": pl.Float64(),
}


@dataclass(frozen=True, slots=True)
class FitnessBasis:
    source: FitnessSource
    unit: str  # "TRIMP", "AU" (sRPE) or "km"
    imputed: int  # activities counted from their duration


UNITS: dict[FitnessSource, str] = {"trimp": "TRIMP", "srpe": "AU", "distance": "km"}


def rate(tau_days: float) -> float:
    """k = 1 − e^(−1/τ): the share of a day's impulse that enters the load that day."""
    return 1.0 - math.exp(-1.0 / tau_days)


def fitness_frame(impulses: pl.DataFrame, before: tuple[float, float] = (0.0, 0.0)) -> pl.DataFrame:
    """``date, fitness_load`` on consecutive days → ``FITNESS_SCHEMA``.  ``before``: fitness
    and fatigue on the day before the first row (0 before the athlete's first day; a stored
    day's values to continue from it, ``services/incremental.py``): one step a day
    (``analytics.windows.ewma``), so a continuation gives the bits the whole run gives."""
    frame = impulses.select(pl.col("date"), pl.col("fitness_load").cast(pl.Float64).fill_null(0.0))
    w = frame["fitness_load"].to_numpy()
    fitness = ewma(w, rate(FITNESS_DAYS), before[0])
    fatigue = ewma(w, rate(FATIGUE_DAYS), before[1])
    out = frame.with_columns(
        pl.Series("fitness", fitness),
        pl.Series("fatigue", fatigue),
        pl.Series("form", fitness - fatigue),
    )
    validate(out, FITNESS_SCHEMA, "fitness frame")
    return out


def _basis(activities: pl.DataFrame) -> tuple[FitnessSource, pl.Expr, bool]:
    for source, col, by_duration in SOURCES:
        if col in activities.columns and activities[col].drop_nulls().len() > 0:
            return source, pl.col(col), by_duration
    # Metres here, kilometres in ``_per_day`` (divided by numpy: polars plans ``x / 1000`` as
    # ``x * 0.001`` in some queries and not others, by their size).
    running = pl.col("sport").is_in(list(RUNNING_SPORTS))
    return "distance", pl.when(running).then(pl.col("distance_m")).otherwise(0.0), False


def daily_impulses(
    activities: pl.DataFrame,
    *,
    tz: str,
    first: date,
    last: date,
    srpe: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, FitnessBasis]:
    """Each local day's impulse over ``[first, last]`` (rest days 0) and what it is made of.
    ``srpe`` holds each activity's session RPE load (``activity_id``, ``srpe``; null without an
    RPE), the impulse when no activity has heart rate."""
    validate(activities, ACTIVITY_FRAME_SCHEMA, "activities")
    if srpe is not None:
        loads = srpe.select("activity_id", "srpe")
        activities = activities.join(loads, on="activity_id", how="left")
    source, value, by_duration = _basis(activities)
    acts = activities.with_columns(value.alias("_w"), local_day_expr(tz).alias("date"))
    imputed = 0
    if by_duration:
        minutes = pl.col("moving_time_s") / 60.0
        per_min = acts.filter(pl.col("_w").is_not_null() & (pl.col("moving_time_s") > 0)).select(
            (pl.col("_w") / minutes).median()
        )
        median = per_min.item() if per_min.height else None
        imputed = acts.filter(pl.col("_w").is_null() & (pl.col("moving_time_s") > 0)).height
        acts = acts.with_columns(pl.col("_w").fill_null(minutes * (median or 0.0)))
    per_day = _per_day(acts, first, last, 1000.0 if source == "distance" else None)
    return per_day, FitnessBasis(source, UNITS[source], imputed if by_duration else 0)


def _per_day(acts: pl.DataFrame, first: date, last: date, unit: float | None) -> pl.DataFrame:
    """``date, fitness_load`` over ``[first, last]``: each day's ``_w`` (divided by ``unit``)
    added first to last in start order (numpy's ``reduceat`` over each day's activities), null
    on a day without any, so that a day's impulse is the same bits whichever activities the
    frame holds besides (``services/incremental.py``); a polars group sum's order is not."""
    w = acts["_w"].fill_null(0.0).to_numpy().astype(np.float64)
    if unit is not None:
        w = w / unit
    out = _day_sums(acts["date"].to_list(), w, first, last)
    return pl.DataFrame(
        {
            "date": pl.date_range(first, last, "1d", eager=True),
            "fitness_load": pl.Series(out, nan_to_null=True),
        }
    )


def _day_sums(days: list[date], w: np.ndarray, first: date, last: date) -> np.ndarray:
    """Each day's ``w`` over ``[first, last]`` added first to last in the activities' order
    (``np.add.reduceat``), NaN on a day without any."""
    n = (last - first).days + 1
    at = np.array([(d - first).days for d in days], dtype=np.int64)
    keep = (at >= 0) & (at < n)
    at, w = at[keep], w[keep]
    order = np.argsort(at, kind="stable")
    at, w = at[order], w[order]
    out = np.full(n, np.nan)
    if at.size:
        starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
        out[at[starts]] = np.add.reduceat(w, starts)
    return out


def few_day_impulses(
    activities: pl.DataFrame, days: list[date], *, first: date, last: date
) -> tuple[np.ndarray, FitnessSource] | None:
    """``daily_impulses``' ``fitness_load`` over ``[first, last]`` (NaN: no activity that day)
    and its source, from ``activities`` (``ACTIVITY_FRAME_SCHEMA``, no session RPE) and their
    local ``days``, without a polars query: a change's few activities
    (``services/incremental.py``).  The same values in the same order, so the same bits.
    None when an activity without heart rate sits among some with it (``daily_impulses``
    imputes or counts it)."""
    hr = activities["hr_load"].to_list()
    if any(v is not None for v in hr):
        if any(v is None for v in hr):
            return None
        return _day_sums(days, np.array(hr, dtype=np.float64), first, last), "trimp"
    # ``_basis``' running metres (null: 0), then ``_per_day``'s division in numpy.
    sports, metres = activities["sport"].to_list(), activities["distance_m"].to_list()
    running = [s in RUNNING_SPORTS and m is not None for s, m in zip(sports, metres, strict=True)]
    w = np.array([m if r else 0.0 for r, m in zip(running, metres, strict=True)], np.float64)
    return _day_sums(days, w / 1000.0, first, last), "distance"


def fitness_columns(load: np.ndarray, before: tuple[float, float]) -> dict[str, np.ndarray]:
    """``fitness_frame``'s columns but the date from the days' impulses (``fitness_load``,
    NaN: none, counted 0), in numpy."""
    w = np.where(np.isnan(load), 0.0, load)
    fitness = ewma(w, rate(FITNESS_DAYS), before[0])
    fatigue = ewma(w, rate(FATIGUE_DAYS), before[1])
    return {"fitness_load": w, "fitness": fitness, "fatigue": fatigue, "form": fitness - fatigue}
