"""Finite, possible numbers only: every Track is cleaned before it is summarised, and every
summary is checked before anyone stores or prints it.

One place for the rules, vectorised over the sample columns.  A value that no device, body
or planet produces (NaN, ±inf, a heart rate of 900, a speed of 1e308 m/s, a negative
duration) is dropped with a warning naming how many; a summary whose core numbers (distance,
moving time, elapsed time) cannot be made finite is refused as ``CorruptFile``.  The limits are
generous on purpose: they catch corruption, not unusual athletes.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
import numpy.typing as npt
import polars as pl

from loadwatch.errors import CorruptFile
from loadwatch.ingest.sports import RUNNING_SPORTS
from loadwatch.ingest.summary import timeline
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.ingest.summary.columns import FloatArray, SampleArrays
from loadwatch.ingest.track import DeviceTotals, Track

HR_BPM = (25.0, 250.0)
MAX_SPEED_MPS = 100.0  # 360 km/h: no activity loadwatch records moves faster
MAX_RUN_AVG_MPS = 10.0  # 1:40 /km held over a whole run: faster than any runner
MAX_DISTANCE_M = 1_000_000.0  # 1,000 km in one activity
MAX_DURATION_S = 14 * 86_400.0  # two weeks in one activity
ALTITUDE_M = (-500.0, 9_000.0)  # Dead Sea shore to above Everest
MAX_CADENCE = 300.0
MAX_OFFSET_S = 14 * 3600  # UTC-12 .. UTC+14
# A device timer may exceed the samples' span by MOVING_SLACK_S without comment (late first
# record); a span beyond an elapsed time by SPAN_GAP_SHARE too (``timeline``, which reads them
# first).
MOVING_SLACK_S = timeline.MOVING_SLACK_S
SPAN_GAP_SHARE = timeline.SPAN_GAP_SHARE

# Sample column -> (low, high) of a possible value; None = no bound that side.
_SAMPLE_RANGES: dict[str, tuple[float | None, float | None]] = {
    "lat": (-90.0, 90.0),
    "lon": (-180.0, 180.0),
    "distance": (0.0, MAX_DISTANCE_M),
    "altitude": ALTITUDE_M,
    "speed": (0.0, MAX_SPEED_MPS),
    "heart_rate": HR_BPM,
    "cadence": (0.0, MAX_CADENCE),
}
_SAMPLE_NAMES = {"lat": "latitude", "lon": "longitude", "heart_rate": "heart rate"}

_TOTAL_RANGES: dict[str, tuple[float, float]] = {
    "distance_m": (0.0, MAX_DISTANCE_M),
    "timer_time_s": (0.0, MAX_DURATION_S),
    "elapsed_time_s": (0.0, MAX_DURATION_S),
    "ascent_m": (0.0, 100_000.0),
    "descent_m": (0.0, 100_000.0),
    "max_speed_mps": (0.0, MAX_SPEED_MPS),
    "avg_hr": HR_BPM,
    "max_hr": HR_BPM,
}


_TOTAL_NAMES = {
    "distance_m": "distance",
    "timer_time_s": "timer time",
    "elapsed_time_s": "elapsed time",
    "ascent_m": "ascent",
    "descent_m": "descent",
    "max_speed_mps": "maximum speed",
    "avg_hr": "average heart rate",
    "max_hr": "maximum heart rate",
}


def _possible(column: str) -> pl.Expr:
    low, high = _SAMPLE_RANGES[column]
    c = pl.col(column)
    ok = c.is_finite()
    if low is not None:
        ok &= c >= low
    if high is not None:
        ok &= c <= high
    return ok


def _possible_values(column: str, values: FloatArray) -> npt.NDArray[np.bool_]:
    """``_possible`` on the column's array (NaN: null or NaN, neither possible)."""
    low, high = _SAMPLE_RANGES[column]
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(values)
        if low is not None:
            ok &= values >= low
        if high is not None:
            ok &= values <= high
    return ok


def clean_track(track: Track) -> Track:
    """``clean`` without the arrays."""
    return clean(track)[0]


