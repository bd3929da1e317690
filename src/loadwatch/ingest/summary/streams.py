"""The per-sample streams every summary number derives from.

One array of step lengths (metres from the previous sample): the device's cumulative distance
field when recorded, else geodesic steps with glitches removed; with it the speeds (per step,
smoothed, sustained), and whether the athlete was moving or the recording paused.  Computed on
a Track's columns as arrays (``columns``), once per summary.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loadwatch.ingest.summary import geo, grade, motion, speed
from loadwatch.ingest.summary.columns import FloatArray, SampleArrays


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
    # The running maximum restarts with the counter: one accumulate per piece (restarts are
    # rare, a handful per file at most).
    bounds = [0, *np.flatnonzero(restart).tolist(), odo.size]
    pieces = itertools.pairwise(bounds)
    run_max = np.concatenate([np.maximum.accumulate(odo[lo:hi]) for lo, hi in pieces])
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
class Streams:
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


def streams(cols: SampleArrays, limits: SportLimits) -> Streams:
    """The per-sample streams of one cleaned Track's columns (module doc)."""
    n = cols.n
    t = cols.seconds()
    seg = cols.seg
    lat, lon = cols.col("lat"), cols.col("lon")
    dist, spd = cols.col("distance"), cols.col("speed")
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
    return Streams(
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


def sustained(s: Streams, g: FloatArray) -> FloatArray:
    """Per step, the speed fast running is judged on (``speed.sustained_speed``).  Fast running
    is actual speed held for a while on ground that does not carry the runner: climbing
    belongs to the hills dimensions, and a steep downhill (the hills' downhill km) is never
    fast running.  See docs/fast.md."""
    running = s.moving & ~s.paused & ~(g <= -grade.HILL_GRADE)
    return speed.sustained_speed(
        s.t, np.where(running, s.smooth_speed, 0.0), np.where(running, s.smooth_step_m, 0.0)
    )
