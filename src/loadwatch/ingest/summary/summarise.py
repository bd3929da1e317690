"""Track → ActivitySummary: every per-activity number of the DESIGN contract.

Device totals win where the device wrote them (its distance comes from a foot pod or a
filtered GPS, its ascent from a barometer, its timer knows when it was paused); everything
else is computed from the samples, vectorised.  ``totals_source`` says which is which.

Per-sample streams all derive from one array of step lengths (metres from the previous sample):
the device's cumulative distance field when recorded, else geodesic steps with glitches
removed.  When the device's total distance is used, the steps are scaled to it so that the
speed histogram, fast, hill and grade-adjusted distances add up to the distance reported.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from loadwatch.errors import NotAnActivity
from loadwatch.ingest import sports_choice, tz
from loadwatch.ingest.sports import RUNNING_SPORTS
from loadwatch.ingest.sports_guess import Guess
from loadwatch.ingest.sports_stats import moving_median
from loadwatch.ingest.summary import (
    device_distance,
    elevation,
    geo,
    grade,
    hrload,
    motion,
    speed,
    timeline,
    validate,
)
from loadwatch.ingest.summary import streams as st
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.ingest.summary.columns import FloatArray, SampleArrays
from loadwatch.ingest.summary.series import SERIES_SCHEMA, sample_series
from loadwatch.ingest.summary.streams import HR_RANGE, SCALE_RANGE, SPORT_LIMITS, streams
from loadwatch.ingest.track import Track

__all__ = ["SERIES_SCHEMA", "SUMMARY_FIELDS", "sample_series", "summarize"]

SUMMARY_FIELDS = (
    "distance_m",
    "moving_time_s",
    "elevation_gain_m",
    "elevation_loss_m",
    "max_speed_mps",
    "avg_hr",
    "max_hr",
)


def _hr(hr: FloatArray) -> tuple[float | None, float | None]:
    hr = hr[np.isfinite(hr) & (hr >= HR_RANGE[0]) & (hr <= HR_RANGE[1])]
    if hr.size == 0:
        return None, None
    return float(hr.mean()), float(hr.max())


def _start_offset(track: Track, cols: SampleArrays, start: datetime, default_tz: str) -> int:
    if track.utc_offset_s is not None:
        return track.utc_offset_s
    lat, lon = cols.col("lat"), cols.col("lon")
    ok = np.flatnonzero(geo.valid_positions(lat, lon))
    if ok.size:
        off = tz.offset_at(float(lat[ok[0]]), float(lon[ok[0]]), start)
        if off is not None:
            return off
    return tz.offset_in_zone(default_tz, start)


def _device_or(
    device: float | None, computed: float | None, field: str, src: dict[str, str]
) -> float | None:
    """The device's own total when it wrote one (noted in ``src``), else the computed value."""
    if device is None:
        return computed
    src[field] = "device"
    return float(device)


