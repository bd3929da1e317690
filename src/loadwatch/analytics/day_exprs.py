"""The athlete's calendar (``days.py``) as polars expressions over activity and day frames:
``local_day`` and ``week_start`` column-wise, agreeing with the scalars there
(tests/analytics/test_days.py)."""

from __future__ import annotations

import polars as pl


def local_day_expr(tz: str) -> pl.Expr:
    """``local_day`` over an activity frame's ``start_time`` (UTC) and ``utc_offset_s``."""
    own_offset = (
        pl.col("start_time").dt.replace_time_zone(None)
        + pl.duration(seconds=pl.col("utc_offset_s"))
    ).dt.date()
    in_zone = pl.col("start_time").dt.convert_time_zone(tz).dt.date()
    return pl.when(pl.col("utc_offset_s").is_not_null()).then(own_offset).otherwise(in_zone)


def week_start_expr(day: pl.Expr) -> pl.Expr:
    """``week_start`` over a date column (polars' ``1w`` truncation starts on Monday)."""
    return day.dt.truncate("1w")
