"""Frames handed between store → analytics → rules, with their schemas checked at the seam."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

# One row per stored activity (or CSV-log row).  The store builds it; analytics reads it.
ACTIVITY_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "activity_id": pl.Int64(),
    "start_time": pl.Datetime("us", "UTC"),
    "utc_offset_s": pl.Int32(),  # null: use the athlete's time zone
    "sport": pl.Utf8(),
    "distance_m": pl.Float64(),
    "moving_time_s": pl.Float64(),
    "elevation_gain_m": pl.Float64(),
    "elevation_loss_m": pl.Float64(),
    "gap_distance_m": pl.Float64(),
    "uphill_distance_m": pl.Float64(),
    "downhill_distance_m": pl.Float64(),
    "fast_distance_m": pl.Float64(),  # as stored (CSV logs give it; files: at import threshold)
    "speed_hist_m": pl.List(pl.Float64()),  # null for CSV rows; see ingest.activity.SPEED_BIN_MPS
    # Distance per grade-adjusted (Minetti flat-equivalent) speed bin; null without altitude.
    "gap_speed_hist_m": pl.List(pl.Float64()),
    # Fast km and its threshold (docs/fast.md); null for CSV rows and activities analysed
    # before store revision 0002.
    "sustained_speed_hist_m": pl.List(pl.Float64()),
    "flat_speed_hist_m": pl.List(pl.Float64()),
    # Banister TRIMP with the athlete's heart rates (docs/hr-load.md); null without heart rate.
    "hr_load": pl.Float64(),
}


def validate(df: pl.DataFrame, schema: dict[str, pl.DataType], what: str) -> None:
    got = dict(df.schema)
    if got != schema:
        missing = {c: t for c, t in schema.items() if got.get(c) != t}
        raise ValueError(f"{what}: schema mismatch, expected {missing}, got {got}")


# Up to this many rows a frame is built row by row (``few_rows``); past it a column at a time.
FEW_ROWS = 8


def few_rows(cols: Mapping[str, object], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """The frame of ``schema`` from its columns (numpy arrays, series or lists of one length;
    a float NaN is null, as ``pl.DataFrame(nan_to_null=True)``), built row by row: one
    constructor for the few rows a change from a day derives, where building a column at a
    time costs ~15 us a column (the day rows have ~80).  The same values: floats go through
    Python's ``float`` (exact), integers through ``int``."""
    lists = [_values(cols[c], t) for c, t in schema.items()]
    return pl.DataFrame(list(zip(*lists, strict=True)), schema=dict(schema), orient="row")


def _values(col: object, dtype: pl.DataType) -> list[object]:
    raw: Sequence[object] = (
        col.tolist()
        if isinstance(col, np.ndarray)
        else col.to_list()
        if isinstance(col, pl.Series)
        else col  # type: ignore[assignment]
    )
    if dtype.is_float():
        return [None if v is None or v != v else float(v) for v in raw]  # type: ignore[arg-type]
    if dtype.is_integer():
        return [None if v is None else int(v) for v in raw]  # type: ignore[call-overload]
    return list(raw)


def validate_panel(
    df: pl.DataFrame, schema: dict[str, pl.DataType], what: str, key: str | None
) -> None:
    """Like ``validate``; a panel (many athletes in one frame) carries ``key`` as first column."""
    if key is None:
        validate(df, schema, what)
    else:
        validate(df, {key: df.schema.get(key, pl.Int64()), **schema}, what)


