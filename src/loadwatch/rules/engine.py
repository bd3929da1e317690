"""Daily frame + ``RuleConfig`` → flags.  Pure and vectorised (polars window expressions).

Every rule is evaluated per dimension on every day of the daily frame, but fires only on days
with running: a rest day cannot be "too much".  Ratios are ``value / baseline`` where the
baseline is the athlete's own (raised to the rule's floor, see ``rules.config``).

* ``session_spike``: each day's largest single run (km, fast km, metres climbed, uphill km) vs
  the largest single run of the ``window_days`` before that day.  Every spike is its own event.
* ``weekly_ramp`` and ``monotony`` are states that last for days; they flag once per episode:
  on the first running day whose severity is above every severity of the previous
  ``quiet_days`` (so a new episode, or an escalation from caution to alert).
* ``return_after_break``: on each running day of the first ``return_days`` after a break, the
  cumulative load since the return vs the pre-break mean week; flags the first day each
  severity is crossed.

Breaks (``break_days`` or more without running, see ``docs/rules.md``):

* A break is not a usual week: the ramp's mean week leaves the break's days out, and during
  the rebuild (until its window holds only training from after the first ``chronic_days``
  back) it is at least the pre-break mean week times the share kept after the days off
  (``rules.detraining``).
* session_spike compares a run with the larger of the longest run since the return and the
  longest run of the ``window_days`` before the break times that share, for as long as its
  window reaches into the break.
* During the first ``return_days`` back, return_after_break owns the verdict: the ramp does not
  judge those days (the same load), and a spike is only reported when it is more severe than
  what return_after_break has already said about that dimension since the return.

History a rule needs is counted from the first day of the daily frame (the athlete's first
recorded activity).  ``since`` only limits which days are reported: the rules still read the
history before it, so ``evaluate(d, c, since=x)`` returns exactly the flags of
``evaluate(d, c)`` dated ``>= x``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import polars as pl

from loadwatch.analytics.load import over
from loadwatch.analytics.schema import DAILY_SCHEMA, DIMENSIONS, validate_calendar, validate_panel
from loadwatch.rules import array_frames, arrays
from loadwatch.rules.config import (
    Monotony,
    ReturnAfterBreak,
    RuleConfig,
    SessionSpike,
    WeeklyRamp,
    _Rule,
)
from loadwatch.rules.detraining import kept_expr
from loadwatch.rules.evidence import LEVEL, severity_of
from loadwatch.rules.judging import (
    AMOUNT_RULES,
    FLAG_SCHEMA,
    LEAST_PRE_BREAK_DAYS,
    SCALE,
    alert_line,
    lookback_start,
)
from loadwatch.rules.messages import render
from loadwatch.vocabulary import ALERT, CAUTION, Severity

_DAY = "_day"
# Sums run on integer metres (decimetres of climb) so that they are exact: the same day gives
# bit-identical numbers whichever day the evaluation window starts on (``since``), which float
# running sums do not.
_RUNNING = pl.col("runs") > 0
# The wide frame is hundreds of shallow columns over a few thousand rows: optimising its plan
# (common subexpressions above all) costs more than the little it saves in executing it, and
# planning, not computing, is what one athlete's evaluation spends its time on.
_PLAIN = pl.QueryOptFlags.none()


def _q(dim: str) -> str:
    return f"_q_{dim}"


# Every rule's verdict on every day: the same numbers the flags carry, also where none fired.
JUDGEMENT_SCHEMA: dict[str, pl.DataType] = {
    "date": pl.Date(),
    "rule": pl.Utf8(),
    "dimension": pl.Utf8(),
    "judged": pl.Boolean(),  # the rule had what it needs and this day is its to judge
    "level": pl.Int8(),  # 0 none, 1 caution, 2 alert (after hand-over during a return)
    "value": pl.Float64(),
    "baseline": pl.Float64(),
    "own_baseline": pl.Float64(),
    "ratio": pl.Float64(),
    "caution": pl.Float64(),
    "alert": pl.Float64(),
}


@dataclass(frozen=True, slots=True)
class FlagRecord:
    date: date  # the athlete's local calendar day
    dimension: str  # distance | speed | hills | uphill
    rule: str
    severity: Severity
    value: float
    baseline: float
    ratio: float
    threshold: float
    message: str
    # The rule's own baseline before a floor raised it (None: not kept): a sentence built
    # from the record says "judged against at least" as the message does.
    own_baseline: float | None = None
    # A post-break baseline: the share of pre-break capacity counted and the break's days
    # (None: not one), so a sentence built from the record says how it was made.
    kept: float | None = None
    days_off: int | None = None
    # return_after_break: the run and baseline of the same day's spike it carried (None:
    # none), for the spike's step-back cap (``rules.spike_limit``).
    spike_value: float | None = None
    spike_baseline: float | None = None


def _quotient(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """``a / b`` correctly rounded on every row, as ``rules.arrays`` (numpy) divides.

    Polars divides by a chunk it holds as one value repeated (a forward-filled run, a floor
    that ``max_horizontal`` raised a chunk to) as ``a × (1 / b)``, a bit off the quotient,
    and by the other chunks truly: the same 3 km / 10 km was 0.3 on one day and
    0.30000000000000004 on another, so a return at exactly its caution line (0.3) flagged or
    not by the frame's chunks (``tests/rules/test_arrays.py``, the pinned example).  Adding
    the day number times 0 (exactly 0, every row its own slot) writes the divisor out one
    slot per row, which polars divides truly; numpy's division (``map_batches``) made the
    engine 1.3× (panel) to 2.4× (one athlete) slower."""
    return a / (b + pl.col(_DAY) * 0.0)


def _level(ratio: pl.Expr, rule: _Rule, name: str, dim: str) -> pl.Expr:
    lvl = pl.when(ratio > rule.caution_for(dim)).then(LEVEL[CAUTION]).otherwise(0)
    alert = alert_line(name, rule)
    if alert is not None:
        lvl = pl.when(ratio > alert).then(LEVEL[ALERT]).otherwise(lvl)
    return lvl.cast(pl.Int8)


@dataclass(frozen=True)
class _Check:
    """One rule on one dimension.  ``steps`` are lists of named column expressions computed in
    order, each step reading the columns of the steps before (shallow expressions keep the
    query plan small: planning, not computing, dominates one athlete's evaluation); ``fields``
    maps ``FLAG_SCHEMA`` names to expressions over those columns.  ``gate`` turns the rule's
    own level into the level it reports once every rule is computed (the hand-over to
    return_after_break during a return)."""

    rule: str
    dim: str
    config: _Rule
    steps: list[list[pl.Expr]]
    fields: dict[str, pl.Expr]  # value, own_baseline, baseline, ratio (+ extras)
    quiet_days: int | None  # None: every day with a level is a flag
    gate: Callable[[pl.Expr], pl.Expr] | None = None

    def col(self, name: str) -> str:
        return f"{self.rule}|{self.dim}|{name}"


def _ratio_steps(
    ch_name: str, own: pl.Expr, value: pl.Expr, floor: float, ok: pl.Expr, r: _Rule
) -> list[list[pl.Expr]]:
    """own → baseline (raised to the floor) → ratio → level; ``ok`` may use ``own``."""
    n = ch_name
    return [
        [own.alias(f"{n}|own"), value.alias(f"{n}|value")],
        [pl.max_horizontal(pl.col(f"{n}|own"), pl.lit(floor)).alias(f"{n}|baseline")],
        [
            _quotient(pl.col(f"{n}|value"), pl.col(f"{n}|baseline")).alias(f"{n}|ratio"),
            ok.fill_null(False).alias(f"{n}|ok"),
        ],
        [
            pl.when(pl.col(f"{n}|ok"))
            .then(_level(pl.col(f"{n}|ratio"), r, *n.split("|")))
            .otherwise(0)
            .alias(f"{n}|level")
        ],
    ]


def _fields(n: str, window: int, **extra: pl.Expr) -> dict[str, pl.Expr]:
    return {
        "value": pl.col(f"{n}|value"),
        "own_baseline": pl.col(f"{n}|own"),
        "baseline": pl.col(f"{n}|baseline"),
        "ratio": pl.col(f"{n}|ratio"),
        "window_days": pl.lit(window),
        **extra,
    }


# --- breaks --------------------------------------------------------------------------------
def _break_helpers(r: ReturnAfterBreak, key: str | None) -> list[list[pl.Expr]]:
    """Per day: the previous running day, whether this run ends a break, (forward-filled from
    the latest return day) that return day, the days off before it and the share of capacity
    kept; whether the day lies inside a break; the return segment (a counter of returns)."""
    day, prev_run, is_return = pl.col(_DAY), pl.col("_prev_run"), pl.col("_is_return")
    run_day = pl.when(_RUNNING).then(day)
    return [
        [
            over(run_day.shift(1).forward_fill(), key).alias("_prev_run"),
            over(run_day.forward_fill(), key).alias("_last_run"),
            over(run_day.backward_fill(), key).alias("_next_run"),
        ],
        [
            (_RUNNING & prev_run.is_not_null() & (day - prev_run - 1 >= r.break_days)).alias(
                "_is_return"
            ),
            (
                ~_RUNNING
                & (pl.col("_next_run") - pl.col("_last_run") - 1 >= r.break_days).fill_null(False)
            ).alias("_in_break"),
        ],
        [
            over(pl.when(is_return).then(day).forward_fill(), key).alias("_ret_day"),
            over(pl.when(is_return).then(day - prev_run - 1).forward_fill(), key).alias(
                "_days_off"
            ),
            over(is_return.cast(pl.Int32).cum_sum(), key).alias("_seg"),
        ],
        [
            (day - pl.col("_ret_day")).alias("_since_ret"),
            kept_expr(pl.col("_days_off")).alias("_kept"),
        ],
    ]


def _pre_break_helpers(r: ReturnAfterBreak, key: str | None) -> list[list[pl.Expr]]:
    """Per dimension: the load of the ``pre_break_days`` before the latest break (-1: not
    enough history), in integer units, carried forward from the return day."""
    is_return = pl.col("_is_return")
    steps: list[list[pl.Expr]] = [[], [], []]
    for dim in DIMENSIONS:
        x, s, n = pl.col(_q(dim)), SCALE[dim], f"_pre|{dim}"
        cum, pre = pl.col(f"{n}|cum"), pl.col(f"{n}|pre")
        steps[0].append(over(x.cum_sum(), key).alias(f"{n}|cum"))
        # Load of the pre_break_days ending on each running day, carried to the next running
        # day: on a return day, the pre_break_days ending on the last run before the break.
        # judging.pre_break_load: fewer days on record than the window, from a week on, the
        # load of their whole weeks scaled to it (the same float steps as numpy's); else -s.
        day = pl.col(_DAY)
        back = cum.shift(r.pre_break_days)
        short = (day < r.pre_break_days) & (day + 1 >= LEAST_PRE_BREAK_DAYS)
        weeks = ((day + 7) // 7 * 7).clip(upper_bound=r.pre_break_days).cast(pl.Float64)
        load = (
            pl.when(back.is_not_null())
            .then((cum - back).cast(pl.Float64))
            .when(short)
            .then(cum * (pl.lit(float(r.pre_break_days)) / weeks))
            .otherwise(pl.lit(-float(s)))
        )
        steps[1].append(
            over(
                pl.when(_RUNNING).then(load).shift(1).forward_fill(),
                key,
            ).alias(f"{n}|pre")
        )
        steps[2] += [
            over(pl.when(is_return).then(pre).forward_fill(), key).alias(f"{n}|at"),
            over(pl.when(is_return).then(cum - x).forward_fill(), key).alias(f"{n}|before"),
        ]
    return steps


def _in_return(r: ReturnAfterBreak, dim: str) -> pl.Expr:
    """The first ``return_days`` after a break, when return_after_break judges ``dim``."""
    if not (r.enabled and dim in r.dimensions):
        return pl.lit(False)
    # Whatever precedes the break (trial 11 F7: one rule owns the comeback); with too few days
    # on record for a usual week (``at`` < 0) the floor alone judges.
    return (pl.col("_since_ret") < r.return_days).fill_null(False)


# --- the rules -----------------------------------------------------------------------------
def _session_spike(r: SessionSpike, rb: ReturnAfterBreak, key: str | None) -> list[_Check]:
    out = []
    w = r.window_days
    part = ["_seg"] if key is None else [key, "_seg"]
    for dim in r.dimensions:
        n = f"session_spike|{dim}"
        single = pl.col(DIMENSIONS[dim][1])
        since_max, pre_long, at_long = (pl.col(f"{n}|{c}") for c in ("since", "pre", "at"))
        # While the window reaches into the latest break: the longest run since the return, or
        # the longest of the window before the break times the share kept, whichever is more.
        post = (pl.col("_since_ret") < w).fill_null(False) & pl.col("_kept").is_not_null()
        capacity = at_long.fill_null(0.0) * pl.col("_kept")
        own = (
            pl.when(post)
            .then(pl.max_horizontal(since_max, capacity))
            .otherwise(pl.col(f"{n}|window"))
        )
        ok = _RUNNING & (pl.col(_DAY) >= w) & pl.col(f"{n}|own").is_not_null()
        steps = [
            [
                over(single.rolling_max(w).shift(1), key).alias(f"{n}|window"),
                single.shift(1).fill_null(0.0).cum_max().over(part).alias(f"{n}|since"),
                over(
                    pl.when(_RUNNING).then(single.rolling_max(w)).shift(1).forward_fill(), key
                ).alias(f"{n}|pre"),
            ],
            [
                over(pl.when(pl.col("_is_return")).then(pre_long).forward_fill(), key).alias(
                    f"{n}|at"
                )
            ],
            [pl.when(post & (capacity >= since_max)).then(pl.col("_kept")).alias(f"{n}|kept")],
            *_ratio_steps(n, own, single, r.floor(dim), ok, r),
        ]
        # The break behind the day (within the window after a return): the baseline's, and
        # the sentence's "no run in the last 30 days" rather than "your first on record".
        after = pl.col(f"{n}|kept").is_not_null() | (pl.col("_since_ret") < w).fill_null(False)
        fields = _fields(
            n, w, kept=pl.col(f"{n}|kept"), days_off=pl.when(after).then(pl.col("_days_off"))
        )
        in_return = _in_return(rb, dim)
        said = pl.col(f"return_after_break|{dim}|said")

        def gate(level: pl.Expr, in_return: pl.Expr = in_return, said: pl.Expr = said) -> pl.Expr:
            # During a return, a spike no more severe than what return_after_break has said
            # about this dimension since the return is the same event: not told twice.
            return pl.when(in_return & (level <= said.fill_null(0))).then(0).otherwise(level)

        out.append(
            _Check(
                "session_spike",
                dim,
                r,
                steps,
                fields,
                None,
                gate if _judges(rb, dim) else None,
            )
        )
    return out


def _judges(rb: ReturnAfterBreak, dim: str) -> bool:
    return rb.enabled and dim in rb.dimensions


def _weekly_ramp(r: WeeklyRamp, rb: ReturnAfterBreak, key: str | None) -> list[_Check]:
    out = []
    a, c = r.acute_days, r.chronic_days
    for dim in r.dimensions:
        n = f"weekly_ramp|{dim}"
        x, s = pl.col(_q(dim)), SCALE[dim]
        acute = over(x.rolling_sum(a), key) / s
        chronic, in_break = pl.col(f"{n}|chronic"), pl.col(f"{n}|break_days")
        # A break is not a usual week: its days leave the mean (break days carry no running,
        # so only the number of days divided by changes); at least a week of days is kept so
        # that a single day back is not blown up into a week.
        days = pl.max_horizontal(pl.lit(c) - in_break, pl.lit(a))
        usual = chronic * (pl.lit(float(a)) / days / s)
        capacity = pl.col(f"_pre|{dim}|at").cast(pl.Float64) * (7.0 / rb.pre_break_days / s)
        # The rebuild: until the chronic window holds only training from after the first
        # chronic_days back, the usual week is at least the pre-break week times the share
        # kept (a graded return's low weeks are not the athlete's capacity).
        post = (
            (pl.col("_since_ret") < a + 2 * c - 1)
            & pl.col("_kept").is_not_null()
            & (pl.col(f"_pre|{dim}|at") >= 0)
        ).fill_null(False)
        own_usual = pl.when(in_break == 0).then(chronic * (a / c / s)).otherwise(usual)
        own = (
            pl.when(post)
            .then(pl.max_horizontal(own_usual, capacity * pl.col("_kept")))
            .otherwise(own_usual)
        )
        ok = (
            _RUNNING
            & (pl.col(_DAY) >= a + c - 1)
            & pl.col(f"{n}|own").is_not_null()
            & ~_in_return(rb, dim)  # return_after_break judges these days' load
        )
        steps = [
            [
                over(x.rolling_sum(c).shift(a), key).alias(f"{n}|chronic"),
                over(pl.col("_in_break").cast(pl.Int32).rolling_sum(c).shift(a), key).alias(
                    f"{n}|break_days"
                ),
            ],
            [
                pl.when(post & (capacity * pl.col("_kept") >= own_usual))
                .then(pl.col("_kept"))
                .alias(f"{n}|kept")
            ],
            *_ratio_steps(n, own, acute, r.floor(dim), ok, r),
        ]
        fields = _fields(
            n,
            a,
            kept=pl.col(f"{n}|kept"),
            days_off=pl.when(pl.col(f"{n}|kept").is_not_null()).then(pl.col("_days_off")),
        )
        out.append(_Check("weekly_ramp", dim, r, steps, fields, r.quiet_days))
    return out


def _monotony(r: Monotony, key: str | None) -> list[_Check]:
    out = []
    w = r.window_days
    for dim in r.dimensions:
        n = f"monotony|{dim}"
        x, s = pl.col(_q(dim)), SCALE[dim]
        sum_x, spread, total = (pl.col(f"{n}|{c}") for c in ("sum", "spread", "total"))
        mono = pl.col(f"{n}|ratio")
        ok = _RUNNING & (spread > 0) & (total >= r.floor(dim))
        steps = [
            [
                over(x.rolling_sum(w), key).alias(f"{n}|sum"),
                over((x * x).rolling_sum(w), key).alias(f"{n}|sum2"),
            ],
            [
                # Sample variance (ddof 1) from exact integer sums: n·Σx² − (Σx)² is 0 only
                # when every day is the same.
                (w * pl.col(f"{n}|sum2") - sum_x * sum_x).alias(f"{n}|spread"),
                (sum_x / s).alias(f"{n}|total"),
            ],
            [
                (total / w).alias(f"{n}|value"),
                ((spread.cast(pl.Float64) / (w * (w - 1))).sqrt() / s).alias(f"{n}|own"),
            ],
            [
                _quotient(pl.col(f"{n}|value"), pl.col(f"{n}|own")).alias(f"{n}|ratio"),
                ok.fill_null(False).alias(f"{n}|ok"),
            ],
            [
                pl.when(pl.col(f"{n}|ok"))
                .then(_level(mono, r, "monotony", dim))
                .otherwise(0)
                .alias(f"{n}|level")
            ],
        ]
        fields = {
            "value": pl.col(f"{n}|value"),
            "own_baseline": pl.col(f"{n}|own"),
            "baseline": pl.col(f"{n}|own"),
            "ratio": mono,
            "window_days": pl.lit(w),
            "week_load": total,
            "strain": total * mono,
        }
        out.append(_Check("monotony", dim, r, steps, fields, r.quiet_days))
    return out


def _return_after_break(r: ReturnAfterBreak, key: str | None) -> list[_Check]:
    day = pl.col(_DAY)
    part = ["_seg"] if key is None else [key, "_seg"]
    out = []
    for dim in r.dimensions:
        n = f"return_after_break|{dim}"
        s = SCALE[dim]
        cum, at_return, before = (pl.col(f"_pre|{dim}|{c}") for c in ("cum", "at", "before"))
        ok = _RUNNING & _in_return(r, dim)
        # No usual week before the break (``at`` < 0): null, the floor alone judges.
        usual = pl.when(at_return >= 0).then(at_return * (7.0 / r.pre_break_days / s))
        steps = _ratio_steps(n, usual, (cum - before) / s, r.floor(dim), ok, r)
        # The days on record before the break when fewer than the window.
        n_pre = pl.col("_ret_day") - pl.col("_days_off")
        pre_days = pl.when((n_pre < r.pre_break_days) & (at_return >= 0)).then(n_pre)
        # What this rule has said about the dimension since the return (its highest level).
        steps.append(
            [pl.col(f"{n}|level").cum_max().over(part).alias(f"{n}|said")],
        )
        fields = _fields(
            n,
            r.return_days,
            days_off=pl.col("_days_off"),
            days_back=day - pl.col("_ret_day") + 1,
            pre_days=pre_days,
        )
        out.append(_Check("return_after_break", dim, r, steps, fields, r.return_days))
    return out


def _emit(level: str, quiet_days: int | None, key: str | None) -> pl.Expr:
    """A flag: any level (no quiet days), or a level above every level of the previous
    ``quiet_days`` days (a new episode or an escalation)."""
    lvl = pl.col(level)
    if not quiet_days:
        return lvl > 0
    prev = over(lvl.rolling_max(quiet_days, min_samples=1).shift(1), key)
    return lvl > prev.fill_null(0)


def _checks(config: RuleConfig, key: str | None) -> list[_Check]:
    rb = config.return_after_break
    checks: list[_Check] = []
    if config.session_spike.enabled:
        checks += _session_spike(config.session_spike, rb, key)
    if config.weekly_ramp.enabled:
        checks += _weekly_ramp(config.weekly_ramp, rb, key)
    if config.monotony.enabled:
        checks += _monotony(config.monotony, key)
    if rb.enabled:
        checks += _spike_carried(_return_after_break(rb, key), config.session_spike)
    return checks


def _spike_carried(returns: list[_Check], ss: SessionSpike) -> list[_Check]:
    """The return's flags with the run and baseline of the spike each carried (its day's
    spike, gated off by the hand-over): the spike's step-back cap holds after the return's
    flag too (``rules.spike_limit``)."""
    if not ss.enabled:
        return returns
    out = []
    for ch in returns:
        if ch.dim not in ss.dimensions:
            out.append(ch)
            continue
        n = f"session_spike|{ch.dim}"
        carried = (pl.col(f"{n}|level") > 0) & (pl.col(f"{n}|final") == 0)
        fields = {
            **ch.fields,
            "spike_value": pl.when(carried).then(pl.col(f"{n}|value")),
            "spike_baseline": pl.when(carried).then(pl.col(f"{n}|baseline")),
        }
        out.append(replace(ch, fields=fields))
    return out


def _wide_steps(checks: list[_Check], config: RuleConfig, key: str | None) -> list[list[pl.Expr]]:
    """The ``with_columns`` steps of the wide frame; ``<check>|final`` is the level it
    reports."""
    rb = config.return_after_break
    steps: list[list[pl.Expr]] = [
        [
            (pl.col(col) * SCALE[dim]).round().cast(pl.Int64).alias(_q(dim))
            for dim, (col, _) in DIMENSIONS.items()
        ],
        *_break_helpers(rb, key),
        *_pre_break_helpers(rb, key),
    ]
    for k in range(max(len(ch.steps) for ch in checks)):
        steps.append([e for ch in checks if k < len(ch.steps) for e in ch.steps[k]])
    steps.append(
        [
            (ch.gate(pl.col(ch.col("level"))) if ch.gate else pl.col(ch.col("level")))
            .cast(pl.Int8)
            .alias(ch.col("final"))
            for ch in checks
        ]
    )
    return steps


_Plan = tuple[list[_Check], list[list[pl.Expr]]]
_PLANS: dict[tuple[str, str | None], _Plan] = {}
_PLANS_KEPT = 256


def _plan(config: RuleConfig, key: str | None) -> _Plan:
    """The checks and wide-frame steps of a config, built once per distinct config: building
    the expressions cost as much as a third of judging one athlete, and most athletes share
    the defaults.  Expressions are immutable, so sharing them is safe."""
    k = (config.model_dump_json(), key)
    plan = _PLANS.get(k)
    if plan is None:
        checks = _checks(config, key)
        if len(_PLANS) >= _PLANS_KEPT:
            _PLANS.clear()
        plan = _PLANS[k] = (checks, _wide_steps(checks, config, key) if checks else [])
    return plan


def _wide(lf: pl.LazyFrame, steps: list[list[pl.Expr]]) -> pl.LazyFrame:
    """Every check's columns in one wide frame (``_wide_steps``)."""
    for step in steps:
        lf = lf.with_columns(step)
    return lf


