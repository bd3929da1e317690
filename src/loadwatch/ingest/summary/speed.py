"""Speed figures: robust maximum, best kilometre, distance per speed bin, fast distance."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from loadwatch.ingest.summary.activity import SPEED_BIN_MPS, SPEED_BINS
from loadwatch.ingest.summary.smoothing import centered_mean, rolling_median

FloatArray = npt.NDArray[np.float64]

# A sustained maximum: a 5-sample median drops an isolated spike (a bad fix shows as one
# out-and-back pair), then a 10 s mean keeps a one-second burst from counting.
MAX_SPEED_MEDIAN_SAMPLES = 5
MAX_SPEED_HALF_WINDOW_S = 5.0


def robust_max_speed(t: FloatArray, v: FloatArray) -> float | None:
    ok = np.isfinite(v)
    if ok.sum() < 1:
        return None
    tt, vv = t[ok], v[ok]
    smoothed = centered_mean(
        tt, rolling_median(vv, MAX_SPEED_MEDIAN_SAMPLES), MAX_SPEED_HALF_WINDOW_S
    )
    return float(smoothed.max())


def best_split_s(t: FloatArray, cum_m: FloatArray, split_m: float = 1000.0) -> float | None:
    """Fastest time over ``split_m`` of cumulative distance (linear interpolation at the end)."""
    if cum_m.size < 2 or cum_m[-1] - cum_m[0] < split_m:
        return None
    target = cum_m + split_m
    j = np.searchsorted(cum_m, target, side="left")
    ok = j < cum_m.size
    i = np.flatnonzero(ok)
    j = j[ok]
    d0, d1 = cum_m[j - 1], cum_m[j]
    frac = np.where(d1 > d0, (target[i] - d0) / np.where(d1 > d0, d1 - d0, 1.0), 1.0)
    t_end = t[j - 1] + frac * (t[j] - t[j - 1])
    dur = t_end - t[i]
    dur = dur[dur > 0]  # a kilometre "in no time" is a clock defect, not a best effort
    return float(dur.min()) if dur.size else None


def speed_bins(v: FloatArray) -> npt.NDArray[np.intp]:
    b = np.floor(np.nan_to_num(v, nan=0.0) / SPEED_BIN_MPS)
    return np.clip(b, 0, SPEED_BINS - 1).astype(np.intp)


def speed_histogram(step_m: FloatArray, v: FloatArray) -> list[float]:
    """Metres covered in each SPEED_BIN_MPS bin (last bin open-ended)."""
    return [float(x) for x in np.bincount(speed_bins(v), weights=step_m, minlength=SPEED_BINS)]


def fast_distance(step_m: FloatArray, v: FloatArray, threshold_mps: float) -> float:
    return float(step_m[np.nan_to_num(v, nan=0.0) >= threshold_mps].sum())


# --- sustained speed ---------------------------------------------------------------------
# Fast running is a stretch of at least SUSTAINED_S seconds at or above the threshold.
# Why 60 s: an 800 m rep (2:20-3:30) and a 400 m rep (65-100 s for all but elite runners)
# are minutes of quick running and count whole; a 200 m stride or a sprint to the lights
# (30-40 s) is not a session of fast running and does not count.  GPS wander moves the
# speed of a whole stretch: on 1 Hz GPX with 3 m of wander, easy runs at 5:30/km judged
# against 5:00/km gave up to 109 m "fast" per 6 km with 45 s stretches (3 of 12 seeds) and
# none with 60 s (benchmarks/fast_km.py: 0 of 40).  Issue 16: one blip gave 0.3 km "fast".
SUSTAINED_S = 60.0
# Light smoothing of a device speed stream (foot pod, Doppler): the same 10 s the speed
# from positions is measured over (ingest.summary.HIST_WINDOW_S).
DEVICE_SPEED_HALF_WINDOW_S = 5.0
# Fast stretches are judged on positions averaged over ±2 s: independent jitter of each fix
# adds path length (±0.5 m per 1 Hz fix makes a 5:30/km run read ~4 % quicker), which would
# eat the margin between easy running and the default threshold.  Two seconds cut a 400 m
# track's bend by under 1 %.
POSITION_HALF_WINDOW_S = 2.0


def _range_reduce(
    x: FloatArray, lo: npt.NDArray[np.intp], hi: npt.NDArray[np.intp], op: np.ufunc
) -> FloatArray:
    """``op`` (np.minimum / np.maximum) of ``x[lo[k]..hi[k]]`` (inclusive) for every k.

    A sparse table: level L holds op over 2**L consecutive elements, so any range is op of
    two overlapping power-of-two blocks; O(n log w) without a per-sample loop."""
    length = hi - lo + 1
    levels = [x]
    top = int(np.log2(max(int(length.max()), 1)))
    for lev in range(1, top + 1):
        prev, half = levels[-1], 1 << (lev - 1)
        levels.append(op(prev[:-half], prev[half:]))
    lev_k = np.log2(length).astype(np.intp)
    out = np.empty(lo.size, dtype=np.float64)
    for lev in range(top + 1):  # levels, not samples
        k = np.flatnonzero(lev_k == lev)
        if k.size:
            tab = levels[lev]
            out[k] = op(tab[lo[k]], tab[hi[k] - (1 << lev) + 1])
    return out


def sustained_speed(
    t: FloatArray, v: FloatArray, step_m: FloatArray, min_s: float = SUSTAINED_S
) -> FloatArray:
    """Per step (step i = sample i-1 → i): the highest threshold T for which it is fast
    running, i.e. its own (smoothed) speed ``v`` is at least T *and* it lies in a stretch of
    at least ``min_s`` seconds whose average speed (``step_m`` over the stretch's time) is at
    least T.  Element 0 (no step) is 0.

    So the value is min(v_i, the best ``min_s`` average of a stretch containing step i): a
    morphological opening (maximum over the stretches containing the step of a statistic of
    the stretch) with the stretch's mean in place of its minimum.  With the minimum, one noisy
    second inside a rep held at 10 % over the threshold cut the rep; with the mean such a dip
    loses only its own second, while a blip on an easy run never lifts a whole stretch's
    average.  It does not depend on T, so its histogram gives the fast distance of any
    threshold chosen later.  Stretches are the shortest runs of steps from each step lasting
    ``min_s``; one that the activity's end cuts short does not count.
    """
    n = t.size
    out = np.zeros(n, dtype=np.float64)
    if n < 2:
        return out
    vv = np.nan_to_num(v[1:], nan=0.0)
    start = t[:-1]  # step j (0-based among steps) runs start[j] .. t[j + 1]
    # The shortest stretch from step j: up to the first step ending min_s after j starts.
    end_k = np.searchsorted(t[1:], start + min_s, side="left")
    whole = end_k < vv.size
    k = np.minimum(end_k, vv.size - 1).astype(np.intp)
    j = np.arange(vv.size, dtype=np.intp)
    cum = np.concatenate(([0.0], np.cumsum(np.nan_to_num(step_m[1:], nan=0.0))))
    span = t[1:][k] - start
    mean = np.where(whole & (span > 0), (cum[k + 1] - cum[j]) / np.where(span > 0, span, 1.0), 0.0)
    # Step i lies in the stretch from j iff j ≤ i ≤ k[j]; k is non-decreasing, so those j
    # are the range first_j(i) .. i.
    first_j = np.searchsorted(k, j, side="left").astype(np.intp)
    best = _range_reduce(mean, np.minimum(first_j, j), j, np.maximum)
    out[1:] = np.minimum(vv, best)
    return out


def smoothed_device_speed(t: FloatArray, spd: FloatArray) -> FloatArray:
    """A device's speed stream (gaps as 0) as a ±5 s mean: one-sample glitches are diluted
    before ``sustained_speed`` judges stretches."""
    return centered_mean(t, np.nan_to_num(spd, nan=0.0), DEVICE_SPEED_HALF_WINDOW_S)


def smoothed_path_steps(
    t: FloatArray, t_fix: FloatArray, coords: list[FloatArray], step_m: FloatArray
) -> FloatArray:
    """Per-sample steps (metres) along positions averaged over ±``POSITION_HALF_WINDOW_S``.

    ``coords`` are local x/y metres of the kept fixes (times ``t_fix``), read at every sample;
    a step that ``step_m`` does not count (a stop, a glitch, a segment gap) stays 0."""
    out = np.zeros(t.size, dtype=np.float64)
    if t.size < 2:
        return out
    xy = [centered_mean(t, np.interp(t, t_fix, c), POSITION_HALF_WINDOW_S) for c in coords]
    out[1:] = np.hypot(np.diff(xy[0]), np.diff(xy[1]))
    return np.where(step_m > 0, out, 0.0)
