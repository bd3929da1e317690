"""Daily frame → one row per local ISO week (Monday start): sums, single-run maxima, runs."""

from __future__ import annotations

import numpy as np
import polars as pl

from loadwatch.analytics.schema import DAILY_SCHEMA, FEW_ROWS, WEEKLY_SCHEMA, few_rows, validate

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
    """``DAILY_SCHEMA`` (days in order) → ``WEEKLY_SCHEMA``.  Paces are distance-weighted over
    the week.  Each week is added up from its own days, first to last (numpy's ``reduceat``
    over each week's rows): a polars group sum's order depends on the frame's size, and a
    week summed again on top of stored ones (``services/incremental.py``, the roll) must be
    the same bits."""
    validate(daily, DAILY_SCHEMA, "daily frame")
    if daily.is_empty():
        return pl.DataFrame(schema=WEEKLY_SCHEMA)
    ws = daily["week_start"].to_numpy()
    idx = np.flatnonzero(np.r_[True, ws[1:] != ws[:-1]])
    few = idx.size <= FEW_ROWS
    # A few weeks' Mondays picked in Python: ``gather`` plans a polars query.
    starts = daily["week_start"].to_list() if few else None
    cols: dict[str, object] = {
        "week_start": [starts[i] for i in idx.tolist()]
        if starts is not None
        else daily["week_start"].gather(idx),
        "days": np.diff(np.r_[idx, daily.height]),
    }
    for c in _SUMS:
        cols[c] = np.add.reduceat(daily[c].to_numpy(), idx)
    for c in _MAXIMA:
        cols[c] = np.maximum.reduceat(daily[c].to_numpy().astype(np.float64), idx)
    t = np.asarray(cols["moving_time_s"], dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for pace, km in (
            ("pace_s_per_km", "distance_km"),
            ("gap_pace_s_per_km", "gap_distance_km"),
        ):
            d = np.asarray(cols[km], dtype=np.float64)
            cols[pace] = np.where(d > 0, t / np.where(d > 0, d, 1.0), np.nan)
    if few:
        # The weeks from a change (``services/incremental.py``): one or two.
        out = few_rows(cols, WEEKLY_SCHEMA)
    else:
        out = pl.DataFrame({c: cols[c] for c in WEEKLY_SCHEMA}, nan_to_null=True).select(
            [pl.col(c).cast(t) for c, t in WEEKLY_SCHEMA.items()]
        )
    validate(out, WEEKLY_SCHEMA, "weekly frame")
    return out