def _flag_frames(lf: pl.LazyFrame, config: RuleConfig, key: str | None) -> pl.DataFrame:
    """``lf`` carries ``_DAY``: the day number counted from the athlete's first day.

    All rules are computed in one pass over the days (one wide frame, in steps), then each
    rule's flag rows are picked out of it."""
    keys = [] if key is None else [key]
    checks, steps = _plan(config, key)
    if not checks:
        return pl.DataFrame(schema={**{k: pl.Int64() for k in keys}, **FLAG_SCHEMA})
    lf = _wide(lf, steps)
    lf = lf.with_columns(
        _emit(ch.col("final"), ch.quiet_days, key).alias(ch.col("emit")) for ch in checks
    )
    hits = lf.filter(pl.any_horizontal(pl.col(ch.col("emit")) for ch in checks)).collect(
        optimizations=_PLAIN
    )
    parts = []
    for ch in checks:
        line = alert_line(ch.rule, ch.config)
        caution = ch.config.caution_for(ch.dim)
        alert = line if line is not None else caution
        level = pl.col(ch.col("final"))
        fields = {
            **ch.fields,
            "date": pl.col("date"),
            "rule": pl.lit(ch.rule),
            "dimension": pl.lit(ch.dim),
            "level": level,
            "threshold": pl.when(level == 2).then(alert).otherwise(caution),
        }
        parts.append(
            hits.filter(pl.col(ch.col("emit"))).select(
                *keys,
                *[fields.get(c, pl.lit(None)).cast(t).alias(c) for c, t in FLAG_SCHEMA.items()],
            )
        )
    return pl.concat(parts).sort([*keys, "date", "rule", "dimension"])


