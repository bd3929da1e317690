"""Moving time: stops and pauses removed.

A step (sample i-1 → i) counts as moving when the net displacement over a window around it,
divided by the window's duration, reaches the sport's stop speed.  The window is at least
``WINDOW_S`` seconds and always covers the step itself, so:

* a stop at a crossing (1 Hz fixes jittering in place) has a small *net* displacement → stop;
* a pause (the device stopped recording; a gap of any length) covers little ground for its
  duration → pause, while a long gap that did cover ground (sparse "smart" recording) moves;
* the boundary between two segments (GPX tracks, TCX lap tracks) is never moving.

Net displacement, not path length, is used for GPS fixes because jitter while standing still
adds path length but not displacement.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

WINDOW_S = 20.0
PAUSE_GAP_S = 30.0  # without any position or distance, a longer gap between samples is a pause


def window_speed(t: FloatArray, coords: list[FloatArray], window_s: float = WINDOW_S) -> FloatArray:
    """Per-step speed (m/s) from net displacement over a window around each step.

    ``coords`` are one (cumulative distance) or two (local x/y metres) coordinate series
    aligned with ``t`` (non-decreasing).  Element 0 (no step) is 0.
    """
    n = t.size
    out = np.zeros(n, dtype=np.float64)
    if n < 2:
        return out
    h = window_s / 2.0
    mid = (t[:-1] + t[1:]) / 2.0
    a = np.maximum(np.minimum(t[:-1], mid - h), t[0])
    b = np.minimum(np.maximum(t[1:], mid + h), t[-1])
    sq = np.zeros(n - 1, dtype=np.float64)
    for c in coords:  # one or two coordinates, not samples
        sq += (np.interp(b, t, c) - np.interp(a, t, c)) ** 2
    span = b - a
    out[1:] = np.where(span > 0, np.sqrt(sq) / np.where(span > 0, span, 1.0), 0.0)
    return out


def moving_mask(
    t: FloatArray,
    step_speed: FloatArray,
    segment: npt.NDArray[np.int64],
    stop_speed_mps: float,
) -> BoolArray:
    """Per-step moving flag from a per-step speed estimate (element 0 is never moving)."""
    n = t.size
    mask = np.zeros(n, dtype=np.bool_)
    if n < 2:
        return mask
    mask[1:] = (step_speed[1:] >= stop_speed_mps) & (segment[1:] == segment[:-1])
    return mask


def gap_mask(
    t: FloatArray, segment: npt.NDArray[np.int64], pause_gap_s: float = PAUSE_GAP_S
) -> BoolArray:
    """Moving flag when nothing tells where the athlete went: short gaps within a segment."""
    n = t.size
    mask = np.zeros(n, dtype=np.bool_)
    if n < 2:
        return mask
    mask[1:] = (np.diff(t) <= pause_gap_s) & (segment[1:] == segment[:-1])
    return mask


def moving_time(t: FloatArray, mask: BoolArray) -> float:
    if t.size < 2:
        return 0.0
    return float(np.diff(t)[mask[1:]].sum())