def summarize(
    track: Track,
    *,
    source_sha256: str,
    fast_speed_mps: float | None = None,
    default_tz: str = "UTC",
    declared_sport: str | None = None,
    relabel: str | None = None,
) -> ActivitySummary:
    """The summary of one Track.

    ``declared_sport`` is the export's own type for this file (Strava's ``Activity Type``:
    "Run", or a loadwatch sport), ``relabel`` the user's choice; with the file's sport and a
    guess they decide the sport by ``sports_choice.decide``'s precedence, and the sport then
    sets the limits (GPS glitch speed, standing still) the numbers are computed with.
    """
    track, cols = validate.clean(track)
    dev = track.totals
    n = cols.n
    choice = sports_choice.decide(
        relabel=relabel,
        export=declared_sport,
        file=track.sport if track.sport_guess is None else None,
        guessed=Guess(track.sport, track.sport_guess) if track.sport_guess else None,
    )
    if choice.sport in RUNNING_SPORTS and choice.source in ("file", "export"):
        choice = sports_choice.implausible_run(choice, moving_median(track.samples))
    limits = SPORT_LIMITS.get(choice.sport, SPORT_LIMITS["other"])

    if track.start_time is not None:
        start = track.start_time
    elif n:
        start = track.samples.get_column("time")[0]
    else:
        raise NotAnActivity("activity has neither a start time nor any timed sample")

    s = streams(cols, limits)
    src: dict[str, str] = dict.fromkeys(SUMMARY_FIELDS, "computed")
    warnings = [w for w in track.warnings if choice.source == "guess" or w != track.sport_guess]
    warnings += s.warnings

    if dev.timer_time_s is not None:
        moving_time = float(dev.timer_time_s)
        src["moving_time_s"] = "device"
    elif n >= 2:
        moving_time = motion.timer_time(s.t, s.paused)
    else:
        moving_time = float(dev.elapsed_time_s or 0.0)
    if n >= 2:
        elapsed, note = timeline.elapsed_time(dev.elapsed_time_s, float(s.t[-1]), moving_time)
        warnings += note
    else:
        elapsed = float(dev.elapsed_time_s or dev.timer_time_s or 0.0)
    computed_distance = float(s.step_m.sum())
    step_m = s.step_m
    covered = True  # the samples describe the whole activity
    distance = computed_distance
    if dev.distance_m is not None:
        distrust = device_distance.implausible(
            float(dev.distance_m), computed_distance, moving_time, limits.stop_speed_mps
        )
        if distrust is not None:
            warnings.append(distrust)
        else:
            distance = float(dev.distance_m)
            src["distance_m"] = "device"
            if (
                computed_distance > 0
                and SCALE_RANGE[0] <= distance / computed_distance <= SCALE_RANGE[1]
            ):
                step_m = step_m * (distance / computed_distance)
            elif computed_distance > 0:
                covered = False
                warnings.append(
                    f"the samples cover {computed_distance:.0f} m of the device's "
                    f"{distance:.0f} m: "
                    "no per-sample figures (speed histogram, hills, climbing, best km)"
                )

    stopped = min(motion.stopped_time(s.t, s.paused, s.moving), moving_time)

    cum = np.cumsum(step_m)
    has_steps = covered and s.has_distance and float(cum[-1] if n else 0.0) > 0
    alt = elevation.usable_altitude(cols.col("altitude")) if n >= 2 and covered else None
    gain: float | None = None
    loss: float | None = None
    gap = uphill = downhill = None
    gap_hist: list[float] | None = None
    g = np.zeros(n, dtype=np.float64)  # without altitude a run is taken as flat
    if alt is not None:
        smoothed, band = elevation.profile(s.t, alt)  # computed once: the climb and the grades
        gain, loss = elevation.climb(smoothed, band, s.seg)
        if has_steps:
            g = grade.step_grade(cum, smoothed)
            gap = grade.gap_distance(step_m, g)
            uphill, downhill = grade.hill_distances(step_m, g)
            gap_hist = speed.speed_histogram(step_m, grade.gap_speed(s.step_speed, g))
    gain = _device_or(dev.ascent_m, gain, "elevation_gain_m", src)
    loss = _device_or(dev.descent_m, loss, "elevation_loss_m", src)
    max_speed = _device_or(dev.max_speed_mps, s.max_speed, "max_speed_mps", src)
    avg_hr, max_hr = _hr(cols.col("heart_rate"))
    avg_hr = _device_or(dev.avg_hr, avg_hr, "avg_hr", src)
    max_hr = _device_or(dev.max_hr, max_hr, "max_hr", src)

    hist = sustained_hist = flat_hist = None
    fast = None
    if has_steps:
        hist = speed.speed_histogram(step_m, s.step_speed)
        sustained = st.sustained(s, g)
        sustained_hist = speed.speed_histogram(step_m, sustained)
        # The athlete's own speed on near-flat ground, measured like the sustained speed: what
        # their fast threshold derives from.
        flat = np.abs(g) < grade.HILL_GRADE
        flat_hist = speed.speed_histogram(np.where(flat, step_m, 0.0), s.smooth_speed)
        if fast_speed_mps is not None:
            fast = speed.fast_distance(step_m, sustained, fast_speed_mps)
    best_1km = speed.best_split_s(s.t, cum) if has_steps else None

    short = sports_choice.too_short_to_run(choice, distance, max(elapsed, moving_time))
    if short is not choice and choice.note is not None and choice.note in warnings:
        warnings.remove(choice.note)  # the short note repeats it with why it was overruled
    choice = short
    if choice.note is not None and choice.note not in warnings:
        warnings.append(choice.note)
    src["sport"] = choice.source

    summary = ActivitySummary(
        format=track.format,
        sport=choice.sport,
        start_time=start,
        utc_offset_s=_start_offset(track, cols, start, default_tz),
        elapsed_time_s=elapsed,
        moving_time_s=moving_time,
        stopped_time_s=stopped,
        distance_m=distance,
        elevation_gain_m=gain,
        elevation_loss_m=loss,
        avg_pace_s_per_km=moving_time / distance * 1000.0
        if distance > 0 and moving_time > 0
        else None,
        gap_distance_m=gap,
        uphill_distance_m=uphill,
        downhill_distance_m=downhill,
        fast_distance_m=fast,
        max_speed_mps=max_speed,
        best_1km_s=best_1km,
        avg_hr=avg_hr,
        max_hr=max_hr,
        n_samples=n,
        device=track.device,
        source_sha256=source_sha256,
        totals_source=src,
        session_index=track.session_index,
        name=track.name,
        speed_hist_m=hist,
        gap_speed_hist_m=gap_hist,
        sustained_speed_hist_m=sustained_hist,
        flat_speed_hist_m=flat_hist,
        hr_time_hist_s=hrload.hr_time_histogram(s.t, cols.col("heart_rate")),
        warnings=warnings,
    )
    return validate.check_summary(summary)
