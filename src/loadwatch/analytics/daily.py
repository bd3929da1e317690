"""Activities → one row per local calendar day (``DAILY_SCHEMA``).

A day is the athlete's *local* calendar day: ``start_time + utc_offset_s`` when the activity
carries its own offset (the device knew where it was), else ``start_time`` in the athlete's
time zone.  Every day from the first activity to ``end`` is present; rest days are zeros, so
rolling windows over rows are windows over days.

Only running sports (``RUNNING_SPORTS``) feed the load columns; walking, cycling... are kept
apart in ``other_*`` so a bike ride never reads as a running spike.

Fast distance per activity is recomputed from its sustained-speed histogram for the threshold
given (the sum of the bins lying wholly at or above it: see ``fast_metres``), so a
new threshold never needs the streams again; activities without a histogram (CSV logs) keep
their stored ``fast_distance_m``.  The histogram is ``sustained_speed_hist_m`` (actual speed
held for ``ingest.speed.SUSTAINED_S``, steep downhills excluded: docs/fast.md); an activity
analysed before it existed falls back to its actual-speed ``speed_hist_m`` until it is analysed
again.  The threshold is one speed for every day, or a frame with the threshold in force on
each day (``analytics.fast.threshold_frame``): each run is judged by the threshold of its own
day, and the day's threshold is a column of the daily frame.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import polars as pl

from loadwatch.analytics.day_exprs import local_day_expr, week_start_expr
from loadwatch.analytics.schema import (
    ACTIVITY_FRAME_SCHEMA,
    DAILY_SCHEMA,
    validate,
    validate_panel,
)
from loadwatch.errors import InvalidRequest
from loadwatch.ingest.summary.activity import SPEED_BIN_MPS, SPEED_BINS
from loadwatch.ingest.track import RUNNING_SPORTS


def check_timezone(tz: str) -> None:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidRequest(f"unknown time zone {tz!r}") from e


FastSpeed = float | pl.DataFrame | None


def _hist_matrix(activities: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(metres per speed bin, one row per activity that has a histogram; which activities
    have one).  Sustained actual speed, else (analysed before it was kept) actual speed.
    Only those rows: a training log or a manual entry has none, and building 200 zero bins
    for each of them cost more than the fast metres of the others."""
    h = activities.select(pl.coalesce("sustained_speed_hist_m", "speed_hist_m")).to_series()
    ok = h.is_not_null().to_numpy()
    got = h.drop_nulls()
    mat = got.list.to_array(SPEED_BINS).to_numpy().astype(np.float64)
    return mat.reshape(got.len(), SPEED_BINS), ok


def fast_metres(activities: pl.DataFrame, thresholds: np.ndarray) -> np.ndarray:
    """Metres faster than each activity's threshold (see the module docstring); NaN where
    there is no histogram or no threshold (the stored figure is used)."""
    out = np.full(activities.height, np.nan)
    if not np.isfinite(thresholds).any():
        return out
    hist, ok = _hist_matrix(activities)
    use = ok & np.isfinite(thresholds)
    if not use.any():
        return out
    low = np.arange(SPEED_BINS) * SPEED_BIN_MPS
    # Bin i = [i*w, (i+1)*w) counts when all of it is at or above the threshold.  The bin
    # holding the threshold does not: where easy running's noise reaches near the threshold
    # its metres sit at the bottom of that bin, and a linear share counted them as fast (a
    # 5:30/km run with GPS wander: 35 m against 5:00/km).  Real fast running lies bins above.
    # Row by row: each activity's sum is the same bits whichever rows are beside it.
    share = low[None, :] >= thresholds[use][:, None] - 1e-9
    out[use] = (hist[use[ok]] * share).sum(axis=1)
    return out


def _thresholds(activities: pl.DataFrame, tz: str, fast: FastSpeed) -> pl.DataFrame:
    """Per activity: its local day and the fast threshold in force that day (null: none)."""
    days = activities.select(local_day_expr(tz).alias("date"))
    if fast is None:
        return days.with_columns(pl.lit(None, pl.Float64).alias("thr"))
    if isinstance(fast, pl.DataFrame):
        by_day = fast.select("date", pl.col("fast_speed_mps").alias("thr"))
        if by_day.filter(~(pl.col("thr") > 0)).height:
            raise InvalidRequest("fast thresholds must be positive speeds")
        return days.join(by_day, on="date", how="left", maintain_order="left")
    if not fast > 0:
        raise InvalidRequest(f"fast threshold must be a positive speed, got {fast}")
    return days.with_columns(pl.lit(float(fast)).alias("thr"))


