"""Polars' window operations on numpy arrays, along the days (axis 1), one row per candidate
future: what ``rules.arrays`` computes the rules' columns with.  A polars null is NaN."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from loadwatch.rules.detraining import DECAY_POINTS, MAX_CAPACITY_DAYS

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
NAN = np.nan


def shift(x: F, n: int) -> F:
    out = np.full_like(x, NAN)
    if n < x.shape[1]:
        out[:, n:] = x[:, : x.shape[1] - n]
    return out


def ffill(x: F) -> F:
    idx = np.where(np.isnan(x), -1, np.arange(x.shape[1]))
    np.maximum.accumulate(idx, axis=1, out=idx)
    # Plain fancy indexing: ``take_along_axis`` costs several times more on these small
    # arrays (the rules call this ~25 times per judgement, rules/arrays.py).
    out = x[np.arange(x.shape[0])[:, None], np.maximum(idx, 0)]
    out[idx < 0] = NAN
    return out


def bfill(x: F) -> F:
    return ffill(x[:, ::-1])[:, ::-1]


def rolling_sum(x: F, w: int) -> F:
    """Sum of the ``w`` days ending on each day (null for the first ``w - 1``); ``x`` holds
    integers without nulls, so the differences of its running sum are exact."""
    c = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    out = np.full_like(x, NAN)
    if w <= x.shape[1]:
        out[:, w - 1 :] = c[:, w:] - c[:, : c.shape[1] - w]
    return out


def rolling_max(x: F, w: int, *, min_samples: int | None = None) -> F:
    k, t = x.shape
    if min_samples == 1:
        pad = np.concatenate([np.full((k, w - 1), -np.inf), x], axis=1)
        padded: F = sliding_window_view(pad, w, axis=1).max(axis=2)
        return padded
    out = np.full_like(x, NAN)
    if w <= t:
        out[:, w - 1 :] = sliding_window_view(x, w, axis=1).max(axis=2)
    return out


def seg_cummax(x: F, seg: F) -> F:
    """Running maximum restarting at each new segment (``cum_max().over("_seg")``)."""
    if seg.size and seg.min() == seg.max():  # one segment (no return in reach): most days
        return np.maximum.accumulate(x, axis=1)
    out = np.empty_like(x)
    for s in np.unique(seg):
        m = seg == s
        out[m] = np.maximum.accumulate(np.where(m, x, -np.inf), axis=1)[m]
    return out


def seg_shift1(x: F, seg: F) -> F:
    """``x.shift(1).over("_seg")``: the previous day's value inside the segment."""
    out = shift(x, 1)
    out[:, 1:][seg[:, 1:] != seg[:, :-1]] = NAN
    return out


def div(x: F, s: float) -> F:
    """``x / s`` for a scalar ``s`` as polars mostly computes it: times the reciprocal, which
    can differ from a true division in the last bit (polars divides some rows, so the engine
    is matched to a bit or two, ``tests/rules/test_arrays.py``; numpy gives a day the same bits
    wherever the window starts, which incremental evaluation relies on)."""
    return x * (1.0 / s)


def when(cond: B, then: F | float, otherwise: F | float = NAN) -> F:
    return np.where(cond, then, otherwise).astype(np.float64)


def kept(days_off: F) -> F:
    """``detraining.kept_expr``, the same operations in the same order."""
    d = days_off
    expr = np.full_like(d, DECAY_POINTS[-1][1])
    pairs = list(itertools.pairwise(DECAY_POINTS))
    with np.errstate(invalid="ignore"):
        for (xa, ya), (xb, yb) in reversed(pairs):
            expr = np.where(d <= xb, ya + (d - xa) * ((yb - ya) / (xb - xa)), expr)
        x0, y0 = DECAY_POINTS[0]
        expr = np.where(d <= x0, y0, expr)
        return np.where(d <= MAX_CAPACITY_DAYS, expr, NAN)
