"""Headroom's verdicts from the rules on numpy arrays (``rules.arrays``): the rooms the rules
leave in each candidate future, without a polars frame.

``rules.headroom`` explains the candidates and what each room means; it computes the same
``Verdicts`` from the polars engine's judgements for a config the arrays do not judge, and
``tests/rules/test_arrays.py`` holds the two to each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules import arrays
from loadwatch.rules.array_ops import F
from loadwatch.rules.arrays import Check, Judged
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.judging import AMOUNT_RULES, SCALE, lookback_start

_LOAD_COLS = [c for pair in DIMENSIONS.values() for c in pair]


_Ramp = tuple[float | None, float, float | None, float]


@dataclass
class Verdicts:
    """What the rules say about the candidate futures (``rules.headroom``)."""

    # (k, dimension) -> (room, binding rule): a run after k rest days
    run_rooms: dict[tuple[int, str], tuple[float, str]] = field(default_factory=dict)
    week_rooms: dict[str, float] = field(default_factory=dict)  # the next 7 days, unfloored
    next_run: dict[str, float] = field(default_factory=dict)  # tomorrow, floored and checked
    alert_run: dict[str, float] = field(default_factory=dict)  # tomorrow, to the alert line
    longest: dict[str, float] = field(default_factory=dict)  # spike's own baseline tomorrow
    # weekly_ramp today: own baseline, baseline, ratio, caution line
    ramp_now: dict[str, _Ramp] = field(default_factory=dict)
    judged: Judged | None = None  # the history's own judgements (``verdicts(judge=True)``)


def floor_unit(x: float, dim: str) -> float:
    s = SCALE[dim]
    return max(0.0, math.floor(x * s + 1e-9) / s)


def _none(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _base(history: pl.DataFrame, config: RuleConfig, today: date) -> tuple[int, pl.DataFrame]:
    """The days the rules read to judge today and after (``judging.lookback_start``)."""
    first: date = history["date"][0]
    lo = max(0, (lookback_start(history, config, today) - first).days)
    return lo, history.slice(lo)


def _panel(base: pl.DataFrame, k: int, width: int) -> tuple[F, F, dict[str, F]]:
    n = base.height
    runs = np.zeros((k, n + width))
    runs[:, :n] = base["runs"].to_numpy()
    loads = {}
    for c in _LOAD_COLS:
        a = np.zeros((k, n + width))
        a[:, :n] = base[c].to_numpy()
        loads[c] = a
    return np.zeros(n + width), runs, loads


def _judged(ch: Check, r: int, c: int) -> bool:
    ok = ch.ok[r, c] > 0
    return bool(ok and not (ch.final[r, c] == 0 and ch.level[r, c] > 0))


def _room(ch: Check, r: int, c: int, line: float) -> float:
    return float(line * ch.fields["baseline"][r, c] - ch.fields["value"][r, c])


def _amount(checks: list[Check], dim: str, rules: tuple[str, ...] = AMOUNT_RULES) -> list[Check]:
    # In rule order: the first of equal rooms binds, as in the sorted judgement frame.
    return sorted((ch for ch in checks if ch.dim == dim and ch.rule in rules), key=lambda c: c.rule)


def _min_room(checks: list[Check], cells: list[tuple[int, int]]) -> tuple[float, str] | None:
    best: tuple[float, str] | None = None
    for r, c in cells:
        for ch in checks:
            if _judged(ch, r, c):
                room = _room(ch, r, c, ch.caution())
                if best is None or room < best[0]:
                    best = (room, ch.rule)
    return best


def verdicts(
    history: pl.DataFrame,
    config: RuleConfig,
    today: date,
    horizon: int,
    over: Callable[[str, float], bool] | None = None,
    *,
    judge: bool = False,
) -> Verdicts:
    """``history`` ends on ``today``.  Rows: today's own judgements; a run of nothing
    tomorrow; the next 7 days all running; then, only when ``over`` says tomorrow's checked
    limit leaves a dimension over (None: always), a run of nothing after k rest days for
    1 <= k < ``horizon`` (``rules.headroom``: when a usual run fits again).  Each row judges
    only its own days, so judging the later candidates in a panel of their own, or not at
    all, changes none of the others'.  ``judge``: the panel judges monotony too, and row 0
    is handed back (``Verdicts.judged``) for the rules' flags; headroom reads none of it."""
    lo, base = _base(history, config, today)
    n = base.height
    day, runs, loads = _panel(base, 3, 7)
    day = np.broadcast_to(np.arange(lo, lo + n + 7, dtype=np.float64), runs.shape)
    runs[1, n] = 1
    runs[2, n : n + 7] = 1
    checks = arrays.wide(day, runs, loads, config, amounts_only=not judge)
    v = Verdicts(judged=Judged(lo, lo + n, checks) if judge else None)
    for dim in DIMENSIONS:
        amount = _amount(checks, dim)
        best = _min_room(amount, [(1, n)])
        if best is not None:
            v.run_rooms[(0, dim)] = best
        week = _amount(checks, dim, ("weekly_ramp", "return_after_break"))
        wk = _min_room(week, [(2, n + i) for i in range(7)])
        if wk is not None:
            v.week_rooms[dim] = wk[0]
        alerts = [
            _room(ch, 1, n, line)
            for ch in amount
            if (line := ch.alert()) is not None and _judged(ch, 1, n)
        ]
        if alerts:
            v.alert_run[dim] = floor_unit(min(alerts), dim)
        for ch in amount:
            own = ch.fields["own_baseline"][1, n]
            if ch.rule == "session_spike" and _judged(ch, 1, n) and not math.isnan(own):
                v.longest[dim] = float(own)
        for ch in checks:
            if ch.rule == "weekly_ramp" and ch.dim == dim:
                f = ch.fields
                v.ramp_now[dim] = (
                    _none(f["own_baseline"][0, n - 1]),
                    float(f["baseline"][0, n - 1]),
                    _none(f["ratio"][0, n - 1]),
                    ch.caution(),
                )
    sizes = {d: floor_unit(room, d) for (k, d), (room, _) in v.run_rooms.items() if k == 0}
    # Tomorrow's checked limit: judged again only when a size is too close to a room to be
    # sure without (``_clear``).
    clear = all(_clear(checks, d, n, x) for d, x in sizes.items())
    v.next_run = dict(sizes) if clear else _verify(base, lo, config, sizes)
    if over is None or any(over(d, x) for d, x in v.next_run.items()):
        _later(v, base, lo, config, horizon)
    return v