def _fast_m(activities: pl.DataFrame, thr: pl.DataFrame) -> pl.Series:
    """Each activity's fast metres with its day's threshold, else its stored figure (null:
    neither)."""
    metres = fast_metres(activities, thr["thr"].fill_null(float("nan")).to_numpy())
    return activities.select(
        pl.lit(pl.Series("fast_m", metres))
        .fill_nan(None)
        .fill_null(pl.col("fast_distance_m"))
        .alias("fast_m")
    ).to_series()


def activity_fast_metres(activities: pl.DataFrame, *, tz: str, fast: FastSpeed) -> pl.DataFrame:
    """``activity_id``, local ``date`` and ``fast_m`` of every activity: the very number the
    daily frame sums for a run, for lists that show one activity per row."""
    validate(activities, ACTIVITY_FRAME_SCHEMA, "activities")
    check_timezone(tz)
    thr = _thresholds(activities, tz, fast)
    return pl.DataFrame(
        {"activity_id": activities["activity_id"], "date": thr["date"]}
    ).with_columns(_fast_m(activities, thr))


# Running recordings of one local day whose gap (the next one's start minus the previous one's
# start plus moving time) is at most this long, and not negative (overlapping recordings are
# two devices on one run, or two runs, never one run in two halves), are one session for the
# single-run columns (``longest_run_km``, ``max_climb_m``, ``max_fast_km``, ``max_uphill_km``):
# a watch stopped and restarted, a battery swap, a file split by auto-pause (docs/rules.md,
# "One run in several recordings").  The activities themselves stay separate.
SESSION_GAP_S = 30 * 60


_Gap = TypeVar("_Gap", float, np.ndarray, pl.Expr)


def starts_a_session(gap_s: _Gap) -> _Gap:
    """Whether a run this many seconds after the end of the day's run before begins a new
    session: the one rule, for a polars column, a numpy array or one gap (``day_rows``)."""
    return (gap_s < 0) | (gap_s > SESSION_GAP_S)


def _sessions(
    activities: pl.DataFrame, tz: str, fast: FastSpeed, by: list[str] | None = None
) -> pl.LazyFrame:
    """The activities with their local ``date``, ``is_run``, ``fast_m`` and ``gap_m``; with
    ``by`` (the day's keys before ``date``) the runs' session figures too (``_session_figures``)."""
    dist = pl.col("distance_m").fill_null(0.0)
    thr = _thresholds(activities, tz, fast)
    fast_m = _fast_m(activities, thr).fill_null(0.0)
    is_run = activities["sport"].is_in(list(RUNNING_SPORTS))
    figures = (
        _session_figures(activities, by, thr["date"], is_run, fast_m) if by is not None else []
    )
    return activities.lazy().select(
        pl.exclude(
            "speed_hist_m",
            "gap_speed_hist_m",
            "sustained_speed_hist_m",
            "flat_speed_hist_m",
            "start_time",
            "utc_offset_s",
            "fast_distance_m",
            "sport",
        ),
        pl.lit(thr["date"]).alias("date"),
        pl.lit(is_run).alias("is_run"),
        pl.lit(fast_m).alias("fast_m"),
        # A run without grade-adjusted distance (treadmill, CSV) is taken as flat.
        pl.col("gap_distance_m").fill_null(dist).alias("gap_m"),
        pl.col("start_time").alias("_start"),
        *[pl.lit(f) for f in figures],
    )


# The single-run columns: (the activity column, the daily column).
_SINGLE = (
    ("distance_m", "longest_run_km"),
    ("elevation_gain_m", "max_climb_m"),
    ("fast_m", "max_fast_km"),
    ("uphill_distance_m", "max_uphill_km"),
)


