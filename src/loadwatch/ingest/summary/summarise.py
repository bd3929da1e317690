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

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import polars as pl

from loadwatch.errors import NotAnActivity
from loadwatch.ingest import sports, tz
from loadwatch.ingest.summary import elevation, geo, grade, hrload, motion, speed, validate
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.ingest.track import Track

FloatArray = npt.NDArray[np.float64]

SUMMARY_FIELDS = (
    "distance_m",
    "moving_time_s",
    "elevation_gain_m",
    "elevation_loss_m",
    "max_speed_mps",
    "avg_hr",
    "max_hr",
)


@dataclass(frozen=True, slots=True)
class SportLimits:
    max_speed_mps: float  # faster steps between two fixes are GPS glitches
    stop_speed_mps: float  # slower is standing still


FOOT = SportLimits(max_speed_mps=15.0, stop_speed_mps=0.5)
SPORT_LIMITS: dict[str, SportLimits] = {
    "running": FOOT,
    "trail_running": FOOT,
    "treadmill_running": FOOT,
    "walking": SportLimits(max_speed_mps=15.0, stop_speed_mps=0.3),
    "hiking": SportLimits(max_speed_mps=15.0, stop_speed_mps=0.3),
    "cycling": SportLimits(max_speed_mps=40.0, stop_speed_mps=1.0),
    "swimming": SportLimits(max_speed_mps=5.0, stop_speed_mps=0.1),
    "other": SportLimits(max_speed_mps=60.0, stop_speed_mps=0.5),
}

HR_RANGE = (25.0, 250.0)  # bpm outside this are sensor dropouts, not heart rates
MIN_STREAM_FRACTION = 0.5  # a channel is used when at least this share of samples has it
# Steps are rescaled onto the device's distance only when both describe the same ground.
SCALE_RANGE = (0.5, 2.0)
HIST_WINDOW_S = 10.0  # speed for the histograms and fast distance


def _col(df: pl.DataFrame, name: str) -> FloatArray:
    return (
        df.get_column(name).cast(pl.Float64).fill_null(float("nan")).to_numpy().astype(np.float64)
    )


def _present(x: FloatArray) -> bool:
    return x.size > 0 and int(np.isfinite(x).sum()) >= max(2, int(MIN_STREAM_FRACTION * x.size))


def _odometer_steps(odo: FloatArray) -> FloatArray:
    """Per-sample steps of a cumulative distance that may wobble backwards or restart.

    A drop to under half the previous reading is a counter restart (the steps go on from the
    new reading); any smaller drop is a wobble, absorbed by a running maximum so that going
    back and forth over the same metres is not counted twice.
    """
    step = np.zeros(odo.size, dtype=np.float64)
    if odo.size < 2:
        return step
    restart = np.concatenate(([False], odo[1:] < 0.5 * odo[:-1]))
    piece = np.cumsum(restart)
    run_max = (
        pl.DataFrame({"d": odo, "p": piece}).select(pl.col("d").cum_max().over("p")).to_series()
    ).to_numpy()
    step[1:] = np.where(restart[1:], np.maximum(odo[1:], 0.0), np.diff(run_max))
    return np.clip(step, 0.0, None)


def _odometer_usable(t: FloatArray, dist: FloatArray) -> bool:
    """The distance field advances and its readings span most of the activity."""
    ok = np.isfinite(dist)
    if int(ok.sum()) < 2 or t.size < 2:
        return False
    d, tt = dist[ok], t[ok]
    covered = float(tt[-1] - tt[0]) >= MIN_STREAM_FRACTION * float(t[-1] - t[0])
    return covered and float(d.max() - d.min()) > 0


@dataclass(frozen=True, slots=True)
class _Streams:
    t: FloatArray  # seconds since the first sample
    seg: npt.NDArray[np.int64]
    step_m: FloatArray  # per sample, metres from the previous sample
    step_speed: FloatArray  # per step, m/s: for stops and the speed histograms
    smooth_speed: FloatArray  # per step, m/s, smoothed over ~10 s: for sustained speed
    smooth_step_m: FloatArray  # per step, metres on smoothed positions: for sustained speed
    moving: npt.NDArray[np.bool_]
    paused: npt.NDArray[np.bool_]  # per step: the recording was paused (see motion.pause_mask)
    max_speed: float | None
    has_distance: bool  # step_m came from a stream or from positions
    warnings: tuple[str, ...]