def validate_calendar(daily: pl.DataFrame, what: str) -> None:
    """Rolling windows over rows are windows over days only when every day is there, once."""
    validate(daily, DAILY_SCHEMA, what)
    if daily.height > 1:
        # In numpy: a polars expression costs a few tenths of a millisecond to plan, and every
        # headroom and load frame checks this.  A null date (NaT) fails it too.
        days = daily["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        if days.min() == np.iinfo(np.int64).min or not (np.diff(days) == 1).all():
            raise ValueError(f"{what}: dates must be consecutive days, one row each, in order")


# One row per local calendar day, rest days present as zeros.  Running sports only in the load
# columns; other sports apart.  Paces are distance-weighted (sum of time / sum of km).
DAILY_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "week_start": pl.Date(),  # the local Monday
    "runs": pl.Int32(),
    "distance_km": pl.Float64(),
    "moving_time_s": pl.Float64(),
    "pace_s_per_km": pl.Float64(),  # null on days without running distance
    "gap_distance_km": pl.Float64(),  # grade-adjusted; a run without it counts as flat
    "gap_pace_s_per_km": pl.Float64(),
    "elevation_gain_m": pl.Float64(),
    "uphill_km": pl.Float64(),
    "downhill_km": pl.Float64(),
    "fast_km": pl.Float64(),
    "longest_run_km": pl.Float64(),  # largest single run of the day
    "max_climb_m": pl.Float64(),  # biggest single-run climb of the day
    "max_fast_km": pl.Float64(),  # biggest single-run fast distance of the day
    "max_uphill_km": pl.Float64(),  # biggest single-run uphill distance (grade >= +3 %)
    # The fast threshold in force that day (see analytics.fast); null when fast km are the
    # stored per-activity figures (no threshold given).
    "fast_threshold_mps": pl.Float64(),
    "other_sessions": pl.Int32(),
    "other_distance_km": pl.Float64(),
    "other_time_s": pl.Float64(),
}

WEEKLY_SCHEMA: dict[str, pl.DataType] = {
    "week_start": pl.Date(),
    "days": pl.Int32(),  # days of the week inside the daily frame (first/last week may be partial)
    "runs": pl.Int32(),
    "distance_km": pl.Float64(),
    "moving_time_s": pl.Float64(),
    "pace_s_per_km": pl.Float64(),
    "gap_distance_km": pl.Float64(),
    "gap_pace_s_per_km": pl.Float64(),
    "elevation_gain_m": pl.Float64(),
    "uphill_km": pl.Float64(),
    "downhill_km": pl.Float64(),
    "fast_km": pl.Float64(),
    "longest_run_km": pl.Float64(),
    "max_climb_m": pl.Float64(),
    "max_fast_km": pl.Float64(),
    "max_uphill_km": pl.Float64(),
    "other_sessions": pl.Int32(),
    "other_distance_km": pl.Float64(),
    "other_time_s": pl.Float64(),
}

# The dimensions of "too much too soon": the daily load column and the single-run column.
# Hills are two dimensions (DESIGN): metres climbed and uphill km (grade >= +3 %), because the
# same climb spread over three times the uphill distance loads the calf and Achilles longer.
DIMENSIONS: dict[str, tuple[str, str]] = {
    "distance": ("distance_km", "longest_run_km"),
    "speed": ("fast_km", "max_fast_km"),
    "hills": ("elevation_gain_m", "max_climb_m"),
    "uphill": ("uphill_km", "max_uphill_km"),
}
UNITS: dict[str, str] = {"distance": "km", "speed": "km", "hills": "m", "uphill": "km"}

LOAD_METRICS = (
    "load",  # the day's load
    "acute_ewma",  # EWMA over 7 days, lambda = 2/8, seeded with the mean of the first 7 days
    "chronic_ewma",  # EWMA over 28 days, lambda = 2/29, seeded with the mean of the first 28
    "ewma_ratio",
    "acute_7d",  # sum of the 7 days ending that day
    "chronic_week",  # mean week of the 28 days before those 7
    "ratio",  # acute_7d / chronic_week (uncoupled)
    "monotony",  # Foster: mean / sd (ddof=1) of the 7 daily loads; null when sd = 0
    "strain",  # acute_7d * monotony
)
LOAD_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    **{f"{d}_{m}": pl.Float64() for d in DIMENSIONS for m in LOAD_METRICS},
}