def _gap_s(keys: list[str]) -> pl.Expr:
    """Seconds from the end (start plus moving time) of the day's run before to this one's
    start (null: the day's first), over runs sorted by ``keys`` and start."""
    start_s = pl.col("_start").dt.epoch("us").cast(pl.Float64) / 1e6
    end_s = start_s + pl.col("moving_time_s").fill_null(0.0)
    return start_s - end_s.shift(1).over(keys)


def _in_sessions(runs: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    """The runs sorted by day and start, with ``_gap`` and ``_session`` (numbered per day)."""
    gap = pl.col("_gap")
    return (
        runs.sort([*keys, "_start"])
        .with_columns(_gap_s(keys).alias("_gap"))
        .with_columns(starts_a_session(gap).fill_null(True).cum_sum().over(keys).alias("_session"))
    )


def _session_figures(
    activities: pl.DataFrame,
    by: list[str],
    day: pl.Series,
    is_run: pl.Series,
    fast_m: pl.Series,
) -> list[pl.Series]:
    """Per single-run column (``_SINGLE``), ``_session_<column>``: on the first recording of
    each session of the day's runs (``SESSION_GAP_S``) the session's figure, null on the
    others and on every non-run, so that the day's ``max`` is its largest session.  A session
    of one recording keeps that recording's figure, bit for bit; a session of several is their
    sum in whole units (``exact_sum``, as ``day_rows``).

    In numpy on the activities before the query: a second collect of the sessions and a join
    of their maxima (``0f8b110``) made the daily frame ~1.36x dearer, a polars sort, window and
    group-bys 1.75x; these are a few array operations and one ``max`` more per column."""
    n = activities.height
    runs = np.flatnonzero(is_run.to_numpy())
    figures = {c: np.full(n, np.nan) for c, _ in _SINGLE}
    if runs.size:
        # Starts in seconds as ``datetime.timestamp`` gives them (``day_rows``): whole
        # microseconds over 1e6, correctly rounded either way.
        start = activities["start_time"].dt.epoch("us").to_numpy()[runs].astype(np.float64) / 1e6
        keys = [activities[k].to_numpy()[runs] for k in by]
        keys.append(day.to_numpy()[runs].view(np.int64))
        order = np.lexsort((start, *reversed(keys)))
        start = start[order]
        moving = activities["moving_time_s"].fill_null(0.0).to_numpy()[runs][order]
        day_start = np.zeros(runs.size, dtype=bool)
        day_start[0] = True
        for k in keys:
            kk = k[order]
            day_start[1:] |= kk[1:] != kk[:-1]
        new = day_start.copy()
        new[1:] |= starts_a_session(start[1:] - (start + moving)[:-1])
        first = np.flatnonzero(new)
        single = np.diff(np.append(first, runs.size)) == 1
        at = runs[order[first]]
        for c, _ in _SINGLE:
            col = fast_m if c == "fast_m" else activities[c].fill_null(0.0)
            v = col.to_numpy().astype(np.float64)[runs][order]
            units = np.round(v * EXACT_UNITS).astype(np.int64)
            summed = np.add.reduceat(units, first).astype(np.float64) * (1.0 / EXACT_UNITS)
            figures[c][at] = np.where(single, v[first], summed)
    return [pl.Series(f"_session_{c}", v, nan_to_null=True) for c, v in figures.items()]


SPLIT_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "dimension": pl.String(),  # the single-run figure whose day's largest session this is
    "recordings": pl.Int32(),  # in that session, 2 or more
    "gap_s": pl.Float64(),  # the longest gap between them
    "value": pl.Float64(),  # the session's figure, in the dimension's unit (km or m)
}
# Per dimension: the activity column its single run sums, and the scale to its unit.
_SPLIT_DIMENSIONS = (
    ("distance", "distance_m", 1e-3),
    ("speed", "fast_m", 1e-3),
    ("hills", "elevation_gain_m", 1.0),
    ("uphill", "uphill_distance_m", 1e-3),
)