def _clear(checks: list[Check], dim: str, n: int, size: float) -> bool:
    """Whether ``_verify`` finds no amount rule raising a caution on tomorrow's run of
    ``size`` in ``dim``, worked out from the judgements of tomorrow's run of nothing (row 1,
    column ``n``) instead of judging the history again.

    Tomorrow's run moves neither an amount rule's baseline nor whether it judges (both read
    the days before; tomorrow runs in both rows), no rule of one dimension reads another's
    loads, and the run adds to the rule's value: the single run is ``size`` itself; the 7
    days' sum and the load since a return are integer units (``SCALE``) times ``1 / scale``
    (``array_ops.div``), so with the run they are the units of the run of nothing plus the
    run's, the same operations as ``arrays.wide``'s on the same numbers.  The ratio is then
    the bits ``_verify`` computes, and a caution (an alert line is never below it,
    ``RuleConfig``'s ``caution_for``)
    is ``ratio > caution`` there as here.  False when one would be raised: ``_verify`` judges
    (a spike during a return may be handed over; it steps sizes down).  A size 0 is not
    checked, as there."""
    if size <= 0:
        return True
    scale = float(SCALE[dim])
    for ch in checks:
        if ch.dim != dim or ch.rule not in AMOUNT_RULES or not ch.ok[1, n] > 0:
            continue
        base, before = ch.fields["baseline"][1, n], ch.fields["value"][1, n]
        if ch.rule == "session_spike":
            value = np.float64(size)
        else:
            units = np.round(before * scale) + np.round(np.float64(size) * scale)
            value = units * (1.0 / scale)
        if not value / base <= ch.caution():
            return False
    return True


def _later(v: Verdicts, base: pl.DataFrame, lo: int, config: RuleConfig, horizon: int) -> None:
    """The rooms of a run after k rest days, 1 <= k < ``horizon``: row k - 1."""
    n, k_rows = base.height, horizon - 1
    if k_rows <= 0:
        return
    day, runs, loads = _panel(base, k_rows, horizon)
    day = np.broadcast_to(np.arange(lo, lo + n + horizon, dtype=np.float64), runs.shape)
    for k in range(1, horizon):
        runs[k - 1, n + k] = 1
    checks = arrays.wide(day, runs, loads, config, amounts_only=True)
    for dim in DIMENSIONS:
        amount = _amount(checks, dim)
        for k in range(1, horizon):
            best = _min_room(amount, [(k - 1, n + k)])
            if best is not None:
                v.run_rooms[(k, dim)] = best


def _verify(
    base: pl.DataFrame, lo: int, config: RuleConfig, sizes: dict[str, float]
) -> dict[str, float]:
    """Judge the history with tomorrow's run at the computed limits; where a rule still
    raises a caution (rounding), step down one unit (``headroom._verify``)."""
    sizes = dict(sizes)
    n = base.height
    day, runs, loads = _panel(base, 1, 1)
    day = np.arange(lo, lo + n + 1, dtype=np.float64)[None, :]
    runs[0, n] = 1
    for _ in range(3):
        for dim, (col, single) in DIMENSIONS.items():
            loads[col][0, n] = loads[single][0, n] = sizes.get(dim, 0.0)
        checks = arrays.wide(day, runs, loads, config, amounts_only=True)
        bad = {ch.dim for ch in checks if ch.rule in AMOUNT_RULES and ch.final[0, n] > 0}
        bad = {d for d in bad if d in sizes and sizes[d] > 0}
        if not bad:
            return sizes
        for d in bad:
            sizes[d] = max(0.0, sizes[d] - 1.0 / SCALE[d])
    return sizes
