"""Headroom's verdicts from the rules on numpy arrays: the rooms the rules leave in each
candidate future, without a polars frame.  The candidates are judged together by
``rules.futures`` (what ``rules.arrays.wide`` gives judging each, ``tests/rules/test_futures.py``);
``wide`` itself judges the history's own days when the rules' flags want them (``judge``) and
tomorrow's run again when a size is too close to a room (``_verify``).

``rules.headroom`` explains the candidates and what each room means; it computes the same
``Verdicts`` from the polars engine's judgements for a config the arrays do not judge, and
``tests/rules/test_arrays.py`` holds the two to each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules import arrays, futures
from loadwatch.rules.array_ops import B, F
from loadwatch.rules.arrays import Judged
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.futures import DIMS
from loadwatch.rules.judging import AMOUNT_RULES, SCALE, lookback_start

_LOAD_COLS = [c for pair in DIMENSIONS.values() for c in pair]


_Ramp = tuple[float | None, float, float | None, float]
Over = Callable[[str, float], bool]


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


def _judged(ce: futures.Cells, i: int, r: int, c: int) -> bool:
    ok = bool(ce.ok[i, r, c])
    return ok and not (ce.final[i, r, c] == 0 and ce.level[i, r, c] > 0)


def _room(ce: futures.Cells, i: int, r: int, c: int, line: float) -> float:
    return float(line * ce.baseline[i, r, c] - ce.value[i, r, c])


def _rooms(cells: list[futures.Cells]) -> tuple[F, B]:
    """Each rule's caution room at every cell (rules, dims, candidates, days), and where it
    judges (a spike handed over to the return does not)."""
    with np.errstate(invalid="ignore"):
        room = np.stack([ce.caution() * ce.baseline - ce.value for ce in cells])
    judged = np.stack([ce.ok & ~((ce.final == 0) & (ce.level > 0)) for ce in cells])
    return room, judged


def _min_rooms(
    cells: list[futures.Cells],
    room: F,
    judged: B,
    rows: npt.NDArray[np.intp],
    cols: npt.NDArray[np.intp],
) -> list[dict[int, tuple[float, str]]]:
    """Per dimension, per cell (``rows[i]``, ``cols[i]``): the smallest room of the rules
    judging there, and its rule; the first of equal rooms binds (``cells`` are in rule order,
    as in the sorted judgement frame)."""
    r, j = room[:, :, rows, cols], judged[:, :, rows, cols]  # rules, dims, cells
    masked = np.where(j, r, np.inf)
    which = masked.argmin(axis=0)
    best = np.take_along_axis(masked, which[None], axis=0)[0]
    any_: B = np.asarray(j.any(axis=0))
    return [
        {i: (float(best[d, i]), cells[which[d, i]].rule) for i in np.flatnonzero(any_[d]).tolist()}
        for d in range(len(DIMS))
    ]


def verdicts(
    history: pl.DataFrame,
    config: RuleConfig,
    today: date,
    horizon: int,
    over: Callable[[str, float], bool] | None = None,
    *,
    judge: bool = False,
) -> Verdicts:
    """``history`` ends on ``today``.  The candidates: no future (today's ramp); a run of
    nothing after k rest days for 0 <= k < ``horizon`` (k 0: tomorrow; the later ones only
    say when a usual run fits again, read only when ``over`` says tomorrow's checked limit
    leaves a dimension over (None: always; ``rules.headroom``)); the next 7 days all running.
    Judged together by ``rules.futures`` (each row judges only its own days).  ``judge``: the
    history's own judgements, monotony too, handed back (``Verdicts.judged``) for the rules'
    flags; headroom reads none of it."""
    lo, base = _base(history, config, today)
    n = base.height
    runs_h = base["runs"].to_numpy().astype(np.float64)
    loads_h = {c: base[c].to_numpy().astype(np.float64) for c in _LOAD_COLS}
    # Columns from today (n - 1): candidate k's run is column k + 1.
    cells = futures.judge(lo, runs_h, loads_h, _future(horizon), config, n - 1)
    judged = None
    if judge:
        day = np.arange(lo, lo + n, dtype=np.float64)[None, :]
        whole = arrays.wide(
            day, runs_h[None, :], {c: v[None, :] for c, v in loads_h.items()}, config
        )
        judged = Judged(lo, lo + n, whole)
    return _verdicts(cells, *_rooms(cells), base, lo, config, horizon, over, judged)


def _future(horizon: int) -> F:
    """The candidates' days after today (``verdicts``): no future, a run after k rest days,
    the next 7 days all running."""
    future = np.zeros((horizon + 2, max(horizon, 7)))
    for k in range(horizon):
        future[1 + k, k] = 1
    future[-1, :7] = 1
    return future


def verdicts_days(
    history: pl.DataFrame,
    config: RuleConfig,
    today: date,
    count: int,
    horizon: int,
    overs: list[Over | None],
) -> list[Verdicts]:
    """``verdicts`` (``judge`` False) of ``count`` days from ``today``: the ``i``-th is
    ``verdicts(history.head(rows to today + i), config, today + i, horizon, overs[i])``.
    ``history`` is one row per day ending on ``today + count - 1``, the days after ``today``
    rest days (no run, no load: the nightly roll's, ``services/roll.py``).

    Judged in one panel: day ``i``'s history is today's followed by ``i`` days of nothing,
    so its candidates are today's history followed by ``i`` days without a run and then the
    candidate's own days (``rules.futures`` judges whatever futures it is given); the rules'
    look back from today covers every later day (``judging.lookback_start``), but for the
    days whose own look back cuts a window today's does not: those are judged alone.  Day ``i``'s
    cells are its rows from column ``i`` on, the numbers ``verdicts`` computes for it
    (``tests/rules/test_headroom_days.py``)."""
    m = history.height - count + 1  # the rows up to today
    first: date = history["date"][0]
    los = [
        max(0, (lookback_start(history.head(m + i), config, today + timedelta(i)) - first).days)
        for i in range(count)
    ]
    lo = los[0]
    base = history.slice(lo, m - lo)
    n = base.height
    full = history.slice(lo)
    # Each day's own look back is what its headroom reads: read from today's instead, a day
    # is the same where both read whole every window they judge.  The look back reaches
    # before a run that a break follows only when that run is before its start: one after it
    # (the last before a return, which the return reads the pre-break and spike windows of)
    # may have those windows cut at the start.  A day where that can differ is judged alone
    # from its own look back (the reference: ``headroom`` of that day); the last run before
    # the rest days counts (a candidate's run may return after it).
    runs_all = np.flatnonzero(history["runs"].to_numpy() > 0)
    gaps = np.diff(np.append(runs_all, np.iinfo(np.int64).max))
    before_break = runs_all[gaps > config.return_after_break.break_days]
    reach = max(config.return_after_break.pre_break_days, config.session_spike.window_days) + 1

    def whole(at: int) -> bool:
        return at == 0 or not ((before_break >= at) & (before_break < at + reach)).any()

    alone = [i for i in range(count) if los[i] != lo and not (whole(lo) and whole(los[i]))]
    runs_h = base["runs"].to_numpy().astype(np.float64)
    loads_h = {c: base[c].to_numpy().astype(np.float64) for c in _LOAD_COLS}

    def panel(days: list[int], horizon: int, overs: list[Over | None]) -> list[Verdicts]:
        one = _future(horizon)
        k, h = one.shape
        future = np.zeros((len(days) * k, h + days[-1]))
        for r, i in enumerate(days):
            future[r * k : (r + 1) * k, i : i + h] = one
        cells = futures.judge(lo, runs_h, loads_h, future, config, n - 1)
        room, judged_at = _rooms(cells)
        out = []
        for r, i in enumerate(days):
            rows, cols = slice(r * k, (r + 1) * k), slice(i, i + h + 1)
            day_cells = [
                replace(
                    ce,
                    ok=ce.ok[:, rows, cols],
                    level=ce.level[:, rows, cols],
                    final=ce.final[:, rows, cols],
                    own=ce.own[:, rows, cols],
                    baseline=ce.baseline[:, rows, cols],
                    value=ce.value[:, rows, cols],
                )
                for ce in cells
            ]
            room_i, judged_i = room[:, :, rows, cols], judged_at[:, :, rows, cols]
            base_i = full.head(n + i)
            out.append(
                _verdicts(day_cells, room_i, judged_i, base_i, lo, config, horizon, overs[r])
            )
        return out

    # The later candidates are read only on a day ``over`` says so: first every day's
    # candidates without them (3 rows a day instead of ``horizon + 2``: rows are independent,
    # so these are the same cells), then the days over with them all.
    days = [i for i in range(count) if i not in alone]
    never: list[Over | None] = [lambda d, x: False] * len(days)
    out = dict(zip(days, panel(days, 1, never), strict=True)) if days else {}
    again = [
        i
        for i, v in out.items()
        if (over := overs[i]) is None or any(over(d, x) for d, x in v.next_run.items())
    ]
    if again:
        for i, v in zip(again, panel(again, horizon, [overs[i] for i in again]), strict=True):
            out[i] = v
    for i in alone:
        day = history.head(m + i)
        out[i] = verdicts(day, config, today + timedelta(i), horizon, overs[i])
    return [out[i] for i in range(count)]


def _verdicts(
    cells: list[futures.Cells],
    room: F,
    judged_at: B,
    base: pl.DataFrame,
    lo: int,
    config: RuleConfig,
    horizon: int,
    over: Callable[[str, float], bool] | None,
    judged: Judged | None = None,
) -> Verdicts:
    """``verdicts`` from the cells of one day's candidates and their rooms (``_rooms``)."""
    v = Verdicts(judged=judged)
    ks = np.arange(horizon)
    runs_at = _min_rooms(cells, room, judged_at, 1 + ks, 1 + ks)  # candidate k: row and day k + 1
    week = [i for i, ce in enumerate(cells) if ce.rule != "session_spike"]
    wk_j = judged_at[week][:, :, horizon + 1, 1:8]
    wk_min = np.where(wk_j, room[week][:, :, horizon + 1, 1:8], np.inf).min(axis=(0, 2))
    for i, dim in enumerate(DIMENSIONS):
        if 0 in runs_at[i]:
            v.run_rooms[(0, dim)] = runs_at[i][0]
        if wk_j[:, i].any():
            v.week_rooms[dim] = float(wk_min[i])
        alerts = [
            _room(ce, i, 1, 1, line)
            for ce in cells
            if (line := ce.alert()) is not None and _judged(ce, i, 1, 1)
        ]
        if alerts:
            v.alert_run[dim] = floor_unit(min(alerts), dim)
        for ce in cells:
            own = ce.own[i, 1, 1]
            if ce.rule == "session_spike" and _judged(ce, i, 1, 1) and not math.isnan(own):
                v.longest[dim] = float(own)
            if ce.rule == "weekly_ramp" and dim in ce.config.dimensions:
                # Today's ramp: the candidate with no future, column 0.
                b = ce.baseline[i, 0, 0]
                with np.errstate(invalid="ignore", divide="ignore"):
                    ratio = ce.value[i, 0, 0] / b
                v.ramp_now[dim] = (
                    _none(ce.own[i, 0, 0]),
                    float(b),
                    _none(ratio),
                    ce.config.caution_for(dim),
                )
    sizes = {d: floor_unit(r, d) for (k, d), (r, _) in v.run_rooms.items() if k == 0}
    # Tomorrow's checked limit: judged again only when a size is too close to a room to be
    # sure without (``_clear``).
    clear = all(_clear(cells, d, x) for d, x in sizes.items())
    v.next_run = dict(sizes) if clear else _verify(base, lo, config, sizes)
    if over is None or any(over(d, x) for d, x in v.next_run.items()):
        for i, dim in enumerate(DIMENSIONS):
            for k, best in runs_at[i].items():
                if k:
                    v.run_rooms[(k, dim)] = best
    return v


def _clear(cells: list[futures.Cells], dim: str, size: float) -> bool:
    """Whether ``_verify`` finds no amount rule raising a caution on tomorrow's run of
    ``size`` in ``dim``, worked out from the judgements of tomorrow's run of nothing
    (candidate k 0) instead of judging the history again.

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
    i = list(DIMENSIONS).index(dim)
    scale = float(SCALE[dim])
    for ce in cells:
        if not ce.ok[i, 1, 1]:
            continue
        base, before = ce.baseline[i, 1, 1], ce.value[i, 1, 1]
        if ce.rule == "session_spike":
            value = np.float64(size)
        else:
            units = np.round(before * scale) + np.round(np.float64(size) * scale)
            value = units * (1.0 / scale)
        if not value / base <= ce.config.caution_for(dim):
            return False
    return True


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
