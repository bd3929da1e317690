"""One activity as its page shows it: its numbers and where each came from, its pace,
elevation and heart-rate streams thinned for drawing, its fast and uphill stretches, and the
flags of its day it contributed to (docs/dashboard.md, "One activity").

A missing or unreadable stream never fails the request: the numbers come back with empty
series and the reason.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from loadwatch.analytics import stretches as st
from loadwatch.analytics.daily import fast_metres
from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.days import local_day, local_start
from loadwatch.analytics.fast import FastThreshold, fast_threshold
from loadwatch.clock import as_utc
from loadwatch.errors import LoadwatchError
from loadwatch.ingest.sports import RUNNING_SPORTS, grade_adjusted
from loadwatch.ingest.summary.summarise import SERIES_SCHEMA, sample_series
from loadwatch.ingest.track import Format, Track
from loadwatch.rounding import DECIMALS
from loadwatch.rules.response import linked_run_day
from loadwatch.schemas.activities import (
    ActivityDetail,
    ActivitySeries,
    NumberOut,
    StretchOut,
    ThresholdOut,
    Unit,
)
from loadwatch.schemas.flags import FlagOut
from loadwatch.services import hr_basis, hr_load
from loadwatch.services.flag_list import flag_out
from loadwatch.store import activities as activity_store
from loadwatch.store import flags as flag_store
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity, Flag
from loadwatch.vocabulary import ALERT, DIMENSION_HEADING, RESOLVED

log = logging.getLogger(__name__)


# (field, key, label, unit, factor from the stored value): the table's rows, in order.  The
# stored field's name keeps the stored unit (metres); the key names the unit the value is in.
NUMBERS: tuple[tuple[str, str, str, Unit, float], ...] = (
    ("distance_m", "distance_km", "Distance", "km", 1e-3),
    # "(timer)" only where the device's timer gave it (DEVICE_LABEL); a GPX has no timer.
    ("moving_time_s", "moving_time_s", "Moving time", "s", 1.0),
    ("elapsed_time_s", "elapsed_time_s", "Elapsed time", "s", 1.0),
    ("stopped_time_s", "stopped_time_s", "Standing still while timing", "s", 1.0),
    ("avg_pace_s_per_km", "avg_pace_s_per_km", "Average pace", "s/km", 1.0),
    ("best_1km_s", "best_1km_s", "Best kilometre", "s", 1.0),
    ("max_speed_mps", "max_speed_mps", "Top speed (sustained)", "m/s", 1.0),
    ("fast_distance_m", "fast_distance_km", DIMENSION_HEADING["speed"], "km", 1e-3),
    ("elevation_gain_m", "elevation_gain_m", DIMENSION_HEADING["hills"], "m", 1.0),
    ("elevation_loss_m", "elevation_loss_m", "Descent", "m", 1.0),
    (
        "uphill_distance_m",
        "uphill_distance_km",
        f"{DIMENSION_HEADING['uphill']} (grade ≥ +3 %)",
        "km",
        1e-3,
    ),
    ("downhill_distance_m", "downhill_distance_km", "Downhill (grade ≤ −3 %)", "km", 1e-3),
    ("gap_distance_m", "gap_distance_km", "Grade-adjusted distance", "km", 1e-3),
    ("avg_hr", "avg_hr_bpm", "Average heart rate", "bpm", 1.0),
    ("max_hr", "max_hr_bpm", "Max heart rate", "bpm", 1.0),
    # With the athlete's heart rates as they stand (docs/hr-load.md).
    ("hr_load", "hr_load_trimp", "Heart-rate load (Banister TRIMP)", "TRIMP", 1.0),
)
# The device's top speed is its own (often a one-second peak), not our sustained one.
DEVICE_LABEL = {"max_speed_mps": "Top speed (device)", "moving_time_s": "Moving time (timer)"}
# A flag's dimension and the activity figure that feeds it: a flag "includes" the run when the
# run added something to the value the flag judged.  A pain flag has no figure: it includes the
# runs of the running day its entry answers to (``linked_run_day``).
PAIN = "pain"  # the pain_response rule's dimension (rules/pain_response.py)
DIMENSION_FIGURE = {
    "distance": "distance_m",
    "speed": "fast_distance_m",
    "hills": "elevation_gain_m",
    "uphill": "uphill_distance_m",
}


def _r(v: float, digits: int = DECIMALS) -> float:
    return round(float(v), digits)


def _numbers(activity: Activity, fast_m: float | None) -> list[NumberOut]:
    given = activity.totals_source or {}
    fallback = "computed" if activity.source == "file" else "log"
    out = []
    for field, key, label, unit, factor in NUMBERS:
        value = fast_m if field == "fast_distance_m" else getattr(activity, field)
        if field == "gap_distance_m":
            value = grade_adjusted(activity.sport, value)
        if value is None:
            continue
        source = "computed" if field == "hr_load" else str(given.get(field, fallback))
        if field == "fast_distance_m" and fast_m is not None:
            source = "computed"  # from its speed histogram at the threshold of its day
        if source == "device":
            label = DEVICE_LABEL.get(field, label)
        out.append(
            NumberOut(
                key=key,
                field=field,
                label=label,
                value=_r(value * factor),
                unit=unit,
                source=source,
            )
        )
    return out


def _threshold(activity: Activity, frame: pl.DataFrame, day: date) -> tuple[FastThreshold, float]:
    """The fast threshold in force on the activity's day and its fast metres at it (NaN when
    it has no histogram: the stored figure stands); ``frame``: the athlete's activities."""
    athlete = activity.athlete
    thr = fast_threshold(
        frame,
        coach_speed_mps=athlete.fast_speed_mps,
        today=day,
        tz=athlete.timezone,
        coach_since=athlete.fast_speed_since,
    )
    own = frame.filter(pl.col("activity_id") == activity.id)
    fast = fast_metres(own, np.array([thr.speed_mps])) if own.height else np.array([np.nan])
    return thr, float(fast[0])


