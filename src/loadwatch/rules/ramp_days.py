"""The weekly ramp's usual week on every day: what a chart draws beside status's numbers.

Pure.  Status, the report, the flags and the dashboard's ratios all speak of the weekly ramp's
usual week (break days left out, pre-break capacity after a return) and of the week it is
judged against (that raised to the rule's floor): ``rules.headroom``'s ``ramp_own`` and
``ramp_baseline`` for today.  The load frame's ``chronic_week`` is the plain mean week of the
28 days before, none of that, so a chart drawn from it said another number than the sentence
beside it.  Here are the rule's own two numbers for every day, from the same arrays
(``rules.arrays``) the headroom reads, so today's are status's to the bit.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules.arrays import wide
from loadwatch.rules.config import RuleConfig

_LOAD_COLS = [c for pair in DIMENSIONS.values() for c in pair]
USUAL_SUFFIX = "_usual_week"  # the ramp's own usual week
JUDGED_SUFFIX = "_judged_week"  # what the ratio is taken of: the usual week, at least the floor


def ramp_days(daily: pl.DataFrame, config: RuleConfig) -> pl.DataFrame:
    """``date`` and per ramp dimension ``{dim}_usual_week`` and ``{dim}_judged_week`` for every
    row of ``daily`` (a calendar from the athlete's first day); null until the rule has its
    ``acute_days + chronic_days`` of history (as status), and for a dimension it does not
    judge."""
    n = daily.height
    out: dict[str, pl.Series] = {"date": daily["date"]}
    wr = config.weekly_ramp
    nulls = pl.Series([None] * n, dtype=pl.Float64())
    for dim in DIMENSIONS:
        out[f"{dim}{USUAL_SUFFIX}"] = out[f"{dim}{JUDGED_SUFFIX}"] = nulls
    if n == 0 or not wr.enabled:
        return pl.DataFrame(out)
    runs = daily["runs"].to_numpy().astype(np.float64)[None, :]
    loads = {c: daily[c].to_numpy().astype(np.float64)[None, :] for c in _LOAD_COLS}
    day = np.arange(n, dtype=np.float64)[None, :]
    ready = np.arange(n) >= wr.acute_days + wr.chronic_days - 1
    for ch in wide(day, runs, loads, config):
        if ch.rule != "weekly_ramp":
            continue
        own = np.where(ready, ch.fields["own_baseline"][0], np.nan)
        judged = np.where(ready, ch.fields["baseline"][0], np.nan)
        out[f"{ch.dim}{USUAL_SUFFIX}"] = pl.Series(own, nan_to_null=True)
        out[f"{ch.dim}{JUDGED_SUFFIX}"] = pl.Series(judged, nan_to_null=True)
    return pl.DataFrame(out)


def with_ramp_days(days: pl.DataFrame, config: RuleConfig) -> pl.DataFrame:
    """Day rows (the daily columns from the athlete's first day) with ``ramp_days``'s columns
    after them."""
    return pl.concat([days, ramp_days(days, config).drop("date")], how="horizontal")
