"""The athlete's calendar, defined once: the local day an activity falls on, and the week a
day belongs to (ISO weeks, Monday start).  Each comes as a scalar function and as a polars
expression, and the two agree (tests/analytics/test_days.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from loadwatch.clock import as_utc


def local_day(start: datetime, utc_offset_s: int | None, tz: ZoneInfo | str) -> date:
    """The athlete's calendar day of an activity starting at ``start`` (naive means UTC, as
    SQLite hands it back): by the device's UTC offset when the file recorded one (the day
    where the run happened), else in the athlete's zone."""
    utc = as_utc(start)
    if utc_offset_s is not None:
        return (utc + timedelta(seconds=utc_offset_s)).date()
    return utc.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz).date()


def local_day_expr(tz: str) -> pl.Expr:
    """``local_day`` over an activity frame's ``start_time`` (UTC) and ``utc_offset_s``."""
    own_offset = (
        pl.col("start_time").dt.replace_time_zone(None)
        + pl.duration(seconds=pl.col("utc_offset_s"))
    ).dt.date()
    in_zone = pl.col("start_time").dt.convert_time_zone(tz).dt.date()
    return pl.when(pl.col("utc_offset_s").is_not_null()).then(own_offset).otherwise(in_zone)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def week_start_expr(day: pl.Expr) -> pl.Expr:
    """``week_start`` over a date column (polars' ``1w`` truncation starts on Monday)."""
    return day.dt.truncate("1w")
