"""Time-windowed smoothing over irregularly sampled series (pure numpy, no per-sample loops)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def centered_mean(t: FloatArray, x: FloatArray, half_window_s: float) -> FloatArray:
    """Mean of ``x`` over ``[t_i - h, t_i + h]`` for every sample.

    Windows are defined in seconds, not samples, so 1 Hz and "smart recording" files are
    smoothed alike; prefix sums + ``searchsorted`` make it O(n log n) without a loop.
    """
    if x.size == 0:
        return x.copy()
    csum = np.concatenate(([0.0], np.cumsum(x)))
    lo = np.searchsorted(t, t - half_window_s, side="left")
    hi = np.searchsorted(t, t + half_window_s, side="right")
    return np.asarray((csum[hi] - csum[lo]) / (hi - lo), dtype=np.float64)


def rolling_median(x: FloatArray, window: int) -> FloatArray:
    """Centred median over ``window`` samples (odd); edges use the nearest full window.

    A median over a few samples removes isolated spikes (a GPS jump shows up as two
    consecutive outliers: out and back) that any mean would smear instead.
    """
    n = x.size
    if n == 0 or window <= 1:
        return x.copy()
    w = min(window, n if n % 2 else n - 1)
    if w <= 1:
        return x.copy()
    if w == 5 and not np.isnan(x).any():
        med = _median5(x)
    else:
        med = np.median(np.lib.stride_tricks.sliding_window_view(x, w), axis=1)
    half = w // 2
    return np.concatenate((np.full(half, med[0]), med, np.full(n - med.size - half, med[-1])))


def _median5(x: FloatArray) -> FloatArray:
    """``np.median`` over every window of 5 samples of a NaN-free ``x``, without sorting: of
    two ordered pairs, the smaller low and the larger high each have three samples on one side
    (they cannot be the median), so the median is that of the three left, ``m1``, ``m2`` and the
    fifth.  The result is one of the inputs, as ``np.median``'s is for an odd window."""
    a, b, c, d, e = (x[i : x.size - 4 + i] for i in range(5))
    m1 = np.maximum(np.minimum(a, b), np.minimum(c, d))
    m2 = np.minimum(np.maximum(a, b), np.maximum(c, d))
    return np.maximum(np.minimum(m1, m2), np.minimum(np.maximum(m1, m2), e))


def interp_nulls(x: FloatArray) -> FloatArray:
    """Fill NaNs by linear interpolation over sample index (ends take the nearest value)."""
    ok = np.isfinite(x)
    if ok.all() or not ok.any():
        return x.copy()
    idx = np.arange(x.size)
    return np.interp(idx, idx[ok], x[ok])