def clean(track: Track) -> tuple[Track, SampleArrays]:
    """The Track with impossible sample values nulled and impossible device totals dropped,
    each kind counted in one warning (the Track itself when nothing was wrong), and its sample
    columns as arrays, read once for the whole summary (``columns``).

    A heart rate of exactly 0 is a sensor's "no reading", not corruption: nulled silently.
    Records past a clock jump and a device elapsed time corrupted to weeks are recovered
    first (``timeline``), so the checks below judge what is kept.  The checks run on the
    arrays; the frame is rewritten only where a value is dropped.
    """
    cols = SampleArrays.of(track.samples)
    df, cols, recovered_totals, recovered = timeline.recover(
        track.samples, cols, track.totals, MAX_DURATION_S
    )
    floats = dict(cols.floats)
    zero_hr = floats["heart_rate"] == 0
    if zero_hr.any():
        df = df.with_columns(
            pl.when(pl.col("heart_rate") == 0)
            .then(None)
            .otherwise("heart_rate")
            .alias("heart_rate")
        )
        floats["heart_rate"] = np.where(zero_hr, np.nan, floats["heart_rate"])
    possible = {c: _possible_values(c, floats[c]) for c in _SAMPLE_RANGES}
    # Nulls read as NaN, which is never possible: what is left is a value dropped.
    bad = {c: int(possible[c].size - possible[c].sum()) - df[c].null_count() for c in possible}
    warnings = [*track.warnings, *recovered]
    samples = df
    if any(bad.values()):
        samples = df.with_columns(
            pl.when(_possible(c)).then(pl.col(c)).otherwise(None).alias(c)
            for c, n in bad.items()
            if n
        )
        floats.update({c: np.where(possible[c], floats[c], np.nan) for c, n in bad.items() if n})
        counts = ", ".join(f"{_SAMPLE_NAMES.get(c, c)} {n}" for c, n in bad.items() if n)
        warnings.append(f"non-finite or impossible sample values dropped ({counts})")
    if any(floats[c] is not cols.floats[c] for c in floats):
        cols = replace(cols, floats=floats)
    span = float(cols.t_us[-1] - cols.t_us[0]) / 1e6 if cols.n >= 2 else None
    totals, dropped = _clean_totals(recovered_totals, span)
    warnings += dropped
    if samples is track.samples and not dropped and not recovered and totals is track.totals:
        return track, cols
    return replace(track, samples=samples, totals=totals, warnings=tuple(warnings)), cols


def _clean_totals(
    totals: DeviceTotals, span: float | None = None
) -> tuple[DeviceTotals, list[str]]:
    """Impossible device totals dropped, and a device elapsed time that contradicts its own
    timer or its records (``span``: seconds from the first record to the last) set aside,
    each with a note that says which number is kept, so the note and the stored numbers agree
    (trial9 F1, F2): with records, the summary's elapsed time is always their span."""
    changes: dict[str, float | None] = {}
    notes: list[str] = []
    for name, (low, high) in _TOTAL_RANGES.items():
        v = getattr(totals, name)
        if v == 0 and name in ("avg_hr", "max_hr"):
            changes[name] = None  # no sensor
        elif v is not None and not (math.isfinite(v) and low <= v <= high):
            changes[name] = None
            notes.append(f"device {_TOTAL_NAMES[name]} {v!r} is impossible: ignored")
    timer, elapsed = totals.timer_time_s, totals.elapsed_time_s
    if "timer_time_s" in changes or "elapsed_time_s" in changes or elapsed is None:
        pass
    elif timer is not None and timer > elapsed + MOVING_SLACK_S:
        if span is not None and span + MOVING_SLACK_S >= timer:
            # The records run as long as the timer: the device's elapsed time is the wrong one.
            changes["elapsed_time_s"] = None
            notes.append(
                f"device elapsed time {elapsed:.0f} s is shorter than its timer {timer:.0f} s, "
                f"which the records' span {span:.0f} s bears out: the timer kept, elapsed time "
                "taken from the records"
            )
        else:
            changes["timer_time_s"] = None
            notes.append(
                f"device timer {timer:.0f} s exceeds its elapsed time {elapsed:.0f} s: timer "
                "ignored" + ("" if span is None else ", moving time computed from the records")
            )
    elif span is not None and span > elapsed * (1 + SPAN_GAP_SHARE) + MOVING_SLACK_S:
        changes["elapsed_time_s"] = None
        notes.append(
            f"the records span {span:.0f} s, longer than the device's elapsed time "
            f"{elapsed:.0f} s: elapsed and moving time taken from the records"
        )
    return (replace(totals, **changes) if changes else totals), notes


