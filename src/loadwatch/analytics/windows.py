"""Windows and recurrences whose value on a day does not depend on where the computation
started: what lets an evaluation re-derive only the days from a change on top of the stored
rows before it (``services/incremental.py``) and store the very bits a full evaluation stores.

- A window's sum adds its own elements, oldest first, one vector addition per position of the
  window: never the difference of two running sums (whose rounding depends on every element
  before the window, so on where the sum started).
- An EWMA is the recurrence ``y_t = (1 - a)·y_{t-1} + a·x_t`` from the value before the first
  day computed: the full path starts from the seed, a tail from the stored value of the day
  before it, and each step rounds the same way on both.

Every function here reads rows ``start ..`` of its input (and the window's rows before them);
the full path passes ``start = 0``.  ``nan`` stands for a polars null.
"""

from __future__ import annotations

import numpy as np

F = np.ndarray
# Up to this many rows of full windows are added in Python floats: a vector addition per
# position of the window costs ~1 us whatever its length, so a day or two of a 28-day window
# cost more in numpy than in scalars.  The same additions in the same order, so the same bits.
_FEW = 8


def _few_sums(x: F, w: int, start: int) -> F:
    """Rows ``start ..`` of full windows' sums (``start >= w - 1``), added oldest first."""
    v = x[start - w + 1 :].tolist()
    out = []
    for i in range(len(v) - w + 1):
        acc = v[i]
        for j in range(1, w):
            acc += v[i + j]
        out.append(acc)
    return np.array(out, dtype=np.float64)


def window_sum(x: F, w: int, start: int = 0, min_rows: int | None = None) -> F:
    """Rows ``start ..`` of the sum of the ``w`` values ending at each row, added oldest first.
    Rows with fewer than ``w`` values before them are ``nan``, or, with ``min_rows``, the sum of
    the values there are from ``min_rows`` of them (polars' ``rolling_sum(min_samples=)``)."""
    n = x.shape[0]
    if start >= w - 1 and 0 < n - start <= _FEW:
        return _few_sums(x, w, start)
    out = np.full(max(n - start, 0), np.nan)
    full = max(start, w - 1)
    if full < n:
        acc = x[full - w + 1 : n - w + 1].copy()
        for j in range(1, w):
            acc += x[full - w + 1 + j : n - w + 1 + j]
        out[full - start :] = acc
    if min_rows is not None:
        for i in range(max(start, min_rows - 1), min(full, n)):
            out[i - start] = _ordered_sum(x[: i + 1])
    return out


def lagged_window_sum(x: F, w: int, lag: int, start: int = 0) -> F:
    """Rows ``start ..`` of ``window_sum`` ``lag`` rows earlier (polars'
    ``rolling_sum(w).shift(lag)``): the window of ``w`` values ending ``lag`` days before."""
    n = x.shape[0]
    out = np.full(max(n - start, 0), np.nan)
    first = max(start, lag)
    if first < n:
        out[first - start :] = window_sum(x[: n - lag], w, first - lag)
    return out


def _ordered_sum(v: F) -> float:
    total = float(v[0])
    for e in v[1:]:
        total += float(e)
    return total


def window_mean_sd(x: F, w: int, start: int = 0) -> tuple[F, F]:
    """Rows ``start ..`` of the mean and the standard deviation (ddof = 1) of the ``w`` values
    ending at each row (``nan`` before ``w`` values), each from its own window's values."""
    n = x.shape[0]
    mean = window_sum(x, w, start) / w
    if start >= w - 1 and 0 < n - start <= _FEW:
        # ``(a - m) ** 2`` is numpy's square, ``d * d``: the same bits, oldest first.
        v, ms = x[start - w + 1 :].tolist(), mean.tolist()
        sqs = []
        for i, m in enumerate(ms):
            d = v[i] - m
            acc = d * d
            for j in range(1, w):
                d = v[i + j] - m
                acc += d * d
            sqs.append(acc)
        return mean, np.sqrt(np.array(sqs, dtype=np.float64) / (w - 1))
    sq = np.full(max(n - start, 0), np.nan)
    full = max(start, w - 1)
    if full < n:
        m = mean[full - start :]
        acc = (x[full - w + 1 : n - w + 1] - m) ** 2
        for j in range(1, w):
            acc += (x[full - w + 1 + j : n - w + 1 + j] - m) ** 2
        sq[full - start :] = acc
    return mean, np.sqrt(sq / (w - 1))


def ewma(x: F, a: float, before: float) -> F:
    """``y_t = (1 - a)·y_{t-1} + a·x_t`` over ``x`` from ``y_{-1} = before``: one step per day,
    in a plain loop (a few thousand days of history cost about a millisecond; a tail a few
    days), so that a tail started from a stored ``y`` steps exactly as the full path did."""
    keep = 1.0 - a
    out = np.empty(x.shape[0])
    y = before
    for i, v in enumerate(x.tolist()):
        y = keep * y + a * v
        out[i] = y
    return out