def _streams(df: pl.DataFrame, limits: SportLimits) -> _Streams:
    n = df.height
    t_us = df.get_column("time").dt.epoch("us").to_numpy().astype(np.int64)
    t = (t_us - t_us[0]).astype(np.float64) / 1e6 if n else np.zeros(0)
    seg = df.get_column("segment").fill_null(0).to_numpy().astype(np.int64)
    lat, lon = _col(df, "lat"), _col(df, "lon")
    dist, spd = _col(df, "distance"), _col(df, "speed")
    warnings: list[str] = []

    step = np.zeros(n, dtype=np.float64)
    has_distance = False
    coords: list[FloatArray] | None = None
    t_coords = t
    if _odometer_usable(t, dist):
        # The device's own odometer.  Between sparse readings (a pool swim writes one per
        # length) it is interpolated over time, so speed is spread over the length rather than
        # concentrated at the wall; a counter reset (negative step) adds 0.
        ok = np.isfinite(dist)
        tk, dk = t[ok], dist[ok]
        if tk[0] > t[0] and dk[0] <= limits.max_speed_mps * (tk[0] - t[0]):
            # The odometer starts at 0 with the activity; its first reading came later.
            tk, dk = np.concatenate(([t[0]], tk)), np.concatenate(([0.0], dk))
        step = _odometer_steps(np.interp(t, tk, dk))
        has_distance = True
        coords = [np.cumsum(step)]
    elif int(geo.valid_positions(lat, lon).sum()) >= 2:
        g = geo.geo_steps(lat, lon, t, seg, limits.max_speed_mps)
        step = g.step_m
        has_distance = True
        if g.n_spikes or g.n_jumps:
            warnings.append(
                f"GPS: {g.n_spikes} spike fix(es) dropped, "
                f"{g.n_jumps} implausible jump(s) not counted"
            )
        x, y = geo.local_xy(lat[g.kept], lon[g.kept])
        coords, t_coords = [x, y], t[g.kept]

    if has_distance and coords is not None and t_coords.size >= 2:
        # Net displacement is measured on the kept fixes' clock, then read at every sample.
        if t_coords.size == n:
            net_speed = motion.window_speed(t, coords)
        else:
            net_speed = motion.window_speed(t, [np.interp(t, t_coords, c) for c in coords])
        moving = motion.moving_mask(t, net_speed, seg, limits.stop_speed_mps)
        paused = motion.pause_mask(t, seg, net_speed, limits.stop_speed_mps)
        if len(coords) == 2 and float(t[-1]) > 0:
            # Fixes jittering around a standing athlete add path length, not distance.
            step = np.where(moving, step, 0.0)
    elif _present(spd):
        moving = motion.moving_mask(t, np.nan_to_num(spd, nan=0.0), seg, limits.stop_speed_mps)
        paused = motion.pause_mask(t, seg, None, limits.stop_speed_mps)
    else:
        # Nothing tells whether the athlete moved: the timer's time is all we can know.
        paused = motion.pause_mask(t, seg, None, limits.stop_speed_mps)
        moving = ~paused

    if _present(spd):
        # The device's instantaneous speed (foot pod / Doppler) beats differentiated positions.
        step_speed = np.nan_to_num(spd, nan=0.0)
        # Fast stretches are judged on it lightly smoothed, like the speed from positions.
        smooth_speed, smooth_step = speed.smoothed_device_speed(t, spd), step
        max_speed = speed.robust_max_speed(t, spd)
    elif has_distance and n >= 2:
        # Path length (not net displacement) over a short window: bends do not slow it down.
        step_speed = motion.window_speed(t, [np.cumsum(step)], HIST_WINDOW_S)
        smooth_speed, smooth_step = step_speed, step
        if coords is not None and len(coords) == 2:
            smooth_step = speed.smoothed_path_steps(t, t_coords, coords, step)
            smooth_speed = motion.window_speed(t, [np.cumsum(smooth_step)], HIST_WINDOW_S)
        dt = np.diff(t)
        raw = np.full(n - 1, np.nan)
        np.divide(step[1:], dt, out=raw, where=dt > 0)
        max_speed = speed.robust_max_speed(t[1:], raw)
    else:
        step_speed = smooth_speed = smooth_step = np.zeros(n, dtype=np.float64)
        max_speed = None
    return _Streams(
        t,
        seg,
        step,
        step_speed,
        smooth_speed,
        smooth_step,
        moving,
        paused,
        max_speed,
        has_distance,
        tuple(warnings),
    )


