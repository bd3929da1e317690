"""The rules on numpy arrays (rules/arrays.py) give what the polars engine gives: the same
flags from any day (dates, rules, levels exactly; numbers to the last bit or two: polars
divides by a constant sometimes as a division, sometimes times the reciprocal), and the same
headroom (every candidate future's room, tomorrow's checked limit, the alert line, today's
ramp), on generated histories with breaks, returns, every rule enabled and thresholds that
make rules fire often."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules import array_frames, arrays, headroom, headroom_arrays
from loadwatch.rules.array_frames import flag_frame, flag_rows
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import evaluate, records
from loadwatch.rules.engine import flag_frame as polars_flag_frame
from support.activity_builder import activity, frame

MON = date(2026, 1, 5)

CONFIGS = [
    RuleConfig(),
    # Every rule on, short breaks, low lines: many flags, returns and hand-overs.
    RuleConfig.from_overrides(
        {
            "monotony": {"enabled": True, "dimensions": ["distance", "hills"]},
            "return_after_break": {"break_days": 7, "caution": 0.3},
            "weekly_ramp": {"caution": 1.3, "quiet_days": 3},
            "session_spike": {"window_days": 10},
        }
    ),
]

# Day by day: km (0: rest) and the share of it that is fast, climbing, uphill; whole weeks
# off make breaks.
days = st.lists(
    st.one_of(
        st.just((0.0, 0.0)),
        st.tuples(st.sampled_from([3.0, 5.0, 8.0, 10.2, 14.0, 21.1, 30.0]), st.floats(0, 1)),
        st.just((-1.0, 0.0)),  # a week off
    ),
    min_size=20,
    max_size=160,
)


def _daily(plan: list[tuple[float, float]]) -> pl.DataFrame:
    rows = [activity(MON, 1.0, sport="walking")]  # pins the first day
    day = MON
    for km, s in plan:
        if km < 0:
            day += timedelta(days=7)
            continue
        if km > 0:
            rows.append(
                activity(day, km, climb_m=km * 37 * s, fast_km=km * s * 0.4, uphill_km=km * s / 3)
            )
        day += timedelta(days=1)
    return daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)


# A 3 km run, a week off, 3 km runs each after another week off (CONFIGS[1]: a break is 7
# days, caution 0.3, floor 10 km): every return is 3 / 10 = 0.3, exactly the caution line,
# so no flag.  The engine's ratio was 0.30000000000000004 on the last return (polars divided
# that chunk as 3 × (1 / 10)) and flagged it (seed 178492549485446308923524884431046718135).
_REST, _OFF, _RUN3 = (0.0, 0.0), (-1.0, 0.0), (3.0, 0.0)
_AT_THE_LINE = (
    [_REST] * 6 + [_OFF, _RUN3] + [_REST] * 5 + [_OFF, _OFF] + [_RUN3, _OFF] * 2 + [_RUN3]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days, st.integers(0, 1), st.floats(0, 1))
@example(_AT_THE_LINE, 1, 0.0)
def test_flags_equal_the_polars_engine(
    plan: list[tuple[float, float]], which: int, at: float
) -> None:
    daily = _daily(plan)
    config = CONFIGS[which]
    assert arrays.eligible(config)
    since = MON + timedelta(days=int(at * daily.height))
    for s in (None, since):
        want = polars_flag_frame(daily, config, since=s)
        assert_frame_equal(
            flag_frame(daily, config, since=s), want, check_exact=False, rel_tol=1e-12, abs_tol=0.0
        )


def _same(got: list[headroom.Headroom], want: list[headroom.Headroom]) -> None:
    for g, w in zip(got, want, strict=True):
        for f in dataclasses.fields(w):
            a, b = getattr(g, f.name), getattr(w, f.name)
            if isinstance(b, float):
                assert a == pytest.approx(b, rel=1e-12, abs=0.0), (f.name, g, w)
            else:
                assert a == b, (f.name, g, w)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days, st.integers(0, 1), st.floats(0, 1))
def test_headroom_equals_the_polars_engine(
    plan: list[tuple[float, float]], which: int, at: float
) -> None:
    """Every room of every candidate future, the checked limit for tomorrow, the alert line
    and today's ramp: the same from the arrays as from the engine's judgements."""
    daily = _daily(plan)
    config = CONFIGS[which]
    today = MON + timedelta(days=int(at * (daily.height + 3)))
    got = headroom.headroom(daily, config, today=today)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(arrays, "eligible", lambda c: False)
        want = headroom.headroom(daily, config, today=today)
    _same(got, want)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days, st.integers(0, 1), st.floats(0, 1))
def test_tomorrows_limit_worked_out_equals_judged(
    plan: list[tuple[float, float]], which: int, at: float
) -> None:
    """Tomorrow's limit checked from the run of nothing's judgements (``_clear``) is the one
    judging the history with that run gives (``_verify``), exactly; floored baselines make
    rooms that are whole units (caution × floor), where a rounding could tip a ratio over."""
    daily = _daily(plan)
    config = CONFIGS[which]
    today = MON + timedelta(days=int(at * (daily.height + 3)))
    got = headroom.headroom(daily, config, today=today)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(headroom_arrays, "_clear", lambda *a: False)
        want = headroom.headroom(daily, config, today=today)
    assert got == want


def test_a_room_of_whole_units_is_worked_out_without_judging() -> None:
    """Eight weeks of 5 km runs: tomorrow's fast running is bounded by the spike's floor
    (2 km × 1.3, fast running's own caution line: 2.6 km, a room of whole units), and the
    limit needs no second judgement."""
    daily = _daily([(5.0, 0.0), (0.0, 0.0)] * 28)
    today = daily["date"][-1]
    judged: list[object] = []
    verify = headroom_arrays._verify
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(headroom_arrays, "_verify", lambda *a: judged.append(a) or verify(*a))
        rooms = {h.dimension: h for h in headroom.headroom(daily, RuleConfig(), today=today)}
    assert judged == []
    assert rooms["speed"].next_run_limit == 2.6
    assert rooms["speed"].binding_rule == "session_spike"


def test_a_size_a_rounding_tips_over_is_judged_and_stepped_down() -> None:
    """Runs of 3 and 10.2 km, a third of them uphill: tomorrow's uphill room is 1.3 × 1.02 km
    (the longest uphill of the spike's window), which floors to 1.326 km, and 1.326 / 1.02 is
    above 1.3 in floating point.  Worked out, that run would raise a caution: judged again,
    the limit steps down a metre, as judging always did."""
    daily = _daily([(3.0, 0.3), (0.0, 0.0), (10.2, 0.3), (0.0, 0.0)] * 10)
    today = daily["date"][-1]
    judged: list[object] = []
    verify = headroom_arrays._verify
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(headroom_arrays, "_verify", lambda *a: judged.append(a) or verify(*a))
        got = {h.dimension: h for h in headroom.headroom(daily, RuleConfig(), today=today)}
    assert len(judged) == 1
    assert got["uphill"].next_run_limit == pytest.approx(1.325, abs=1e-12)
    assert got["distance"].next_run_limit == 11.22  # 1.1 × 10.2: no step down
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(headroom_arrays, "_clear", lambda *a: False)
        want = headroom.headroom(daily, RuleConfig(), today=today)
    assert list(got.values()) == want


def test_a_zero_floor_is_judged_by_polars() -> None:
    """0 / 0 is a real NaN that polars orders above every line: the arrays leave such a
    config to the engine."""
    zero = RuleConfig.from_overrides({"session_spike": {"floors": {"speed": 0}}})
    assert not arrays.eligible(zero)
    assert arrays.eligible(RuleConfig())


def _cell_same(a: object, b: object) -> bool:
    """The same value of the same type (a sentence prints 7 and 7.0 differently), NaN as NaN."""
    if type(a) is not type(b):
        return False
    return a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b))  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days, st.integers(0, 1), st.floats(0, 1))
def test_flag_rows_are_the_frames_rows(
    plan: list[tuple[float, float]], which: int, at: float
) -> None:
    """One evaluation's flags straight from the arrays (``flag_rows``, what ``evaluate``
    returns without a plan's quiet days) are the rows of the frame it used to build, sort and
    join with the day's fast threshold: every cell, its type too, and every record's sentence."""
    daily = _daily(plan)
    config = CONFIGS[which]
    since = MON + timedelta(days=int(at * daily.height))
    for s in (None, since):
        frame_ = flag_frame(daily, config, since=s).join(
            daily.select("date", "fast_threshold_mps"), on="date", how="left", maintain_order="left"
        )
        want = list(frame_.iter_rows(named=True))
        got = flag_rows(daily, config, since=s)
        assert [list(r) for r in got] == [list(r) for r in want]
        for g, w in zip(got, want, strict=True):
            assert all(_cell_same(g[k], w[k]) for k in w), (g, w)
        assert evaluate(daily, config, since=s) == records(frame_)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days, st.integers(0, 1), st.floats(0, 1))
def test_flags_from_headrooms_panel_equal_their_own_judgement(
    plan: list[tuple[float, float]], which: int, at: float
) -> None:
    """Headroom's panel judged with monotony hands its history's row to the rules
    (``headroom_judged``, ``flag_rows(judged=)``): the same rows, to the bit, as judging
    them, from any day; headroom itself is unchanged.  From the last day (a new run today)
    the rules judge nothing of their own."""
    daily = _daily(plan)
    config = CONFIGS[which]
    last: date = daily["date"][-1]
    rooms, judged = headroom.headroom_judged(daily, config, today=last)
    assert rooms == headroom.headroom(daily, config, today=last)
    assert judged is not None
    since = MON + timedelta(days=int(at * daily.height))
    for s in (None, since, last):
        want = flag_rows(daily, config, since=s)
        got = flag_rows(daily, config, since=s, judged=judged)
        assert [list(r) for r in got] == [list(r) for r in want]
        for g, w in zip(got, want, strict=True):
            assert all(_cell_same(g[k], w[k]) for k in w), (g, w)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(array_frames.arrays, "wide", _no_judging)
        flag_rows(daily, config, since=last, judged=judged)


def _no_judging(*args: object, **kwargs: object) -> list[arrays.Check]:
    raise AssertionError("judged again")
