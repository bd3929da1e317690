"""Where in one activity it ran fast and uphill, and its streams thinned out for drawing.

Both read ``ingest.summary.SERIES_SCHEMA`` (the per-sample streams the summary's numbers come
from).  A *fast* step is one whose sustained actual speed (``sustained_speed_mps``: held for a
stretch, never on a steep downhill, docs/fast.md) is at or above the fast threshold in force
on the activity's day: the same speed and threshold the daily frame's fast km are judged on
(``analytics.fast``, ``analytics.daily``).
An *uphill* step is one on a grade of at least ``ingest.grade.HILL_GRADE`` (+3 %), as counted
in ``uphill_distance_m``.

A stretch is a run of such steps.  Two runs less than ``MERGE_GAP_S`` apart are one stretch (a
rep whose speed dips under the line for a few seconds is still one rep), and a stretch shorter
than ``MIN_STRETCH_M`` is dropped (a surge across a junction is not a fast stretch).  So a
stretch's length end to end (``distance_m``) is not what it adds to the activity's fast or
uphill distance: that is ``counted_m``, its fast or uphill steps alone, and the short bits
dropped are in neither; the page says the activity's figure and how much of it is shaded.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from loadwatch.ingest.summary.activity import SPEED_BIN_MPS
from loadwatch.ingest.summary.grade import HILL_GRADE
from loadwatch.ingest.summary.speed import speed_bins
from loadwatch.ingest.summary.summarise import SERIES_SCHEMA

MERGE_GAP_S = 10.0
MIN_STRETCH_M = 100.0
MAX_POINTS = 1000
# Slower than this is standing, not a pace: 0.5 m/s is 33:20 /km.
MIN_PACE_SPEED_MPS = 0.5

StretchKind = Literal["fast", "uphill"]

STRETCH_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.Utf8(),
    "start_s": pl.Float64(),
    "end_s": pl.Float64(),
    "start_m": pl.Float64(),
    "end_m": pl.Float64(),
    "distance_m": pl.Float64(),
    "duration_s": pl.Float64(),
    "counted_m": pl.Float64(),  # its steps that count as fast or uphill (not the dips merged)
}

DRAW_SCHEMA: dict[str, pl.DataType] = {
    "t_s": pl.Float64(),
    "distance_m": pl.Float64(),
    "pace_s_per_km": pl.Float64(),  # null where standing
    "altitude_m": pl.Float64(),
    "heart_rate": pl.Float64(),
}


def _check(series: pl.DataFrame) -> None:
    if dict(series.schema) != SERIES_SCHEMA:
        raise ValueError(f"series schema mismatch: {dict(series.schema)} != {SERIES_SCHEMA}")


def fast_steps(series: pl.DataFrame, threshold_mps: float) -> npt.NDArray[np.bool_]:
    """Per step: inside a stretch held at or above ``threshold_mps`` (the sustained actual
    speed the fast km are counted on, docs/fast.md), judged as the fast km are: a step counts
    when the whole of its histogram bin is at or above the threshold
    (``analytics.daily.fast_metres``), so its steps add up to the activity's fast km (judged
    on the bare speed, a FIT run's steps came to 3.65 km against its 3.45 fast km)."""
    _check(series)
    speed = series["sustained_speed_mps"].fill_null(0.0).to_numpy()
    return np.asarray(speed_bins(speed) * SPEED_BIN_MPS >= threshold_mps - 1e-9)


def uphill_steps(series: pl.DataFrame, min_grade: float = HILL_GRADE) -> npt.NDArray[np.bool_]:
    """Per step: on a grade of at least ``min_grade`` (all False without altitude)."""
    _check(series)
    return np.asarray(series["grade"].fill_null(-1.0).to_numpy() >= min_grade)


def stretches(
    series: pl.DataFrame,
    steps: npt.NDArray[np.bool_],
    kind: StretchKind,
    *,
    merge_gap_s: float = MERGE_GAP_S,
    min_m: float = MIN_STRETCH_M,
) -> pl.DataFrame:
    """The stretches (``STRETCH_SCHEMA``) of the True runs of ``steps`` (step i: sample i-1 to
    i; step 0 has no length and never counts)."""
    _check(series)
    if steps.size != series.height:
        raise ValueError(f"{steps.size} steps for {series.height} samples")
    if series.height < 2:
        return pl.DataFrame(schema=STRETCH_SCHEMA)
    m = steps.astype(np.int8)
    m[0] = 0
    edges = np.diff(np.concatenate(([0], m, [0])))
    first_step = np.flatnonzero(edges == 1)
    last_step = np.flatnonzero(edges == -1) - 1
    t = series["t_s"].to_numpy()
    cum = series["distance_m"].to_numpy()
    start_i, end_i = first_step - 1, last_step  # samples bounding each run
    if start_i.size:
        gap = t[start_i[1:]] - t[end_i[:-1]]
        group = np.concatenate(([0], np.cumsum(gap > merge_gap_s)))
        firsts = np.flatnonzero(np.diff(np.concatenate(([-1], group))))
        lasts = np.concatenate((firsts[1:] - 1, [group.size - 1]))
        start_i, end_i = start_i[firsts], end_i[lasts]
    counted = np.concatenate(([0.0], np.cumsum(np.diff(cum) * m[1:])))
    out = pl.DataFrame(
        {
            "kind": [kind] * start_i.size,
            "start_s": t[start_i],
            "end_s": t[end_i],
            "start_m": cum[start_i],
            "end_m": cum[end_i],
            "counted_m": counted[end_i] - counted[start_i],
        },
        schema={
            c: STRETCH_SCHEMA[c]
            for c in ("kind", "start_s", "end_s", "start_m", "end_m", "counted_m")
        },
    ).with_columns(
        (pl.col("end_m") - pl.col("start_m")).alias("distance_m"),
        (pl.col("end_s") - pl.col("start_s")).alias("duration_s"),
    )
    return out.select(list(STRETCH_SCHEMA)).filter(pl.col("distance_m") >= min_m)


def for_drawing(series: pl.DataFrame, max_points: int = MAX_POINTS) -> pl.DataFrame:
    """At most ``max_points`` rows (``DRAW_SCHEMA``): consecutive samples averaged in equal
    buckets; the pace of a bucket is from its mean moving speed (null when it stood)."""
    _check(series)
    if max_points < 1:
        raise ValueError("max_points must be at least 1")
    n = series.height
    bucket = (np.arange(n, dtype=np.int64) * min(max_points, max(n, 1))) // max(n, 1)
    moving_speed = pl.when(pl.col("moving")).then(pl.col("speed_mps"))
    grouped = (
        series.with_columns(pl.Series("bucket", bucket))
        .group_by("bucket", maintain_order=True)
        .agg(
            pl.col("t_s").mean(),
            pl.col("distance_m").mean(),
            moving_speed.mean().alias("speed"),
            pl.col("altitude_m").mean(),
            pl.col("heart_rate").mean(),
        )
    )
    pace = (
        pl.when(pl.col("speed") >= MIN_PACE_SPEED_MPS)
        .then(1000.0 / pl.col("speed"))
        .otherwise(None)
    )
    return grouped.select(
        "t_s", "distance_m", pace.alias("pace_s_per_km"), "altitude_m", "heart_rate"
    ).cast(DRAW_SCHEMA)  # type: ignore[arg-type]
