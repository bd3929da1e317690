"""Frames handed between store → analytics → rules, with their schemas checked at the seam."""

from __future__ import annotations

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
}


def validate(df: pl.DataFrame, schema: dict[str, pl.DataType], what: str) -> None:
    got = dict(df.schema)
    if got != schema:
        missing = {c: t for c, t in schema.items() if got.get(c) != t}
        raise ValueError(f"{what}: schema mismatch, expected {missing}, got {got}")