def split_runs(activities: pl.DataFrame, *, tz: str, fast: FastSpeed = None) -> pl.DataFrame:
    """``SPLIT_SCHEMA``: per day and dimension, the day's largest session in that single-run
    figure (``longest_run_km``, ``max_fast_km`` with the ``fast`` thresholds of the daily
    frame, ``max_climb_m``, ``max_uphill_km``) when it is two or more recordings, with how
    many, their longest gap and its figure, so that a sentence about that run can say so."""
    validate(activities, ACTIVITY_FRAME_SCHEMA, "activities")
    check_timezone(tz)
    if activities.is_empty():
        return pl.DataFrame(schema=SPLIT_SCHEMA)
    runs = _sessions(activities, tz, fast).filter(pl.col("is_run"))
    sessions = (
        _in_sessions(runs, ["date"])
        .with_columns(
            pl.when(pl.col("_session").cum_count().over("date", "_session") > 1)
            .then(pl.col("_gap"))
            .alias("_gap")
        )
        .group_by("date", "_session")
        .agg(
            pl.len().cast(pl.Int32).alias("recordings"),
            pl.col("_gap").max().alias("gap_s"),
            *[exact_sum(col).alias(f"_{dim}") for dim, col, _ in _SPLIT_DIMENSIONS],
        )
        .collect()
        .lazy()
    )
    per_dimension = [
        sessions.sort("date", f"_{dim}", "_session", descending=[False, True, False])
        .group_by("date", maintain_order=True)
        .first()
        .filter((pl.col("recordings") > 1) & (pl.col(f"_{dim}") > 0))
        .select(
            "date",
            pl.lit(dim).alias("dimension"),
            "recordings",
            "gap_s",
            (pl.col(f"_{dim}") * scale).alias("value"),
        )
        for dim, _, scale in _SPLIT_DIMENSIONS
    ]
    out = pl.concat(per_dimension).select(*[pl.col(c).cast(t) for c, t in SPLIT_SCHEMA.items()])
    return out.sort("date", maintain_order=True).collect()


# Per-day sums in whole units of this many per metre (second): 2**-32 m, far below any
# measurement (a relative 1e-14 of a 10 km run); exact in int64 up to 2 million km a day, and
# a value with a whole number of metres keeps its bits.
EXACT_UNITS = 2.0**32


def exact_sum(col: str) -> pl.Expr:
    """The sum of ``col`` (nulls as 0) rounded to ``1 / EXACT_UNITS``: integer additions, so
    the same whatever order the rows are added in."""
    units = (pl.col(col).fill_null(0.0) * EXACT_UNITS).round().cast(pl.Int64)
    return units.sum().cast(pl.Float64) * (1.0 / EXACT_UNITS)


def _aggregate(
    sessions: pl.LazyFrame,
    by: list[str],
    end: date | None,
    fast: FastSpeed,
    start: date | None = None,
) -> pl.DataFrame:
    keys = [*by, "date"]
    if end is not None:
        sessions = sessions.filter(pl.col("date") <= end)
    if start is not None:
        sessions = sessions.filter(pl.col("date") >= start)
    # Metres here, kilometres after the query (_in_km).  Sums in whole units (exact_sum:
    # a day's sum is the same whatever the order, and polars' group sums change order with
    # the frame's size; a day's row must be the same bits whichever days the frame holds).
    runs = (
        sessions.filter(pl.col("is_run"))
        .group_by(keys)
        .agg(
            pl.len().cast(pl.Int32).alias("runs"),
            exact_sum("distance_m").alias("distance_km"),
            exact_sum("moving_time_s").alias("moving_time_s"),
            exact_sum("gap_m").alias("gap_distance_km"),
            exact_sum("elevation_gain_m").alias("elevation_gain_m"),
            exact_sum("uphill_distance_m").alias("uphill_km"),
            exact_sum("downhill_distance_m").alias("downhill_km"),
            exact_sum("fast_m").alias("fast_km"),
            *[pl.col(f"_session_{c}").max().alias(name) for c, name in _SINGLE],
        )
    )
    others = (
        sessions.filter(~pl.col("is_run"))
        .group_by(keys)
        .agg(
            pl.len().cast(pl.Int32).alias("other_sessions"),
            exact_sum("distance_m").alias("other_distance_km"),
            exact_sum("moving_time_s").alias("other_time_s"),
        )
    )
    span = sessions.group_by(by or pl.lit(0).alias("_all")).agg(
        (pl.lit(start) if start is not None else pl.col("date").min()).alias("first"),
        (pl.lit(end) if end is not None else pl.col("date").max()).alias("last"),
    )
    calendar = span.select(*by, pl.date_ranges("first", "last", "1d").alias("date")).explode("date")
    zero_cols = [
        c
        for c in DAILY_SCHEMA
        if c
        not in ("date", "week_start", "pace_s_per_km", "gap_pace_s_per_km", "fast_threshold_mps")
    ]
    if isinstance(fast, pl.DataFrame):
        calendar = calendar.join(
            fast.lazy().select("date", pl.col("fast_speed_mps").alias("fast_threshold_mps")),
            on="date",
            how="left",
        )
    else:
        calendar = calendar.with_columns(pl.lit(fast, pl.Float64).alias("fast_threshold_mps"))
    out = (
        calendar.join(runs, on=keys, how="left")
        .join(others, on=keys, how="left")
        .with_columns(pl.col(zero_cols).fill_null(0))
        .with_columns(
            week_start_expr(pl.col("date")).alias("week_start"),
            pl.lit(None, pl.Float64).alias("pace_s_per_km"),
            pl.lit(None, pl.Float64).alias("gap_pace_s_per_km"),
        )
        .select(*by, *[pl.col(c).cast(t) for c, t in DAILY_SCHEMA.items()])
        .sort(keys)
    )
    return _in_km(out.collect())