def _numbered(daily: pl.DataFrame, config: RuleConfig, since: date | None) -> pl.LazyFrame:
    validate_calendar(daily, "daily frame")
    # Day numbers count from the athlete's first day, also when the frame is cut below.
    lf = daily.lazy().with_row_index(_DAY).with_columns(pl.col(_DAY).cast(pl.Int64))
    if since is not None and not daily.is_empty():
        lf = lf.filter(pl.col("date") >= lookback_start(daily, config, since))
    return lf


def flag_frame(
    daily: pl.DataFrame, config: RuleConfig, *, since: date | None = None
) -> pl.DataFrame:
    """The flags of one athlete as a frame (``FLAG_SCHEMA``), without messages."""
    flags = _flag_frames(_numbered(daily, config, since), config, None)
    if since is not None:
        flags = flags.filter(pl.col("date") >= since)
    return flags


def _judgement_frames(lf: pl.LazyFrame, config: RuleConfig, key: str | None) -> pl.DataFrame:
    keys = [] if key is None else [key]
    checks, steps = _plan(config, key)
    if not checks:
        return pl.DataFrame(schema={**{k: pl.Int64() for k in keys}, **JUDGEMENT_SCHEMA})
    wide = _wide(lf, steps).collect(optimizations=_PLAIN if key is None else pl.QueryOptFlags())
    parts = []
    for ch in checks:
        gated_off = (
            pl.col(ch.col("ok")) & (pl.col(ch.col("final")) == 0) & (pl.col(ch.col("level")) > 0)
        )
        fields = {
            **ch.fields,
            "date": pl.col("date"),
            "rule": pl.lit(ch.rule),
            "dimension": pl.lit(ch.dim),
            "judged": pl.col(ch.col("ok")) & ~gated_off,
            "level": pl.col(ch.col("final")),
            "caution": pl.lit(ch.config.caution_for(ch.dim)),
            "alert": pl.lit(alert_line(ch.rule, ch.config)),
        }
        parts.append(
            wide.select(
                *keys,
                *[fields[c].cast(t).alias(c) for c, t in JUDGEMENT_SCHEMA.items()],
            )
        )
    return pl.concat(parts).sort([*keys, "date", "rule", "dimension"])


