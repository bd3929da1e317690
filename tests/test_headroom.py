"""Headroom: hand-computed room before the caution thresholds."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from activity_builder import activity, days, frame
from loadwatch.analytics.daily import daily_frame
from loadwatch.rules import RuleConfig
from loadwatch.rules.headroom import Headroom, headroom

MON = date(2026, 1, 5)
WEEK = [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 12.0]  # 40 km, longest 12
CLIMB = 50.0  # per run: 250 m a week
FAST = [0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # 3 fast km a week


def _history() -> pl.DataFrame:
    rows = [activity(MON, 3.0, sport="walking")]  # pins the first day on MON
    rows += days(MON, WEEK, climb_m=CLIMB, fast_km=FAST, repeat=5)
    rows += days(MON + timedelta(days=35), WEEK[:3], climb_m=CLIMB, fast_km=FAST[:3])
    return daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)


def _by_dim(h: list[Headroom]) -> dict[str, Headroom]:
    return {x.dimension: x for x in h}


def test_headroom_by_hand() -> None:
    # Wednesday of week 6: the 7 days to today hold Thu 8 + Sat 6 + Sun 12 + Tue 8 + Wed 6 =
    # 40 km; every 28 days before them are four 40 km weeks: usual 40, limit 1.3 x 40 = 52,
    # room 12.  Longest run of the last 30 days 12 km: next run up to 1.1 x 12 = 13.2 km.
    today = MON + timedelta(days=37)
    h = _by_dim(headroom(_history(), RuleConfig(), today=today))
    d = h["distance"]
    assert (d.unit, d.week_value, d.week_baseline) == ("km", 40.0, 40.0)
    assert d.week_limit == pytest.approx(52.0) and d.week_room == pytest.approx(12.0)
    assert d.longest_recent == 12.0 and d.next_run_limit == pytest.approx(13.2)
    assert d.message == (
        "Distance: 40.0 km in the last 7 days; 12.0 km more keeps you under 52.0 km; "
        "next run up to 13.2 km."
    )
    # Climbing: 5 runs x 50 m = 250 m vs a usual 250 m, floored to 300 m: limit 390, room
    # 140.  Biggest climb 50 m, floored to 100 m: next climb up to 110 m.
    hills = h["hills"]
    assert (hills.unit, hills.week_value, hills.week_baseline) == ("m", 250.0, 300.0)
    assert hills.week_room == pytest.approx(140.0)
    assert (hills.longest_recent, hills.next_run_limit) == (50.0, pytest.approx(110.0))
    # Fast: Thu 1 + Tue 2 = 3 km vs a usual 3 km (= the floor): limit 3.9, room 0.9; the most
    # fast km in one run 2 km: next up to 2.2 km.
    fast = h["speed"]
    assert (fast.week_value, fast.week_baseline) == (3.0, 3.0)
    assert fast.week_room == pytest.approx(0.9)
    assert fast.next_run_limit == pytest.approx(2.2)


def test_headroom_after_a_big_week_is_zero_and_rest_days_count() -> None:
    d = _history()
    # Today = Sunday of week 6 with no runs since Wednesday (days past the frame are rest):
    # the 7 days to Sunday (week 6) hold Tue 8 + Wed 6 = 14 km; the 28 days before them are
    # weeks 2-5 (160 km): usual 40, limit 52, room 38.
    sunday = MON + timedelta(days=41)
    dist = _by_dim(headroom(d, RuleConfig(), today=sunday))["distance"]
    assert dist.week_value == 14.0
    assert dist.week_baseline == pytest.approx(40.0)
    assert dist.week_room == pytest.approx(52.0 - 14.0)
    # A 60 km week on top: over the limit, no room.
    big = daily_frame(
        frame(
            [
                activity(MON, 3.0, sport="walking"),
                *days(MON, WEEK, repeat=5),
                *days(MON + timedelta(days=35), [20.0, 20.0, 20.0]),
            ]
        ),
        tz="UTC",
        fast_speed_mps=None,
    )
    dist = _by_dim(headroom(big, RuleConfig(), today=MON + timedelta(days=37)))["distance"]
    assert dist.week_value == pytest.approx(8 + 6 + 12 + 60)
    assert dist.week_room == 0.0
    assert "already at or over the 52.0 km limit" in dist.message
    assert dist.next_run_limit == pytest.approx(22.0)  # 1.1 x 20


def test_headroom_without_history() -> None:
    d = daily_frame(frame(days(MON, WEEK, repeat=2)), tz="UTC", fast_speed_mps=None)
    h = _by_dim(headroom(d, RuleConfig(), today=MON + timedelta(days=13)))
    assert h["distance"].week_value == 40.0
    assert h["distance"].week_room is None and h["distance"].next_run_limit is None
    assert "not enough history" in h["distance"].message
    empty = daily_frame(frame([]), tz="UTC", fast_speed_mps=None)
    assert all(
        x.week_value == 0.0 and x.week_room is None
        for x in headroom(empty, RuleConfig(), today=MON)
    )


def test_headroom_follows_the_athlete_config() -> None:
    cfg = RuleConfig.from_overrides(
        {"weekly_ramp": {"caution": 1.1}, "session_spike": {"caution": 1.05, "alert": 1.2}}
    )
    d = _by_dim(headroom(_history(), cfg, today=MON + timedelta(days=37)))["distance"]
    assert d.week_limit == pytest.approx(44.0) and d.week_room == pytest.approx(4.0)
    assert d.next_run_limit == pytest.approx(12.6)