_REQUIRED = ("elapsed_time_s", "moving_time_s", "distance_m")


def _finite_non_negative(values: list[float]) -> bool:
    """Every value finite and >= 0 (a histogram's bins: one array test, not one per bin)."""
    a = np.asarray(values, dtype=np.float64)
    return bool(np.isfinite(a).all() and (a >= 0).all())


def check_summary(s: ActivitySummary) -> ActivitySummary:
    """The summary with every number finite and possible, or ``CorruptFile``."""
    for name in _REQUIRED:
        v = getattr(s, name)
        if not (
            math.isfinite(v)
            and 0.0 <= v <= (MAX_DISTANCE_M if name == "distance_m" else MAX_DURATION_S)
        ):
            raise CorruptFile(f"the file's {name.replace('_', ' ')} is impossible ({v!r})")
    changes: dict[str, object] = {}
    notes: list[str] = []
    for f in fields(ActivitySummary):
        v = getattr(s, f.name)
        if f.name in _REQUIRED or not isinstance(v, float):
            continue
        if not math.isfinite(v) or v < 0:
            changes[f.name] = None
            notes.append(f"{f.name.replace('_', ' ')} {v!r} is impossible: left out")
    for name, (low, high) in (
        ("avg_hr", HR_BPM),
        ("max_hr", HR_BPM),
        ("max_speed_mps", (0.0, MAX_SPEED_MPS)),
    ):
        v = getattr(s, name)
        if name not in changes and v is not None and not low <= v <= high:
            changes[name] = None
            notes.append(f"{name.replace('_', ' ')} {v:.1f} is impossible: left out")
    if s.moving_time_s > s.elapsed_time_s:
        # The device timer runs from the start button, the samples from the first record, a
        # few seconds later: elapsed can be no less than the timer.  Only a gap beyond that
        # (the samples miss part of the activity) is worth a warning.
        changes["elapsed_time_s"] = s.moving_time_s
    if s.moving_time_s > s.elapsed_time_s * (1 + SPAN_GAP_SHARE) + MOVING_SLACK_S:
        notes.append(
            f"moving time {s.moving_time_s:.0f} s exceeds the recorded span "
            f"{s.elapsed_time_s:.0f} s: elapsed time taken as the moving time"
        )
    if s.stopped_time_s > s.moving_time_s:
        # Standing still while timing is part of the timer time (docs/moving-time.md): every
        # format's summary holds stopped <= moving <= elapsed.
        changes["stopped_time_s"] = s.moving_time_s
    if abs(s.utc_offset_s) > MAX_OFFSET_S:
        raise CorruptFile(f"local time offset {s.utc_offset_s} s is outside UTC-12..UTC+14")
    if (
        s.sport in RUNNING_SPORTS
        and s.totals_source.get("sport") != "relabel"
        and s.moving_time_s > 0
        and s.distance_m / s.moving_time_s > MAX_RUN_AVG_MPS
    ):
        avg = s.distance_m / s.moving_time_s
        changes["sport"] = "other"
        changes["totals_source"] = {**s.totals_source, "sport": "impossible_run"}
        notes.append(f"an average of {avg:.1f} m/s is faster than any runner: kept as other")
    for name in ("speed_hist_m", "sustained_speed_hist_m", "flat_speed_hist_m"):
        h = getattr(s, name)
        if h is not None and not _finite_non_negative(h):
            changes[name] = None
            notes.append(f"{name.removesuffix('_m').replace('_', ' ')} not finite: left out")
    if not changes:
        return s
    return replace(s, **changes, warnings=[*s.warnings, *notes])  # type: ignore[arg-type]