def judgements(
    daily: pl.DataFrame, config: RuleConfig, *, since: date | None = None
) -> pl.DataFrame:
    """Every rule's numbers and level on every day ``>= since`` (``JUDGEMENT_SCHEMA``), whether
    or not a flag fired: what headroom and status read, so they can never disagree with the
    flags."""
    out = _judgement_frames(_numbered(daily, config, since), config, None)
    if since is not None:
        out = out.filter(pl.col("date") >= since)
    return out


def judgement_panel(daily: pl.DataFrame, config: RuleConfig, *, key: str) -> pl.DataFrame:
    """``judgements`` for many daily frames stacked (``key`` first, sorted by key and date)."""
    validate_panel(daily, DAILY_SCHEMA, "daily frame", key)
    lf = daily.lazy().with_columns(pl.int_range(pl.len()).over(key).cast(pl.Int64).alias(_DAY))
    return _judgement_frames(lf, config, key)


def flag_panel(
    daily: pl.DataFrame, config: RuleConfig, *, key: str, since: date | None = None
) -> pl.DataFrame:
    """Many athletes' daily frames stacked (``key`` first, sorted by key and date), one config:
    the batch path (nightly runs, benchmark).  Same flags as ``flag_frame`` per athlete."""
    validate_panel(daily, DAILY_SCHEMA, "daily frame", key)
    lf = daily.lazy().with_columns(pl.int_range(pl.len()).over(key).cast(pl.Int64).alias(_DAY))
    flags = _flag_frames(lf, config, key)
    if since is not None:
        flags = flags.filter(pl.col("date") >= since)
    return flags


