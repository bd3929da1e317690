"""Daily frame → one row per local ISO week (Monday start): sums, single-run maxima, runs."""

from __future__ import annotations

import polars as pl

from loadwatch.analytics.schema import DAILY_SCHEMA, WEEKLY_SCHEMA, validate

_SUMS = (
    "runs",
    "distance_km",
    "moving_time_s",
    "gap_distance_km",
    "elevation_gain_m",
    "uphill_km",
    "downhill_km",
    "fast_km",
    "other_sessions",
    "other_distance_km",
    "other_time_s",
)
_MAXIMA = ("longest_run_km", "max_climb_m", "max_fast_km", "max_uphill_km")


def weekly_frame(daily: pl.DataFrame) -> pl.DataFrame:
    """``DAILY_SCHEMA`` → ``WEEKLY_SCHEMA``.  Paces are distance-weighted over the week."""
    validate(daily, DAILY_SCHEMA, "daily frame")
    out = (
        daily.group_by("week_start")
        .agg(pl.len().alias("days"), pl.col(_SUMS).sum(), pl.col(_MAXIMA).max())
        .with_columns(
            pl.when(pl.col("distance_km") > 0)
            .then(pl.col("moving_time_s") / pl.col("distance_km"))
            .alias("pace_s_per_km"),
            pl.when(pl.col("gap_distance_km") > 0)
            .then(pl.col("moving_time_s") / pl.col("gap_distance_km"))
            .alias("gap_pace_s_per_km"),
        )
        .select([pl.col(c).cast(t) for c, t in WEEKLY_SCHEMA.items()])
        .sort("week_start")
    )
    validate(out, WEEKLY_SCHEMA, "weekly frame")
    return out
