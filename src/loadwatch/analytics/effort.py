"""Session RPE load (Foster et al., J Strength Cond Res 2001): effort as context.

``sRPE = RPE × minutes``: the athlete's rating of the whole session on Foster's CR-10 scale
(0 rest … 10 maximal) times the session's duration in minutes, in arbitrary units (AU).
The minutes are the session's *moving* time (the watch's timer, pauses excluded), falling back
to the elapsed time when a log gives no moving time: Foster timed the training itself, and a
stop at a crossing is not effort.  Every sport with an RPE counts (effort is the athlete's
whole internal load, not a running dimension); sessions without an RPE add nothing and are
counted apart so a thin week says so.

Per day: ``srpe``, ``srpe_sessions``, the 7-day sum ``srpe_7d``, ``srpe_chronic_week`` (the
mean week of the 28 days before those 7, as ``analytics.load``), their ratio ``srpe_ratio``
(null until 35 days exist or when that mean week is 0), and Foster's 1998 monotony and strain
over the 7 days.  Per week: ``srpe``, ``srpe_sessions`` and ``srpe_ratio``, the week over the
mean of the four weeks before it (null until four weeks exist or when their mean is 0).

Pure and vectorised: the store hands over ``EFFORT_FRAME_SCHEMA``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from loadwatch.analytics.day_exprs import local_day_expr, week_start_expr
from loadwatch.analytics.load import ACUTE_DAYS, CHRONIC_DAYS, MONOTONY_DAYS
from loadwatch.analytics.windows import lagged_window_sum, window_mean_sd, window_sum

EFFORT_FRAME_SCHEMA: dict[str, pl.DataType] = {
    "activity_id": pl.Int64(),
    "start_time": pl.Datetime("us", "UTC"),
    "utc_offset_s": pl.Int32(),
    "sport": pl.Utf8(),
    "moving_time_s": pl.Float64(),
    "elapsed_time_s": pl.Float64(),
    "rpe": pl.Float64(),  # CR-10; null: not given
}
EFFORT_DAY_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "srpe": pl.Float64(),
    "srpe_sessions": pl.Int32(),
    "srpe_7d": pl.Float64(),
    "srpe_chronic_week": pl.Float64(),
    "srpe_ratio": pl.Float64(),
    "srpe_monotony": pl.Float64(),
    "srpe_strain": pl.Float64(),
}
EFFORT_WEEK_SCHEMA: dict[str, pl.DataType] = {
    "week_start": pl.Date(),
    "srpe": pl.Float64(),
    "srpe_sessions": pl.Int32(),
    "srpe_ratio": pl.Float64(),
}
BASELINE_WEEKS = 4
_SD_ZERO = 1e-9


def minutes_expr() -> pl.Expr:
    """The session's minutes: moving time, else elapsed time (a log without a moving time)."""
    moving = pl.col("moving_time_s")
    return (
        pl.when(moving > 0).then(moving).otherwise(pl.col("elapsed_time_s")).fill_null(0.0) / 60.0
    )


def session_load(rpe: float | None, moving_time_s: float, elapsed_time_s: float) -> float | None:
    """One session's sRPE (AU), the scalar form of ``session_frame``; None without an RPE."""
    if rpe is None:
        return None
    seconds = moving_time_s if moving_time_s > 0 else elapsed_time_s
    return rpe * (seconds or 0.0) / 60.0


def session_frame(effort: pl.DataFrame, tz: str) -> pl.DataFrame:
    """``activity_id``, local ``date``, ``minutes`` and ``srpe`` (null without an RPE)."""
    return effort.select(
        "activity_id",
        local_day_expr(tz).alias("date"),
        minutes_expr().alias("minutes"),
        (pl.col("rpe") * minutes_expr()).alias("srpe"),
    )


SESSION_SCHEMA: dict[str, pl.DataType] = {
    "activity_id": pl.Int64(),
    "date": pl.Date(),
    "minutes": pl.Float64(),
    "srpe": pl.Float64(),
}  # session_frame's columns


