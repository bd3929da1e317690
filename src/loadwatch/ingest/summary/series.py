"""The per-sample streams behind a summary's numbers, as a frame for drawing and for finding
where in the activity its fast and uphill metres were run (``analytics.stretches``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from loadwatch.ingest.summary import elevation, grade, validate
from loadwatch.ingest.summary import streams as st
from loadwatch.ingest.track import Track

# The per-sample streams behind the summary's numbers, for drawing and for finding where in
# the activity its fast and uphill metres were run (``analytics.stretches``).
SERIES_SCHEMA: dict[str, pl.DataType] = {
    "t_s": pl.Float64(),  # seconds since the first sample
    "distance_m": pl.Float64(),  # cumulative, on the same steps as the summary's distance
    "speed_mps": pl.Float64(),  # per step, as the speed histogram counts it
    "sustained_speed_mps": pl.Float64(),  # what fast distance is judged on (docs/fast.md)
    "gap_speed_mps": pl.Float64(),  # grade-adjusted (null without altitude)
    "grade": pl.Float64(),  # per step, over the grade window (null without altitude)
    "altitude_m": pl.Float64(),  # despiked and smoothed (null without altitude)
    "heart_rate": pl.Float64(),  # bpm, sensor dropouts null
    "moving": pl.Boolean(),
}


def sample_series(track: Track, device_distance_m: float | None = None) -> pl.DataFrame:
    """``SERIES_SCHEMA`` for one Track, computed exactly as ``summarize`` computes its numbers
    (same cleaning, sport limits, steps scaled onto the device's distance, grade and
    grade-adjusted speed), so the stretches found on it add up to the summary's figures."""
    track, cols = validate.clean(track)
    if cols.n < 2:
        return pl.DataFrame(schema=SERIES_SCHEMA)
    s = st.streams(cols, st.SPORT_LIMITS.get(track.sport, st.SPORT_LIMITS["other"]))
    step_m = s.step_m
    computed = float(step_m.sum())
    if (
        device_distance_m is not None
        and computed > 0
        and st.SCALE_RANGE[0] <= device_distance_m / computed <= st.SCALE_RANGE[1]
    ):
        step_m = step_m * (device_distance_m / computed)
    cum = np.cumsum(step_m)
    nan = np.full(cols.n, np.nan)
    alt_m, g, gap = nan, nan, nan
    alt = elevation.usable_altitude(cols.col("altitude"))
    if alt is not None:
        alt_m = elevation.profile(s.t, alt)[0]
        if s.has_distance and float(cum[-1]) > 0:
            g = grade.step_grade(cum, alt_m)
            gap = grade.gap_speed(s.step_speed, g)
    hr = cols.col("heart_rate")
    hr = np.where((hr >= st.HR_RANGE[0]) & (hr <= st.HR_RANGE[1]), hr, np.nan)
    out = pl.DataFrame(
        {
            "t_s": s.t,
            "distance_m": cum,
            "speed_mps": s.step_speed,
            "sustained_speed_mps": st.sustained(s, np.where(np.isnan(g), 0.0, g)),
            "gap_speed_mps": gap,
            "grade": g,
            "altitude_m": alt_m,
            "heart_rate": hr,
            "moving": s.moving,
        },
        schema=SERIES_SCHEMA,
    )
    return out.with_columns(pl.col(pl.Float64).fill_nan(None))