def _series(store: Store, activity: Activity) -> tuple[pl.DataFrame, str | None]:
    """The activity's per-sample series, or an empty one and why."""
    empty = pl.DataFrame(schema=SERIES_SCHEMA)
    if activity.stream_path is None:
        if activity.source != "file":
            return empty, "a training-log entry has no samples: numbers only"
        return empty, "no samples were stored for this activity"
    try:
        samples = store.streams.get(activity.stream_path)
        device_m = (
            activity.distance_m
            if (activity.totals_source or {}).get("distance_m") == "device"
            else None
        )
        fmt = cast(Format, activity.format)  # a stream is only ever stored for a decoded file
        track = Track(format=fmt, sport=activity.sport, samples=samples)
        series = sample_series(track, device_m)
    except (LoadwatchError, ValueError) as e:
        # The detail names paths under the data dir: the log's, not the client's.
        log.warning("activity %d: stream not drawn (%s)", activity.id, e)
        return empty, "its stored samples could not be read: numbers only"
    if series.height < 2:
        return empty, "fewer than two samples: nothing to draw"
    return series, None


def _none_if_nan(values: list[float | None], digits: int) -> list[float | None]:
    return [None if v is None or v != v else round(v, digits) for v in values]


def _series_out(series: pl.DataFrame, reason: str | None, max_points: int) -> ActivitySeries:
    if reason is not None:
        return ActivitySeries(samples=0, points=0, reason=reason)
    drawn = st.for_drawing(series, max_points)
    return ActivitySeries(
        samples=series.height,
        points=drawn.height,
        t_s=[round(v, 1) for v in drawn["t_s"].to_list()],
        distance_km=[round(v / 1000.0, 4) for v in drawn["distance_m"].to_list()],
        pace_s_per_km=_none_if_nan(drawn["pace_s_per_km"].to_list(), 1),
        elevation_m=_none_if_nan(drawn["altitude_m"].to_list(), 1),
        heart_rate=_none_if_nan(drawn["heart_rate"].to_list(), 1),
    )


