"""Headroom's fast-km sentence names the pace the 7 days' km were counted at, not a new one
(trial 10 F4: after a coach set 4:30/km, "Fast running (quicker than 4:30/km): 18.0 km"
labelled km counted quicker than 4:56/km)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.headroom import headroom
from loadwatch.rules.messages import pace
from support.activity_builder import days, frame

MON = date(2026, 1, 5)
WEEK = [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 12.0]
FAST = [0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0]


def _speed_note(daily: pl.DataFrame, today: date) -> str:
    (h,) = [x for x in headroom(daily, RuleConfig(), today=today) if x.dimension == "speed"]
    return h.message


def test_a_new_threshold_today_does_not_relabel_the_week() -> None:
    today = MON + timedelta(
        days=37
    )  # Wednesday: last Thursday's 1 and Tuesday's 2 fast km are in the 7 days
    daily = daily_frame(
        frame(days(MON, WEEK, fast_km=FAST, repeat=6)), tz="UTC", fast_speed_mps=3.6
    ).filter(pl.col("date") <= today)
    assert pace(3.6) == "4:38/km"
    same = _speed_note(daily, today)
    assert same.startswith("Fast km (quicker than 4:38/km): 3.0 km in the last 7 days")
    assert "from today" not in same

    # A coach's 4:10/km from today: the week's 3.0 km were counted quicker than 4:38/km.
    coach = daily.with_columns(
        pl.when(pl.col("date") == today)
        .then(4.0)
        .otherwise(pl.col("fast_threshold_mps"))
        .alias("fast_threshold_mps")
    )
    note = _speed_note(coach, today)
    assert note.startswith("Fast km: 3.0 km quicker than 4:38/km in the last 7 days")
    assert note.endswith("; from today fast is quicker than 4:10/km.")
    assert "(quicker than 4:10/km)" not in note