def _hr(df: pl.DataFrame) -> tuple[float | None, float | None]:
    hr = _col(df, "heart_rate")
    hr = hr[np.isfinite(hr) & (hr >= HR_RANGE[0]) & (hr <= HR_RANGE[1])]
    if hr.size == 0:
        return None, None
    return float(hr.mean()), float(hr.max())


def _start_offset(track: Track, start: datetime, default_tz: str) -> int:
    if track.utc_offset_s is not None:
        return track.utc_offset_s
    df = track.samples
    lat, lon = _col(df, "lat"), _col(df, "lon")
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
    guess they decide the sport by ``sports.decide``'s precedence, and the sport then sets the
    limits (GPS glitch speed, standing still) the numbers are computed with.
    """
    track = validate.clean_track(track)
    df = track.samples
    dev = track.totals
    n = df.height
    choice = sports.decide(
        relabel=relabel,
        export=declared_sport,
        file=track.sport if track.sport_guess is None else None,
        guessed=sports.Guess(track.sport, track.sport_guess) if track.sport_guess else None,
    )
    limits = SPORT_LIMITS.get(choice.sport, SPORT_LIMITS["other"])

    if track.start_time is not None:
        start = track.start_time
    elif n:
        start = df.get_column("time")[0]
    else:
        raise NotAnActivity("activity has neither a start time nor any timed sample")

    s = _streams(df, limits)
    src: dict[str, str] = dict.fromkeys(SUMMARY_FIELDS, "computed")
    warnings = [w for w in track.warnings if choice.source == "guess" or w != track.sport_guess]
    warnings += s.warnings

    elapsed = float(s.t[-1]) if n >= 2 else float(dev.elapsed_time_s or dev.timer_time_s or 0.0)

    computed_distance = float(s.step_m.sum())
    step_m = s.step_m
    covered = True  # the samples describe the whole activity
    if dev.distance_m is not None:
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
                f"the samples cover {computed_distance:.0f} m of the device's {distance:.0f} m: "
                "no per-sample figures (speed histogram, hills, climbing, best km)"
            )
    else:
        distance = computed_distance

    if dev.timer_time_s is not None:
        moving_time = float(dev.timer_time_s)
        src["moving_time_s"] = "device"
    elif n >= 2:
        moving_time = motion.timer_time(s.t, s.paused)
    else:
        moving_time = float(dev.elapsed_time_s or 0.0)
    stopped = min(motion.stopped_time(s.t, s.paused, s.moving), moving_time)

    cum = np.cumsum(step_m)
    has_steps = covered and s.has_distance and float(cum[-1] if n else 0.0) > 0
    alt = elevation.usable_altitude(_col(df, "altitude")) if n >= 2 and covered else None
    gain: float | None = None
    loss: float | None = None
    gap = uphill = downhill = None
    gap_hist: list[float] | None = None
    g = np.zeros(n, dtype=np.float64)  # without altitude a run is taken as flat
    if alt is not None:
        gain, loss = elevation.gain_loss(s.t, alt, s.seg)
        if has_steps:
            g = grade.step_grade(cum, elevation.profile(s.t, alt)[0])
            gap = grade.gap_distance(step_m, g)
            uphill, downhill = grade.hill_distances(step_m, g)
            gap_hist = speed.speed_histogram(step_m, grade.gap_speed(s.step_speed, g))
    gain = _device_or(dev.ascent_m, gain, "elevation_gain_m", src)
    loss = _device_or(dev.descent_m, loss, "elevation_loss_m", src)
    max_speed = _device_or(dev.max_speed_mps, s.max_speed, "max_speed_mps", src)
    avg_hr, max_hr = _hr(df)
    avg_hr = _device_or(dev.avg_hr, avg_hr, "avg_hr", src)
    max_hr = _device_or(dev.max_hr, max_hr, "max_hr", src)

    hist = sustained_hist = flat_hist = None
    fast = None
    if has_steps:
        hist = speed.speed_histogram(step_m, s.step_speed)
        sustained = _sustained(s, g)
        sustained_hist = speed.speed_histogram(step_m, sustained)
        # The athlete's own speed on near-flat ground, measured like the sustained speed: what
        # their fast threshold derives from.
        flat = np.abs(g) < grade.HILL_GRADE
        flat_hist = speed.speed_histogram(np.where(flat, step_m, 0.0), s.smooth_speed)
        if fast_speed_mps is not None:
            fast = speed.fast_distance(step_m, sustained, fast_speed_mps)
    best_1km = speed.best_split_s(s.t, cum) if has_steps else None

    choice = sports.too_short_to_run(choice, distance, max(elapsed, moving_time))
    if choice.note is not None and choice.note not in warnings:
        warnings.append(choice.note)
    src["sport"] = choice.source

    summary = ActivitySummary(
        format=track.format,
        sport=choice.sport,
        start_time=start,
        utc_offset_s=_start_offset(track, start, default_tz),
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
        hr_time_hist_s=hrload.hr_time_histogram(s.t, _col(df, "heart_rate")),
        warnings=warnings,
    )
    return validate.check_summary(summary)


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


def _sustained(s: _Streams, g: FloatArray) -> FloatArray:
    """Per step, the speed fast running is judged on (``speed.sustained_speed``).  Fast running
    is actual speed held for a while on ground that does not carry the runner: climbing
    belongs to the hills dimensions, and a steep downhill (the hills' downhill km) is never
    fast running.  See docs/fast.md."""
    running = s.moving & ~s.paused & ~(g <= -grade.HILL_GRADE)
    return speed.sustained_speed(
        s.t, np.where(running, s.smooth_speed, 0.0), np.where(running, s.smooth_step_m, 0.0)
    )


def sample_series(track: Track, device_distance_m: float | None = None) -> pl.DataFrame:
    """``SERIES_SCHEMA`` for one Track, computed exactly as ``summarize`` computes its numbers
    (same cleaning, sport limits, steps scaled onto the device's distance, grade and
    grade-adjusted speed), so the stretches found on it add up to the summary's figures."""
    track = validate.clean_track(track)
    df = track.samples
    if df.height < 2:
        return pl.DataFrame(schema=SERIES_SCHEMA)
    s = _streams(df, SPORT_LIMITS.get(track.sport, SPORT_LIMITS["other"]))
    step_m = s.step_m
    computed = float(step_m.sum())
    if (
        device_distance_m is not None
        and computed > 0
        and SCALE_RANGE[0] <= device_distance_m / computed <= SCALE_RANGE[1]
    ):
        step_m = step_m * (device_distance_m / computed)
    cum = np.cumsum(step_m)
    nan = np.full(df.height, np.nan)
    alt_m, g, gap = nan, nan, nan
    alt = elevation.usable_altitude(_col(df, "altitude"))
    if alt is not None:
        alt_m = elevation.profile(s.t, alt)[0]
        if s.has_distance and float(cum[-1]) > 0:
            g = grade.step_grade(cum, alt_m)
            gap = grade.gap_speed(s.step_speed, g)
    hr = _col(df, "heart_rate")
    hr = np.where((hr >= HR_RANGE[0]) & (hr <= HR_RANGE[1]), hr, np.nan)
    out = pl.DataFrame(
        {
            "t_s": s.t,
            "distance_m": cum,
            "speed_mps": s.step_speed,
            "sustained_speed_mps": _sustained(s, np.where(np.isnan(g), 0.0, g)),
            "gap_speed_mps": gap,
            "grade": g,
            "altitude_m": alt_m,
            "heart_rate": hr,
            "moving": s.moving,
        },
        schema=SERIES_SCHEMA,
    )
    return out.with_columns(pl.col(pl.Float64).fill_nan(None))