def _stretches(
    activity: Activity, series: pl.DataFrame, threshold_mps: float
) -> tuple[list[StretchOut], str | None]:
    if activity.sport not in RUNNING_SPORTS:
        return [], f"{activity.sport.replace('_', ' ')} is not running: no fast or uphill stretches"
    if series.is_empty():
        return [], "no samples: no stretches"
    found = pl.concat(
        [
            st.stretches(series, st.fast_steps(series, threshold_mps), "fast"),
            st.stretches(series, st.uphill_steps(series), "uphill"),
        ]
    ).sort("start_s")
    out = [
        StretchOut(
            kind=r["kind"],
            start_s=_r(r["start_s"], 1),
            end_s=_r(r["end_s"], 1),
            start_m=_r(r["start_m"], 1),
            end_m=_r(r["end_m"], 1),
            distance_m=_r(r["distance_m"], 1),
            duration_s=_r(r["duration_s"], 1),
            counted_m=_r(r["counted_m"], 1),
            pace_s_per_km=_r(1000.0 * r["duration_s"] / r["distance_m"], 1)
            if r["distance_m"] > 0
            else None,
        )
        for r in found.iter_rows(named=True)
    ]
    return out, None


def _run_days(frame: pl.DataFrame, tz: str, days: tuple[date, date]) -> set[date]:
    """Which of ``days`` had a run (a running sport, as the daily frame's ``runs`` count)."""
    runs = frame.filter(pl.col("sport").is_in(list(RUNNING_SPORTS)))
    found = runs.select(local_day_expr(tz).alias("d"))["d"].to_list()
    return {d for d in found if d in days}


def _flags(
    session: Session, activity: Activity, day: date, fast_m: float | None, frame: pl.DataFrame
) -> list[FlagOut]:
    if activity.sport not in RUNNING_SPORTS:
        return []  # only runs feed the load the rules judge
    figures = {
        dim: (fast_m if field == "fast_distance_m" else getattr(activity, field))
        for dim, field in DIMENSION_FIGURE.items()
    }
    after = day + timedelta(days=1)
    ran = _run_days(frame, activity.athlete.timezone, (day, after))

    def fed(f: Flag) -> bool:
        if f.dimension == PAIN:
            return linked_run_day(f.date, ran) == day
        return f.date == day and (figures.get(f.dimension) or 0.0) > 0

    rows = flag_store.in_range(session, activity.athlete_id, day, after)
    # A resolved flag is one the rules no longer raise (store.flags.firing): not shown.
    mine = [f for f in rows if f.status != RESOLVED and fed(f)]
    mine.sort(key=lambda f: (f.severity != ALERT, f.dimension, f.rule))
    return [flag_out(f, activity.athlete.name) for f in mine]


def activity_detail(
    store: Store, session: Session, activity: Activity, *, max_points: int = st.MAX_POINTS
) -> ActivityDetail:
    """Everything the activity page shows about one activity the caller may see."""
    athlete = activity.athlete
    start = as_utc(activity.start_time)
    day = local_day(start, activity.utc_offset_s, ZoneInfo(athlete.timezone))
    frame = activity_store.activity_frame(session, athlete.id)
    thr, fast = _threshold(activity, frame, day)
    fast_m = fast if np.isfinite(fast) else activity.fast_distance_m
    series, reason = _series(store, activity)
    found, note = _stretches(activity, series, thr.speed_mps)
    local = local_start(start, activity.utc_offset_s, athlete.timezone)
    return ActivityDetail(
        id=activity.id,
        athlete_id=activity.athlete_id,
        athlete=athlete.name,
        name=activity.name,
        sport=activity.sport,
        format=activity.format,
        source=activity.source,
        start_time=start,
        local_date=day,
        local_start=local.strftime("%H:%M"),
        numbers=_numbers(activity, fast_m),
        fast_threshold=ThresholdOut(
            speed_mps=_r(thr.speed_mps),
            pace_s_per_km=_r(1000.0 / thr.speed_mps, 1),
            source=thr.source,
            explanation=thr.explanation,
        ),
        series=_series_out(series, reason, max_points),
        stretches=found,
        stretches_note=note,
        flags=_flags(session, activity, day, fast_m, frame),
        **_hr_basis(session, activity),
    )


def _hr_basis(session: Session, activity: Activity) -> dict[str, object]:
    """The heart rates its TRIMP stands on, and their latest move (docs/hr-load.md)."""
    if activity.hr_load is None:
        return {}
    # Imported here: fitness reads the evaluation inputs, which read the activity store.
    from loadwatch.services.fitness import hr_out

    prof = hr_load.hr_profile(session, activity.athlete)
    return {
        "hr_profile": hr_out(prof),
        "hr_change": hr_basis.latest_change(session, activity.athlete_id) if prof else None,
    }