_KM_COLUMNS = (
    "distance_km",
    "gap_distance_km",
    "uphill_km",
    "downhill_km",
    "fast_km",
    "longest_run_km",
    "max_fast_km",
    "max_uphill_km",
    "other_distance_km",
)


def _in_km(out: pl.DataFrame) -> pl.DataFrame:
    """The metre sums in kilometres, and the paces, divided by numpy after the query: polars
    plans ``x / 1000`` as ``x * 0.001`` in some queries and not others (by their size), which
    differ in the last bit, and a day's row must be the same bits whichever days the frame
    holds (``services/incremental.py`` derives a few days on top of stored ones)."""
    km = {c: out[c].to_numpy().astype(np.float64) / 1000.0 for c in _KM_COLUMNS}
    t = out["moving_time_s"].to_numpy().astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = {
            p: np.where(km[c] > 0, t / np.where(km[c] > 0, km[c], 1.0), np.nan)
            for p, c in (("pace_s_per_km", "distance_km"), ("gap_pace_s_per_km", "gap_distance_km"))
        }
    return out.with_columns(
        *[pl.Series(c, v) for c, v in km.items()],
        *[pl.Series(p, v, nan_to_null=True) for p, v in pace.items()],
    )


def daily_frame(
    activities: pl.DataFrame,
    *,
    tz: str,
    fast_speed_mps: FastSpeed,
    end: date | None = None,
    start: date | None = None,
) -> pl.DataFrame:
    """One athlete's activities (``ACTIVITY_FRAME_SCHEMA``) → ``DAILY_SCHEMA``.

    ``end`` extends the calendar with rest days up to that day (and drops activities after
    it); by default the frame ends on the last activity's day.  ``start`` likewise starts it
    on that day (the tail of a stored view, ``services/incremental.py``; the caller passes only the
    activities from that day on).  No activities → empty frame.
    """
    validate(activities, ACTIVITY_FRAME_SCHEMA, "activities")
    check_timezone(tz)
    if activities.is_empty():
        return pl.DataFrame(schema=DAILY_SCHEMA)
    out = _aggregate(_sessions(activities, tz, fast_speed_mps, []), [], end, fast_speed_mps, start)
    validate(out, DAILY_SCHEMA, "daily frame")
    return out


def daily_panel(
    activities: pl.DataFrame,
    *,
    key: str,
    tz: str,
    fast_speed_mps: float | None,
    end: date | None = None,
) -> pl.DataFrame:
    """Many athletes at once: ``key`` first, then ``ACTIVITY_FRAME_SCHEMA``; one calendar per
    athlete.  Used for batch (nightly, benchmark) evaluation with a shared zone and threshold."""
    validate_panel(activities, ACTIVITY_FRAME_SCHEMA, "activities", key)
    check_timezone(tz)
    if activities.is_empty():
        return pl.DataFrame(schema={key: activities.schema[key], **DAILY_SCHEMA})
    return _aggregate(_sessions(activities, tz, fast_speed_mps, [key]), [key], end, fast_speed_mps)
