"""What both implementations of the rules share: the polars engine (``rules.engine``, the
reference and the many-athlete batch path) and the numpy arrays (``rules.arrays``, one
athlete's evaluation and headroom).  Kept apart so that neither builds on the other and the
engine can hand one athlete to the arrays."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from loadwatch.rules.config import ReturnAfterBreak, RuleConfig, _Rule
from loadwatch.rules.evidence import may_alert

# Each dimension's daily amount is judged as a whole number of these units (km -> m, m of
# climbing -> dm, ...): integer window sums are exact, so every way of summing them agrees.
SCALE = {"distance": 1000, "speed": 1000, "hills": 10, "uphill": 1000}

# The rules that judge an amount (more is worse); monotony judges sameness.
AMOUNT_RULES = ("session_spike", "weekly_ramp", "return_after_break")


FLAG_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "rule": pl.Utf8(),
    "dimension": pl.Utf8(),
    "level": pl.Int8(),  # 1 caution, 2 alert
    "value": pl.Float64(),
    "baseline": pl.Float64(),  # the baseline judged against (own baseline raised to the floor)
    "own_baseline": pl.Float64(),  # the athlete's own baseline, before the floor
    "ratio": pl.Float64(),
    "threshold": pl.Float64(),
    "window_days": pl.Int32(),
    "days_off": pl.Int32(),  # return_after_break; the break behind a post-break baseline
    "days_back": pl.Int32(),  # return_after_break
    "week_load": pl.Float64(),  # monotony
    "strain": pl.Float64(),  # monotony
    "kept": pl.Float64(),  # share of pre-break capacity in the baseline (post-break), else null
    # return_after_break: the run and baseline of the same day's session_spike it carried (a
    # spike no more severe than the return is not flagged on its own), else null: the spike's
    # step-back cap holds after the return's flag too (``rules.spike_limit``).
    "spike_value": pl.Float64(),
    "spike_baseline": pl.Float64(),
    # return_after_break: the days on record before the break its usual week was estimated
    # from, when fewer than ``pre_break_days`` (``pre_break_load``), else null.
    "pre_days": pl.Int32(),
}


# Fewer days on record before a break than this (a week): no usual week is estimated from
# them, the return is judged against its floors (docs/rules.md, "A short history before a
# break").
LEAST_PRE_BREAK_DAYS = 7


def pre_break_load(cum: np.ndarray, back: np.ndarray, day: np.ndarray, rb: ReturnAfterBreak,
                   none: np.ndarray | float) -> np.ndarray:  # fmt: skip
    """The load of the ``pre_break_days`` ending on each day (integer units): ``cum`` less
    ``back`` (``cum`` that many days before, NaN when the frame does not reach it).  When the
    athlete's history (``day`` counts from its first day) is shorter than the window, from
    ``LEAST_PRE_BREAK_DAYS`` on: the load of its whole weeks ending on the day (the ``day + 1``
    days on record rounded up to weeks, at most the window; days before the first on record
    count as rest), scaled to the window; else ``none``.  ``engine._pre_break_helpers``
    computes the same in the same float steps."""
    p = rb.pre_break_days
    short = np.isnan(back) & (day < p) & (day + 1 >= LEAST_PRE_BREAK_DAYS)
    with np.errstate(invalid="ignore"):
        weeks = np.minimum(np.floor((day + 7.0) / 7.0) * 7.0, float(p))
        est = cum * (float(p) / weeks)
    return np.where(~np.isnan(back), cum - back, np.where(short, est, none))


def alert_line(name: str, rule: _Rule) -> float | None:
    """The rule's alert threshold, or None: a contested or weak rule never alerts, whatever
    its thresholds say (``rules.evidence``)."""
    return rule.alert if may_alert(name) else None


def lookback_start(daily: pl.DataFrame, config: RuleConfig, since: date) -> date:
    """First day the rules must read to judge every day from ``since`` on exactly."""
    ss, wr, rb, mo = (
        config.session_spike,
        config.weekly_ramp,
        config.return_after_break,
        config.monotony,
    )
    days = max(
        ss.window_days + 1,
        # the ramp's rebuild reads back to a return up to a + 2c days before
        wr.acute_days + 2 * wr.chronic_days + wr.quiet_days,
        mo.window_days + mo.quiet_days,
        rb.return_days,
    )
    start = since - timedelta(days=days + 1)
    # A break the windows reach into reads back to the last run before it, and the windows
    # before that run (pre-break week, pre-break longest run).
    # In numpy: a polars filter of years of days costs more than the rest of a roll's rules.
    dates = daily["date"].to_numpy().astype("datetime64[D]")
    earlier = dates[(daily["runs"].to_numpy() > 0) & (dates < np.datetime64(start, "D"))]
    if earlier.size:
        last_run: date = earlier.max().item()
        back = max(rb.pre_break_days, ss.window_days) + 1
        start = min(start, last_run - timedelta(days=back))
    return start