def day_max_rpe(effort: pl.DataFrame, tz: str) -> dict[date, float]:
    """The hardest session RPE of each local day that has one."""
    rated = effort.filter(pl.col("rpe").is_not_null())
    if rated.is_empty():
        return {}
    days = (
        rated.select(local_day_expr(tz).alias("date"), "rpe")
        .group_by("date")
        .agg(pl.col("rpe").max())
    )
    return dict(zip(days["date"].to_list(), days["rpe"].to_list(), strict=True))


def daily_effort(effort: pl.DataFrame, tz: str, first: date, last: date) -> pl.DataFrame:
    """One row per day of ``first``..``last`` (``EFFORT_DAY_SCHEMA``); rest days are zeros."""
    return daily_session_effort(session_frame(effort, tz), first, last)


def daily_session_effort(sessions: pl.DataFrame, first: date, last: date) -> pl.DataFrame:
    """``daily_effort`` from ``session_frame``'s rows (evaluation holds them already)."""
    sessions = sessions.filter(pl.col("srpe").is_not_null())
    per_day = sessions.group_by("date").agg(
        pl.col("srpe").sum(), pl.len().cast(pl.Int32).alias("srpe_sessions")
    )
    calendar = pl.DataFrame({"date": pl.date_range(first, last, "1d", eager=True)})
    days = calendar.join(per_day, on="date", how="left").with_columns(
        pl.col("srpe").fill_null(0.0), pl.col("srpe_sessions").fill_null(0)
    )
    return effort_windows(days, 0)


def effort_windows(days: pl.DataFrame, start: int) -> pl.DataFrame:
    """Rows ``start ..`` of ``EFFORT_DAY_SCHEMA`` from ``date, srpe, srpe_sessions`` of every
    day from the first: each window from its own days (``analytics.windows``), so rows from a
    change on give the bits the whole run gives."""
    x = days["srpe"].to_numpy().astype(np.float64)
    s7 = window_sum(x, ACUTE_DAYS, start, min_rows=1)
    chronic = lagged_window_sum(x, CHRONIC_DAYS, ACUTE_DAYS, start) * (ACUTE_DAYS / CHRONIC_DAYS)
    mean, sd = window_mean_sd(x, MONOTONY_DAYS, start)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(chronic > 0, s7 / np.where(chronic > 0, chronic, 1.0), np.nan)
        monotony = np.where(sd > _SD_ZERO, mean / np.where(sd > _SD_ZERO, sd, 1.0), np.nan)
    out = (
        days.slice(start)
        .select("date", "srpe", "srpe_sessions")
        .with_columns(
            pl.Series("srpe_7d", s7, nan_to_null=True),
            pl.Series("srpe_chronic_week", chronic, nan_to_null=True),
            pl.Series("srpe_ratio", ratio, nan_to_null=True),
            pl.Series("srpe_monotony", monotony, nan_to_null=True),
            pl.Series("srpe_strain", s7 * monotony, nan_to_null=True),
        )
    )
    return out.select([pl.col(c).cast(t) for c, t in EFFORT_DAY_SCHEMA.items()])


def weekly_effort(days: pl.DataFrame) -> pl.DataFrame:
    """``EFFORT_DAY_SCHEMA`` → one row per Monday-start week (``EFFORT_WEEK_SCHEMA``)."""
    weeks = (
        days.group_by(week_start_expr(pl.col("date")).alias("week_start"))
        .agg(pl.col("srpe").sum(), pl.col("srpe_sessions").sum())
        .sort("week_start")
    )
    base = pl.col("srpe").rolling_mean(BASELINE_WEEKS).shift(1)
    return weeks.with_columns(
        pl.when(base > 0).then(pl.col("srpe") / base).alias("srpe_ratio")
    ).select([pl.col(c).cast(t) for c, t in EFFORT_WEEK_SCHEMA.items()])
