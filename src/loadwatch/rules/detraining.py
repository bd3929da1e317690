"""How much of a runner's pre-break capacity is left after time off: the decay rule.

After a break the rules compare a return with what the athlete carried *before* the break,
reduced for the days off (``docs/rules.md``).  The share kept is piecewise linear through the
time course of detraining measured by Coyle et al. (J Appl Physiol 1984;57:1857-64: VO2max of
trained endurance athletes fell 7 % in the first 21 days without training and a further 9 %
to 16 % below the trained level by day 56, then held there to day 84), which is consistent
with Mujika & Padilla's reviews (Sports Med 2000;30:79-87 and 145-54: VO2max -4 to -14 %
after under 4 weeks of cessation, -6 to -20 % after longer):

=========  ==========
days off   share kept
=========  ==========
0          1.00
21         0.93
56+        0.84
=========  ==========

Beyond ``MAX_CAPACITY_DAYS`` (84, the longest break those studies followed) the pre-break
capacity is not used at all: the athlete restarts from their own new history and the floors.
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl

DECAY_POINTS: tuple[tuple[int, float], ...] = ((0, 1.0), (21, 0.93), (56, 0.84))
MAX_CAPACITY_DAYS = 84


def kept(days_off: float) -> float | None:
    """Share of pre-break capacity kept after ``days_off`` days without running (None: too
    long ago to count)."""
    if days_off > MAX_CAPACITY_DAYS:
        return None
    xs, ys = zip(*DECAY_POINTS, strict=True)
    return float(np.interp(days_off, xs, ys))


def kept_expr(days_off: pl.Expr) -> pl.Expr:
    """``kept`` as a polars expression (null beyond ``MAX_CAPACITY_DAYS``)."""
    d = days_off.cast(pl.Float64)
    (x0, y0), *_ = DECAY_POINTS
    expr = pl.lit(DECAY_POINTS[-1][1])  # flat after the last point
    # Build from the last segment backwards so the first matching segment wins.
    for (xa, ya), (xb, yb) in reversed(list(itertools.pairwise(DECAY_POINTS))):
        expr = pl.when(d <= xb).then(ya + (d - xa) * ((yb - ya) / (xb - xa))).otherwise(expr)
    expr = pl.when(d <= x0).then(pl.lit(y0)).otherwise(expr)
    return pl.when(d <= MAX_CAPACITY_DAYS).then(expr)
