"""The amount rules' judgements of headroom's candidate futures, every dimension at once.

A candidate future is the history followed by a few days with runs of nothing (``runs`` > 0,
every load 0): ``rules.headroom_arrays`` asks what each amount rule says on those days.
``arrays.wide`` answers by judging each candidate's whole panel, dimension by dimension: a
few hundred numpy calls, twice per headroom, whatever the number of rows.  Here the same
expressions are computed once for all dimensions (axis 0), all candidates (axis 1) and the
days (axis 2), and what does not depend on the candidate (the loads: every candidate shares
the history's and adds none) once per dimension:

* the loads' windows (the ramp's sums, the spike's window maxima, the running sums the
  pre-break week reads) are the history's, extended by zeros: shape (dims, 1, days);
* the runs' state (breaks, returns, segments, the detraining share) is the candidate's:
  shape (1, candidates, days);
* the rest combines the two by broadcasting, and is kept only on the days asked for.

Every value is the one ``arrays.wide`` computes, the same operations in the same order on the
same numbers (elementwise, so broadcasting changes no bit; sums over whole units are exact);
``tests/rules/test_futures.py`` holds the two equal cell by cell on generated histories.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules.array_ops import (
    B,
    F,
    ffill,
    kept,
    rolling_max,
    rolling_sum,
    seg_cummax,
    shift,
)
from loadwatch.rules.arrays import breaks
from loadwatch.rules.config import RuleConfig, _Rule
from loadwatch.rules.evidence import LEVEL
from loadwatch.rules.judging import SCALE, alert_line, pre_break_load
from loadwatch.vocabulary import ALERT, CAUTION

DIMS = tuple(DIMENSIONS)
_S = np.array([float(SCALE[d]) for d in DIMS])[:, None, None]


@dataclass(frozen=True)
class Cells:
    """One amount rule's numbers on the days asked for, shape (dims, candidates, days):
    ``arrays.Check``'s ``ok``, ``level``, ``final`` and the fields headroom reads."""

    rule: str
    config: _Rule
    ok: B
    level: F
    final: F
    own: F  # own_baseline
    baseline: F
    value: F

    def caution(self) -> F:
        """Each dimension's caution line, shape (dims, 1, 1) (1.0 where the rule does not
        judge)."""
        return _consts(self.config).caution

    def alert(self) -> float | None:
        return alert_line(self.rule, self.config)

    def ratio(self) -> F:
        with np.errstate(invalid="ignore", divide="ignore"):
            out: F = self.value / self.baseline
        return out


def _last(x: F, f: Callable[[F], F]) -> F:
    """``f`` (an ``array_ops`` function along axis 1) along the last axis of ``x``."""
    return f(x.reshape(-1, x.shape[-1])).reshape(x.shape)


def _shift(x: F, n: int) -> F:
    return _last(x, lambda a: shift(a, n))


def _ffill(x: F) -> F:
    return _last(x, ffill)


def _seg_cummax(x: F, seg: F) -> F:
    t = x.shape[-1]
    seg = np.broadcast_to(seg, x.shape)
    return seg_cummax(x.reshape(-1, t), np.ascontiguousarray(seg).reshape(-1, t)).reshape(x.shape)


def _seg_shift1(x: F, seg: F) -> F:
    """``array_ops.seg_shift1`` of a per-dimension ``x`` (dims, 1, days) within each
    candidate's segments (1, candidates, days)."""
    out = np.broadcast_to(_shift(x, 1), np.broadcast_shapes(x.shape, seg.shape)).copy()
    out[..., 1:][np.broadcast_to(seg[..., 1:] != seg[..., :-1], out[..., 1:].shape)] = np.nan
    return out


# A rule's per-dimension numbers as (dims, 1, 1) columns, by the rule object (held, so its id
# is not reused while cached): building them costs more than judging a few days.
class _Consts(NamedTuple):
    floor: F
    caution: F
    mask: B


_CONSTS: dict[int, tuple[_Rule, _Consts]] = {}


def _consts(r: _Rule) -> _Consts:
    """``floor`` and ``caution`` per dimension (1.0 where the rule does not judge: those
    dimensions are masked out of ``ok``), and ``mask``: whether the rule judges it."""
    hit = _CONSTS.get(id(r))
    if hit is not None and hit[0] is r:
        return hit[1]
    on = [r.enabled and d in r.dimensions for d in DIMS]
    out = _Consts(
        np.array([r.floor(d) if o else 1.0 for d, o in zip(DIMS, on, strict=True)])[:, None, None],
        np.array([r.caution_for(d) if o else 1.0 for d, o in zip(DIMS, on, strict=True)])[
            :, None, None
        ],
        np.array(on)[:, None, None],
    )
    if len(_CONSTS) > 64:
        _CONSTS.clear()
    _CONSTS[id(r)] = (r, out)
    return out


