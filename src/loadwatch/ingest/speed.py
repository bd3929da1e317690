"""Speed figures: robust maximum, best kilometre, distance per speed bin, fast distance."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from loadwatch.ingest.activity import SPEED_BIN_MPS, SPEED_BINS
from loadwatch.ingest.smoothing import centered_mean, rolling_median

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
