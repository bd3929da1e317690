"""Planned runs as the rules read them (docs/planning.md): the named session types and the
daily rows a plan adds on top of the real history.  Pure.

A planned run gives distance, and optionally fast km and metres climbed; a named type fills
what is not given:

* ``easy`` and ``long``: no fast running, flat;
* ``intervals``: ``INTERVALS_FAST_SHARE`` of the distance run fast (a 10 km session holds
  about 4 km of reps);
* ``hills``: ``HILLS_CLIMB_M_PER_KM`` metres climbed per km (a 10 km hill session, 250 m).

Uphill km (grade >= +3 %) are not planned by anyone: they are estimated from the climb the
way the athlete's own logged runs count them, the uphill km per metre climbed of their running
in the ``UPHILL_LOOKBACK_DAYS`` before the first planned run (a CSV log's rows carry climbing
but no uphill km, so its runs count none, and neither do its plans; a GPS track counts its
terrain); without climbing on record, at a mean uphill grade of ``UPHILL_GRADE`` (6 %).  At
most half the run (what goes up comes down).
A planned run has no pace: the rehab pace floor is not judged before the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

import polars as pl

from loadwatch.analytics.day_exprs import week_start_expr
from loadwatch.analytics.schema import DAILY_SCHEMA

Kind = Literal["easy", "long", "intervals", "hills"]
KINDS: Final[tuple[Kind, ...]] = ("easy", "long", "intervals", "hills")
INTERVALS_FAST_SHARE: Final = 0.4
HILLS_CLIMB_M_PER_KM: Final = 25.0
UPHILL_GRADE: Final = 0.06
UPHILL_LOOKBACK_DAYS: Final = 90
LABELS: Final[dict[str | None, str]] = {
    "easy": "easy run",
    "long": "long run",
    "intervals": "interval session",
    "hills": "hill session",
    None: "run",
}


def defaults(kind: str | None, distance_km: float) -> tuple[float, float]:
    """(fast km, metres climbed) a named type stands for over ``distance_km``."""
    if kind == "intervals":
        return round(distance_km * INTERVALS_FAST_SHARE, 1), 0.0
    if kind == "hills":
        return 0.0, round(distance_km * HILLS_CLIMB_M_PER_KM)
    return 0.0, 0.0


@dataclass(frozen=True, slots=True)
class PlannedRun:
    date: date
    distance_km: float
    fast_km: float = 0.0
    climb_m: float = 0.0
    kind: str | None = None
    key: int | None = None  # the stored session's id; None for a proposal

    def scaled(self, share: float) -> PlannedRun:
        return PlannedRun(
            self.date,
            round(self.distance_km * share, 3),
            round(self.fast_km * share, 3),
            round(self.climb_m * share, 1),
            self.kind,
            self.key,
        )

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, "run")


def uphill_km(distance_km: float, climb_m: float, km_per_m: float | None = None) -> float:
    """The uphill km of a planned run: ``km_per_m`` (``uphill_per_metre``) of its climb, or
    at the ``UPHILL_GRADE`` estimate; at most half the run."""
    rate = 1.0 / (1000.0 * UPHILL_GRADE) if km_per_m is None else km_per_m
    return min(climb_m * rate, distance_km / 2.0)


def uphill_per_metre(daily: pl.DataFrame, before: date) -> float | None:
    """Uphill km per metre climbed in the running of the ``UPHILL_LOOKBACK_DAYS`` before
    ``before`` (None: no climbing on record to read it from)."""
    if daily.is_empty():
        return None
    recent = daily.filter(
        (pl.col("date") < before)
        & (pl.col("date") >= before - timedelta(days=UPHILL_LOOKBACK_DAYS))
    )
    climb = float(recent["elevation_gain_m"].sum())
    if climb <= 0:
        return None
    return float(recent["uphill_km"].sum()) / climb


_SUMS = {
    "distance_km": "distance_km",
    "gap_distance_km": "distance_km",
    "elevation_gain_m": "climb_m",
    "uphill_km": "uphill_km",
    "downhill_km": "uphill_km",
    "fast_km": "fast_km",
}
_MAXES = {
    "longest_run_km": "distance_km",
    "max_climb_m": "climb_m",
    "max_fast_km": "fast_km",
    "max_uphill_km": "uphill_km",
}


def with_runs(daily: pl.DataFrame, runs: Sequence[PlannedRun]) -> pl.DataFrame:
    """``daily`` (``DAILY_SCHEMA``) with ``runs`` added as if run: rest days up to the last
    one, each planned run summed into its day as a run of its own (its distance the longest
    single run, its fast km and climb that run's).  Paces stay those of the real running (a
    planned run has none); the fast threshold carries on from the last real day."""
    if not runs:
        return daily
    rate = uphill_per_metre(daily, min(r.date for r in runs))
    planned = (
        pl.DataFrame(
            {
                "date": [r.date for r in runs],
                "distance_km": [float(r.distance_km) for r in runs],
                "fast_km": [float(r.fast_km) for r in runs],
                "climb_m": [float(r.climb_m) for r in runs],
                "uphill_km": [uphill_km(r.distance_km, r.climb_m, rate) for r in runs],
            },
            schema={
                "date": pl.Date(),
                "distance_km": pl.Float64(),
                "fast_km": pl.Float64(),
                "climb_m": pl.Float64(),
                "uphill_km": pl.Float64(),
            },
        )
        .group_by("date")
        .agg(
            pl.len().cast(pl.Int32).alias("_p_runs"),
            *[pl.col(c).sum().alias(f"_p_sum_{c}") for c in set(_SUMS.values())],
            *[pl.col(c).max().alias(f"_p_max_{c}") for c in set(_MAXES.values())],
        )
    )
    first: date = min(r.date for r in runs)
    last: date = max(r.date for r in runs)
    if not daily.is_empty():
        d0, d1 = daily["date"][0], daily["date"][-1]
        assert isinstance(d0, date) and isinstance(d1, date)
        first, last = min(first, d0), max(last, d1)
    calendar = pl.DataFrame(
        {"date": pl.date_range(first, last, timedelta(days=1), eager=True)},
        schema={"date": pl.Date()},
    )
    zero = [
        c
        for c, t in DAILY_SCHEMA.items()
        if c not in ("date", "week_start", "pace_s_per_km", "gap_pace_s_per_km")
        and c != "fast_threshold_mps"
    ]
    out = (
        calendar.join(daily, on="date", how="left")
        .join(planned, on="date", how="left")
        .with_columns(
            pl.col(zero).fill_null(0),
            pl.col("fast_threshold_mps").forward_fill(),
            week_start_expr(pl.col("date")).alias("week_start"),
        )
        .with_columns(
            (pl.col("runs") + pl.col("_p_runs").fill_null(0)).cast(pl.Int32).alias("runs"),
            *[
                (pl.col(c) + pl.col(f"_p_sum_{src}").fill_null(0.0)).alias(c)
                for c, src in _SUMS.items()
            ],
            *[
                pl.max_horizontal(pl.col(c), pl.col(f"_p_max_{src}").fill_null(0.0)).alias(c)
                for c, src in _MAXES.items()
            ],
        )
        .select([pl.col(c).cast(t) for c, t in DAILY_SCHEMA.items()])
        .sort("date")
    )
    return out