def _nan0(x: F) -> F:
    """``np.nan_to_num(x, nan=0.0)`` for ``x`` without infinities (finite loads), at a
    fraction of its cost."""
    return np.where(np.isnan(x), 0.0, x)


def _level(ratio: F, ok: B, r: _Rule, name: str, caution: F) -> F:
    """``arrays._level`` with each dimension's caution line."""
    lvl = np.where(ratio > caution, LEVEL[CAUTION], 0)
    a = alert_line(name, r)
    if a is not None:
        lvl = np.where(ratio > a, LEVEL[ALERT], lvl)
    return np.where(ok, lvl, 0).astype(np.float64)


def _gather(x: F, idx: F) -> F:
    """``x`` (dims, 1, days) at the day indices ``idx`` (candidates, days; NaN: none)."""
    ok = ~np.isnan(idx)
    out: F = x[:, 0, np.where(ok, idx, 0).astype(np.intp)]
    out[:, ~ok] = np.nan
    return out


def _seeded(x: F, seed: F) -> F:
    """``x`` with its first day replaced by ``seed`` (the running maximum carried to it)."""
    out = x.copy()
    out[..., 0] = seed
    return out


def judge(
    lo: int,
    runs_h: F,
    loads_h: dict[str, F],
    future: F,
    config: RuleConfig,
    first: int,
) -> list[Cells]:
    """The amount rules' cells on the days ``first`` on (counted from the history's start;
    ``first`` < the history's length) of each candidate: the history (``runs_h``,
    ``loads_h``: one value per day, none null (the daily frame's), its first day numbered
    ``lo`` from the athlete's first day) followed by ``future`` (candidates x days: the runs,
    of nothing).  In rule order (the sorted judgement frame's: the first of equal rooms
    binds).

    The runs' state is computed over every day (it is small: candidates x days); the rules'
    numbers only on the days asked for, from a state carried to ``first``: what
    ``arrays.wide`` forward-fills is read at the day it fills from (the last run before a
    day, its return: with no null load, the value there is the one the fill carries), and
    its running maxima since a return start from their value on ``first`` (past days only:
    the same for every candidate, computed once on the history)."""
    n, h = runs_h.size, future.shape[1]
    t = n + h
    k = future.shape[0]
    day = np.arange(lo, lo + t, dtype=np.float64)
    rb, ss, wr = config.return_after_break, config.session_spike, config.weekly_ramp
    runs = np.empty((k, t))
    runs[:, :n] = runs_h
    runs[:, n:] = future
    out: list[Cells] = []
    c = slice(first, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        # breaks: the candidate's (arrays.breaks, as wide computes them)
        running = runs > 0
        br = breaks(day, running, rb.break_days)
        prev_run, in_break, ret_day, days_off, seg_all = (
            br.prev_run, br.in_break, br.ret_day, br.days_off, br.seg
        )  # fmt: skip
        seg = seg_all[None, :, c]
        since_ret = (day - ret_day)[None, :, c]
        kept_ = kept(days_off[:, c])[None]
        run3 = running[None, :, c]
        # Indices of the last run before each day, of the day's return, and of the last run
        # before that return.
        prev_i, ret_i = prev_run - lo, ret_day - lo
        has_ret = ~np.isnan(ret_i)
        ret_prev_i = np.take_along_axis(prev_i, np.where(has_ret, ret_i, 0).astype(np.intp), 1)
        ret_prev_i[~has_ret] = np.nan
        ret_c, ret_prev_c = ret_i[:, c], ret_prev_i[:, c]
        # loads: the history's, then nothing
        q = np.zeros((len(DIMS), 1, t))
        single = np.zeros((len(DIMS), 1, t))
        for i, (col, one) in enumerate(DIMENSIONS.values()):
            q[i, 0, :n] = np.round(loads_h[col] * SCALE[DIMS[i]])
            single[i, 0, :n] = loads_h[one]
        if not (np.isfinite(q).all() and np.isfinite(single).all()):
            raise ValueError("a null or infinite load: judge with arrays.wide")
        cum = np.cumsum(q, axis=2)
        val = pre_break_load(cum, _shift(cum, rb.pre_break_days), day, rb, -_S)
        # p: the pre-break sum at the last run before the day; at: p on the day's return
        at = _gather(val, ret_prev_c)
        before = _gather(cum - q, ret_c)
        cum_c = cum[..., c]
        rbc, ssc, wrc = _consts(rb), _consts(ss), _consts(wr)
        # Whatever precedes the break; the floor alone judges when ``at`` < 0 (arrays.wide).
        in_return = (since_ret < rb.return_days) & rbc.mask
        cap_const = 7.0 / rb.pre_break_days / _S
        said: F | None = None
        if rb.enabled:
            floor, caution = rbc.floor, rbc.caution

            def level_at(at_: F, before_: F, cum_: F, ok_: B) -> tuple[F, F, F, F]:
                own_ = np.where(at_ >= 0, at_ * cap_const, np.nan)
                value_ = (cum_ - before_) * (1.0 / _S)
                baseline_ = np.fmax(own_, floor)
                lvl = _level(value_ / baseline_, ok_, rb, "return_after_break", caution)
                return own_, value_, baseline_, lvl

            ok = run3 & in_return
            own, value, baseline, level = level_at(at, before, cum_c, ok)
            # What return_after_break has said since the return, carried to ``first`` on the
            # history (the first candidate's days up to it, the same in every candidate).
            hc = slice(0, first + 1)
            at_h = _gather(val, ret_prev_i[:1, hc])
            ok_h = (running[:1, hc] & ((day - ret_day)[:1, hc] < rb.return_days))[None]
            ok_h = ok_h & rbc.mask
            before_h = _gather(cum - q, ret_i[:1, hc])
            level_h = level_at(at_h, before_h, cum[..., hc], ok_h)[3]
            said_h = _seg_cummax(level_h, seg_all[None, :1, hc])[..., -1]
            said = _seg_cummax(_seeded(level, said_h), seg)
            out.append(Cells("return_after_break", rb, ok, level, level, own, baseline, value))
        if ss.enabled:
            w = ss.window_days
            rmax = _last(single, lambda a: rolling_max(a, w))
            window = _shift(rmax, 1)[..., c]
            hc = slice(0, first + 1)
            seg_h = seg_all[None, :1, hc]
            since_max_h = _seg_cummax(_nan0(_seg_shift1(single[..., hc], seg_h)), seg_h)[..., -1]
            shifted = _nan0(_seg_shift1(single[..., c], seg))
            since_max = _seg_cummax(_seeded(shifted, since_max_h), seg)
            at_long = _gather(rmax, ret_prev_c)
            post = (since_ret < w) & ~np.isnan(kept_)
            capacity = _nan0(at_long) * kept_
            own = np.where(post, np.fmax(since_max, capacity), window)
            ok = run3 & (day[c] >= w) & ~np.isnan(own) & ssc.mask
            baseline = np.fmax(own, ssc.floor)
            caution = ssc.caution
            value = np.broadcast_to(single[..., c], own.shape)
            level = _level(value / baseline, ok, ss, "session_spike", caution)
            final = level
            if said is not None:
                # During a return, a spike no more severe than what return_after_break has
                # said since the return is the same event (arrays.wide).
                final = np.where(in_return & (level <= _nan0(said)), 0, level).astype(np.float64)
            out.append(Cells("session_spike", ss, ok, level, final, own, baseline, value))
        if wr.enabled:
            a, ch = wr.acute_days, wr.chronic_days
            acute = (_last(q, lambda x: rolling_sum(x, a)) * (1.0 / _S))[..., c]
            chronic = _shift(_last(q, lambda x: rolling_sum(x, ch)), a)[..., c]
            bdays = shift(rolling_sum(in_break.astype(np.float64), ch), a)[None, :, c]
            days = np.fmax(ch - bdays, a)
            usual = chronic * ((float(a) / days) * (1.0 / _S))
            capacity = at * cap_const
            post = (since_ret < a + 2 * ch - 1) & ~np.isnan(kept_) & (at >= 0)
            own_usual = np.where(bdays == 0, chronic * (a / ch / _S), usual)
            own = np.where(post, np.fmax(own_usual, capacity * kept_), own_usual)
            ok = run3 & (day[c] >= a + ch - 1) & ~np.isnan(own) & ~in_return & wrc.mask
            baseline = np.fmax(own, wrc.floor)
            caution = wrc.caution
            level = _level(acute / baseline, ok, wr, "weekly_ramp", caution)
            value = np.broadcast_to(acute, own.shape)
            out.append(Cells("weekly_ramp", wr, ok, level, level, own, baseline, value))
    return out