def records(flags: pl.DataFrame) -> list[FlagRecord]:
    """Flag rows → ``FlagRecord``s with their sentence."""
    return [_record(row) for row in flags.iter_rows(named=True)]


def _record(row: dict[str, Any]) -> FlagRecord:
    return FlagRecord(
        date=row["date"],
        dimension=row["dimension"],
        rule=row["rule"],
        severity=severity_of(row["level"]),
        value=row["value"],
        baseline=row["baseline"],
        ratio=row["ratio"],
        threshold=row["threshold"],
        message=render(row),
        own_baseline=row.get("own_baseline"),
        kept=row.get("kept"),
        days_off=row.get("days_off"),
        spike_value=row.get("spike_value"),
        spike_baseline=row.get("spike_baseline"),
    )


def evaluate(
    daily: pl.DataFrame,
    config: RuleConfig,
    *,
    since: date | None = None,
    quiet: pl.DataFrame | None = None,
    judged: arrays.Judged | None = None,
) -> list[FlagRecord]:
    """All flags of one athlete (``DAILY_SCHEMA``) on days ``>= since`` (all days when None),
    ordered by date, rule, dimension.  At most one flag per rule, dimension and day.
    ``judged``: ``daily``'s judgements by the arrays already made (headroom's panel:
    ``rules.arrays.Judged``), read instead of judging again where they reach.

    ``quiet`` (``date``, ``dimension``): days on which a return-to-run plan is the baseline and
    the running stayed within its caps (``rules.plan_breach.quiet_frame``): the amount rules say
    nothing there (docs/rehab.md)."""
    # The same frame without planning a polars query (rules.arrays), unless the config is one
    # the arrays do not judge.
    if arrays.eligible(config) and (quiet is None or quiet.is_empty()):
        # The rows straight from the arrays: one evaluation's few flags cost more as a frame
        # (built, sorted, joined, read back) than judging them.
        rows = array_frames.flag_rows(daily, config, since=since, judged=judged)
        return [_record(row) for row in rows]
    if arrays.eligible(config):
        flags = array_frames.flag_frame(daily, config, since=since)
    else:
        flags = flag_frame(daily, config, since=since)
    if quiet is not None and quiet.height:
        flags = flags.join(
            quiet.unique().with_columns(pl.lit(True).alias("_quiet")),
            on=["date", "dimension"],
            how="left",
            maintain_order="left",
        )
        flags = flags.filter(
            ~(pl.col("_quiet").fill_null(False) & pl.col("rule").is_in(AMOUNT_RULES))
        ).drop("_quiet")
    # The day's fast threshold: a speed sentence names the pace it counted ("quicker than").
    flags = flags.join(
        daily.select("date", "fast_threshold_mps"), on="date", how="left", maintain_order="left"
    )
    return records(flags)
