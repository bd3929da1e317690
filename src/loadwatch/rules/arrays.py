"""The rules of ``rules.engine`` on numpy arrays: the same numbers, without a polars query.

Judging one athlete's new days reads a few hundred days and computes a few hundred columns;
planning that polars query (``engine._wide``) costs 10-25 ms whatever the number of rows,
while the same columns in numpy cost about a millisecond.  Evaluation (a new run, the nightly
roll-forward: ``rules.array_frames``) therefore judges here, and headroom's candidate futures
(``rules.futures``) are held to this module cell by cell; ``rules.engine`` stays the reference (the
panel over many athletes, and the tests that hold this module to it,
``tests/rules/test_arrays.py``).

Arrays are 2-D, one row per candidate future (one row for an athlete's own history), one
column per day; a polars null is NaN.  Every rule reads only the days before and on the day
it judges, so rows padded with rest days after their own end judge their own days exactly as
unpadded rows would.  Sums run on integer units held in float64: exact below 2**53, as the
engine's Int64 sums are; dates, rules and levels equal the engine's, numbers to a bit or two
(``array_ops.div``).  Comparisons against NaN are false here while polars orders a real
NaN above every number: the two agree as long as a ratio is never a real NaN, that is as long
as every amount rule's floor is positive (``eligible``; the defaults are).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules.array_ops import (
    B,
    F,
    bfill,
    div,
    ffill,
    kept,
    rolling_max,
    rolling_sum,
    seg_cummax,
    seg_shift1,
    shift,
    when,
)
from loadwatch.rules.config import RuleConfig, _Rule
from loadwatch.rules.evidence import LEVEL
from loadwatch.rules.judging import SCALE, alert_line, pre_break_load
from loadwatch.vocabulary import ALERT, CAUTION


def eligible(config: RuleConfig) -> bool:
    """Whether ``config`` is judged here: every amount rule's floor is positive, so no ratio
    is a real NaN (0 / 0)."""
    for r in (config.session_spike, config.weekly_ramp, config.return_after_break):
        if r.enabled and any(r.floor(d) <= 0 for d in r.dimensions):
            return False
    return True


# --- the wide frame ------------------------------------------------------------------------
@dataclass
class Check:
    rule: str
    dim: str
    config: _Rule
    quiet_days: int | None
    ok: F
    level: F
    final: F
    fields: dict[str, F] = field(default_factory=dict)
    # Fields that may hold a real NaN (0 / 0), with where they are null instead.
    nulls: dict[str, B] = field(default_factory=dict)

    def caution(self) -> float:
        return self.config.caution_for(self.dim)

    def alert(self) -> float | None:
        return alert_line(self.rule, self.config)


@dataclass(frozen=True)
class Judged:
    """A history's own judgements, every rule's (monotony too): ``wide`` over the days
    headroom reads (``headroom_arrays.verdicts(judge=True)``), its columns the days numbered
    ``lo`` to ``end - 1`` (counted from the history's first day; rows built elsewhere may
    add rest days after them).  Each row judges only its own days, so these are the checks
    ``wide`` gives over those days alone: the
    rules from a change on a day whose look back starts at ``lo`` or later read them instead
    of judging the days again (``array_frames.flag_rows(judged=)``; one new run today,
    ``services/incremental.py``)."""

    lo: int
    end: int
    checks: list[Check]

    def row(self) -> list[Check]:
        """The checks of the history alone: row 0, its own days."""
        m = self.end - self.lo

        def cut(x: F) -> F:
            return x[:1, :m]

        return [
            Check(
                ch.rule,
                ch.dim,
                ch.config,
                ch.quiet_days,
                cut(ch.ok),
                cut(ch.level),
                cut(ch.final),
                {k: cut(v) for k, v in ch.fields.items()},
                {k: v[:1, :m] for k, v in ch.nulls.items()},
            )
            for ch in self.checks
        ]


@dataclass(frozen=True)
class Breaks:
    """Each day's break and return state: the last run day before it, whether it is a
    return (a run after ``break_days`` or more without one), whether it lies inside a break,
    its return's day, the days off that return ended, and the return segment it belongs to
    (``wide``; ``rules.futures`` computes the same per candidate)."""

    prev_run: F
    is_return: B
    in_break: B
    ret_day: F
    days_off: F
    seg: F


def breaks(day: F, running: B, break_days: int) -> Breaks:
    run_day = when(running, day)
    prev_run = ffill(shift(run_day, 1))
    last_run, next_run = ffill(run_day), bfill(run_day)
    is_return = running & ~np.isnan(prev_run) & (day - prev_run - 1 >= break_days)
    in_break = ~running & (next_run - last_run - 1 >= break_days)
    return Breaks(
        prev_run,
        is_return,
        in_break,
        ffill(when(is_return, day)),
        ffill(when(is_return, day - prev_run - 1)),
        np.cumsum(is_return, axis=1).astype(np.float64),
    )


def _level(ratio: F, ok: B, r: _Rule, name: str, dim: str) -> F:
    lvl = np.where(ratio > r.caution_for(dim), LEVEL[CAUTION], 0)
    a = alert_line(name, r)
    if a is not None:
        lvl = np.where(ratio > a, LEVEL[ALERT], lvl)
    return np.where(ok, lvl, 0).astype(np.float64)


def _ratio(own: F, value: F, floor: float, ok: B, r: _Rule, rule: str, dim: str) -> dict[str, F]:
    baseline = np.fmax(own, floor)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = value / baseline
    return {
        "own": own,
        "value": value,
        "baseline": baseline,
        "ratio": ratio,
        "ok": ok.astype(np.float64),
        "level": _level(ratio, ok, r, rule, dim),
    }


def wide(
    day: F, runs: F, loads: dict[str, F], config: RuleConfig, *, amounts_only: bool = False
) -> list[Check]:
    """Every check's level and numbers on every day.  ``day``: the day number counted from
    the athlete's first day; ``runs``: the day's run count; ``loads``: the daily frame's load
    and single-run columns (``DIMENSIONS``).  ``amounts_only``: not monotony, which judges
    sameness (headroom reads only the amount rules; no rule reads another's checks but the
    spike the return's)."""
    rb = config.return_after_break
    running = runs > 0
    with np.errstate(invalid="ignore"):
        q = {d: np.round(loads[col] * SCALE[d]) for d, (col, _) in DIMENSIONS.items()}
        br = breaks(day, running, rb.break_days)
        is_return, in_break, ret_day, days_off, seg = (
            br.is_return, br.in_break, br.ret_day, br.days_off, br.seg
        )  # fmt: skip
        since_ret = day - ret_day
        kept_ = kept(days_off)
        pre: dict[str, dict[str, F]] = {}
        for d in DIMENSIONS:
            x, s = q[d], SCALE[d]
            cum = np.cumsum(x, axis=1)
            # -s: no usual week before a break ending here (too few days on record).
            val = pre_break_load(cum, shift(cum, rb.pre_break_days), day, rb, -s)
            p = ffill(shift(when(running, val), 1))
            pre[d] = {
                "cum": cum,
                "at": ffill(when(is_return, p)),
                "before": ffill(when(is_return, cum - x)),
            }

        def in_return(dim: str) -> B:
            if not (rb.enabled and dim in rb.dimensions):
                return np.zeros_like(running)
            # Whatever precedes the break (trial 11 F7: one rule owns the comeback); with
            # too few days on record for a usual week (``at`` < 0) the floor alone judges.
            return since_ret < rb.return_days

        checks: list[Check] = []
        said: dict[str, F] = {}
        rets: list[Check] = []
        if rb.enabled:
            for dim in rb.dimensions:
                s = SCALE[dim]
                pd = pre[dim]
                ok = running & in_return(dim)
                c = _ratio(
                    when(pd["at"] >= 0, pd["at"] * (7.0 / rb.pre_break_days / s)),
                    div(pd["cum"] - pd["before"], s),
                    rb.floor(dim),
                    ok,
                    rb,
                    "return_after_break",
                    dim,
                )
                said[dim] = seg_cummax(c["level"], seg)
                f = _fields(c, rb.return_days)
                f["days_off"] = days_off
                f["days_back"] = day - ret_day + 1
                # The days on record before the break when fewer than the window (the last
                # run before it is day ret_day - days_off - 1).
                n_pre = ret_day - days_off
                f["pre_days"] = when((n_pre < rb.pre_break_days) & (pd["at"] >= 0), n_pre)
                rets.append(
                    Check("return_after_break", dim, rb, rb.return_days, c["ok"], c["level"],
                          c["level"], f)
                )  # fmt: skip
        ss = config.session_spike
        if ss.enabled:
            w = ss.window_days
            for dim in ss.dimensions:
                single = loads[DIMENSIONS[dim][1]]
                window = shift(rolling_max(single, w), 1)
                since_max = seg_cummax(np.nan_to_num(seg_shift1(single, seg), nan=0.0), seg)
                pre_long = ffill(shift(when(running, rolling_max(single, w)), 1))
                at_long = ffill(when(is_return, pre_long))
                post = (since_ret < w) & ~np.isnan(kept_)
                capacity = np.nan_to_num(at_long, nan=0.0) * kept_
                kept_col = when(post & (capacity >= since_max), kept_)
                own = np.where(post, np.fmax(since_max, capacity), window)
                ok = running & (day >= w) & ~np.isnan(own)
                c = _ratio(own, single, ss.floor(dim), ok, ss, "session_spike", dim)
                final = c["level"]
                if rb.enabled and dim in rb.dimensions:
                    # During a return, a spike no more severe than what return_after_break
                    # has said since the return is the same event (engine._session_spike).
                    final = np.where(
                        in_return(dim) & (final <= np.nan_to_num(said[dim], nan=0.0)), 0, final
                    ).astype(np.float64)
                    # The spike the return carried: its baseline rides on the return's flag
                    # of the day (engine._spike_carried).
                    carried = (c["level"] > 0) & (final == 0)
                    for ret in rets:
                        if ret.dim == dim:
                            ret.fields["spike_value"] = when(carried, c["value"])
                            ret.fields["spike_baseline"] = when(carried, c["baseline"])
                f = _fields(c, w)
                f["kept"] = kept_col
                f["days_off"] = when(~np.isnan(kept_col) | (since_ret < w), days_off)
                checks.append(Check("session_spike", dim, ss, None, c["ok"], c["level"], final, f))
        wr = config.weekly_ramp
        if wr.enabled:
            a, ch = wr.acute_days, wr.chronic_days
            brk = in_break.astype(np.float64)
            for dim in wr.dimensions:
                x, s = q[dim], SCALE[dim]
                acute = div(rolling_sum(x, a), s)
                chronic = shift(rolling_sum(x, ch), a)
                bdays = shift(rolling_sum(brk, ch), a)
                days = np.fmax(ch - bdays, a)
                usual = chronic * div(float(a) / days, s)
                capacity = pre[dim]["at"] * (7.0 / rb.pre_break_days / s)
                post = (since_ret < a + 2 * ch - 1) & ~np.isnan(kept_) & (pre[dim]["at"] >= 0)
                own_usual = np.where(bdays == 0, chronic * (a / ch / s), usual)
                own = np.where(post, np.fmax(own_usual, capacity * kept_), own_usual)
                kept_col = when(post & (capacity * kept_ >= own_usual), kept_)
                ok = running & (day >= a + ch - 1) & ~np.isnan(own) & ~in_return(dim)
                c = _ratio(own, acute, wr.floor(dim), ok, wr, "weekly_ramp", dim)
                f = _fields(c, a)
                f["kept"] = kept_col
                f["days_off"] = when(~np.isnan(kept_col), days_off)
                checks.append(
                    Check("weekly_ramp", dim, wr, wr.quiet_days, c["ok"], c["level"],
                          c["level"], f)
                )  # fmt: skip
        mo = config.monotony
        if mo.enabled and not amounts_only:
            w = mo.window_days
            for dim in mo.dimensions:
                x, s = q[dim], SCALE[dim]
                sx, sx2 = rolling_sum(x, w), rolling_sum(x * x, w)
                spread = w * sx2 - sx * sx
                total = div(sx, s)
                value = div(total, w)
                own = div(np.sqrt(div(spread, w * (w - 1))), s)
                with np.errstate(divide="ignore"):
                    mono = value / own
                ok = running & (spread > 0) & (total >= mo.floor(dim))
                lvl = _level(mono, ok, mo, "monotony", dim)
                f = {
                    "value": value,
                    "own_baseline": own,
                    "baseline": own,
                    "ratio": mono,
                    "window_days": np.full_like(value, w),
                    "week_load": total,
                    "strain": total * mono,
                }
                # Every day of a week the same: 0 / 0, a real NaN in polars too.
                nulls = {"ratio": np.isnan(sx), "strain": np.isnan(sx)}
                checks.append(
                    Check("monotony", dim, mo, mo.quiet_days, ok.astype(np.float64), lvl, lvl, f,
                          nulls)
                )  # fmt: skip
    return checks + rets


def _fields(c: dict[str, F], window: int) -> dict[str, F]:
    return {
        "value": c["value"],
        "own_baseline": c["own"],
        "baseline": c["baseline"],
        "ratio": c["ratio"],
        "window_days": np.full_like(c["value"], window),
    }


def emitted(ch: Check) -> B:
    """``engine._emit``: any level, or a level above every level of the previous
    ``quiet_days`` days."""
    if not ch.quiet_days:
        return ch.final > 0
    prev = shift(rolling_max(ch.final, ch.quiet_days, min_samples=1), 1)
    return ch.final > np.nan_to_num(prev, nan=0.0)
