"""Breaks and returns through ``rules.engine.evaluate``: a graded return stays quiet, straight
back to full volume is one rule's alert, and the decay rule by hand."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.detraining import MAX_CAPACITY_DAYS, kept, kept_expr
from loadwatch.rules.engine import FlagRecord, evaluate
from support.activity_builder import activity, days, frame, weeks

MON = date(2026, 1, 5)  # a Monday
DEFAULT = RuleConfig()


def _daily(rows: list[dict[str, object]]) -> pl.DataFrame:
    return daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)


def _week(n: int) -> date:
    return MON + timedelta(days=7 * n)


def _keys(flags: list[FlagRecord]) -> list[tuple[date, str, str, str]]:
    return [(f.date, f.rule, f.dimension, f.severity) for f in flags]


def _since_consistent(d: pl.DataFrame, flags: list[FlagRecord]) -> None:
    first = d["date"].min()
    assert isinstance(first, date)
    for offset in range(0, d.height, 5):
        since = first + timedelta(days=offset)
        assert evaluate(d, DEFAULT, since=since) == [f for f in flags if f.date >= since]


def test_decay_rule_by_hand() -> None:
    # Piecewise linear through Coyle 1984: 1.00 at 0 days, 0.93 at 21, 0.84 from 56 on.
    assert kept(0) == 1.0
    assert kept(21) == pytest.approx(0.93)
    assert kept(29) == pytest.approx(0.93 - 8 / 35 * 0.09)
    assert kept(56) == pytest.approx(0.84) and kept(80) == pytest.approx(0.84)
    assert kept(MAX_CAPACITY_DAYS + 1) is None
    xs = [0, 10, 21, 29, 40, 56, 70, 84, 85]
    got = pl.DataFrame({"d": xs}).select(kept_expr(pl.col("d")).alias("k"))["k"].to_list()
    assert got[:-1] == pytest.approx([kept(x) for x in xs[:-1]])
    assert got[-1] is None


def test_graded_return_after_four_weeks_off_is_quiet() -> None:
    # Eight 44 km weeks, four weeks off, then 50 / 65 / 80 / 95 % of the pre-break week and
    # four weeks back at 44 km.  Week 1 back: 22 km = 0.50 of the pre-break week, not above
    # return_after_break's 0.5.  Weeks 2-4 ramp against the pre-break week kept at
    # kept(29) = 0.909 (40.0 km), not against a usual week shrunk by the zero weeks (the old
    # rule: 28.6 km vs 5.5 km, an alert); the long runs (6.6 ... 12.5 km) stay under
    # 1.1 x 0.909 x 13.2 km.  Back at 44 km, the rebuild's capacity still holds the usual week
    # at 40.0 km (1.1).
    vols = [44.0] * 8 + [0.0] * 4 + [22.0, 28.6, 35.2, 41.8] + [44.0] * 4
    d = _daily(weeks(MON, vols))
    flags = evaluate(d, DEFAULT)
    assert flags == []
    _since_consistent(d, flags)


def test_full_volume_after_three_weeks_off_is_return_after_break_only() -> None:
    d = _daily(weeks(MON, [44.0] * 8 + [0.0] * 3 + [44.0] * 3))
    flags = evaluate(d, DEFAULT)
    back = _week(11)
    thursday, sunday = back + timedelta(days=3), back + timedelta(days=6)
    # Tue 8.8 + Wed 6.6 + Thu 8.8 = 24.2 km (0.55: caution), all 44 km by Sunday (1.0:
    # alert), in every dimension (the builder's climb, fast and uphill km follow distance).
    # The ramp (whose usual week would include the three zero weeks) and the spike hand over
    # to return_after_break: no second flag for the same load, and nothing in the weeks after.
    dims = ("distance", "hills", "speed", "uphill")
    assert _keys(flags) == [(thursday, "return_after_break", x, "caution") for x in dims] + [
        (sunday, "return_after_break", x, "alert") for x in dims
    ]
    assert flags[4].ratio == pytest.approx(1.0) and flags[4].threshold == 0.8
    _since_consistent(d, flags)


def test_an_easy_run_after_five_weeks_off_is_no_spike() -> None:
    # The case: 5.4 km after five weeks off was "1.8x" the 3 km floor.  Now it is
    # judged against the pre-break long run (13.2 km) kept at kept(35) = 0.894 and is nothing.
    rows = [*weeks(MON, [44.0] * 8), activity(_week(13), 5.4)]
    flags = evaluate(_daily(rows), DEFAULT)
    assert flags == []


def test_a_spike_after_a_break_is_judged_against_decayed_capacity() -> None:
    # 44 km weeks (long run 13.2 km, last run Sunday of week 8), 35 days off, back with 5 km
    # on a Monday, then a 20 km run on the ninth day back: past the return window, vs
    # max(5, 13.2 x kept(35)) = 11.80 km.
    rows = [
        *weeks(MON, [44.0] * 8),
        activity(_week(13), 5.0),
        activity(_week(13) + timedelta(days=9), 20.0),
    ]
    flags = evaluate(_daily(rows), DEFAULT)
    spike = [f for f in flags if f.rule == "session_spike" and f.dimension == "distance"]
    assert len(spike) == 1
    base = 13.2 * (kept(35) or 0.0)
    assert spike[0].baseline == pytest.approx(base)
    assert spike[0].ratio == pytest.approx(20.0 / base)
    # 13.2 x 0.894 = 11.80 km; 20 / 11.80 = 1.69.
    assert spike[0].message == (
        "Wednesday's 20.0 km run is 69 % longer than your longest run of the last 30 days, "
        "counting your running before your 35-day break at 89 % (11.8 km)."
    )


def test_a_spike_in_the_return_window_above_the_return_verdict_still_speaks() -> None:
    # Three weeks off, back with one 30 km run: return_after_break says 30 / 44 = 0.68
    # (caution); the run is 30 / (13.2 x 0.93) = 2.4x the pre-break long run: an alert is
    # more than return_after_break said, so the spike is reported too.
    rows = [*weeks(MON, [44.0] * 8), activity(_week(11) + timedelta(days=1), 30.0)]
    flags = evaluate(_daily(rows), DEFAULT)
    dist = [(f.rule, f.severity) for f in flags if f.dimension == "distance"]
    assert dist == [("return_after_break", "caution"), ("session_spike", "alert")]


def test_short_gaps_are_not_breaks() -> None:
    # Ten days off is no break: the usual rules judge the return with the usual windows.
    rows = days(MON, [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 16.0], repeat=6)
    rows += [activity(_week(7) + timedelta(days=3), 24.0)]
    flags = evaluate(_daily(rows), DEFAULT)
    # 24 km vs the 16 km longest: 1.5, Frandsen's 30–100 % band (a caution).
    assert ("session_spike", "distance", "caution") in [
        (f.rule, f.dimension, f.severity) for f in flags
    ]
    assert not [f for f in flags if f.rule == "return_after_break"]
