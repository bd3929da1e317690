"""Session RPE load (analytics/effort.py) against numbers worked out by hand: sRPE = RPE x
minutes (Foster 2001), moving minutes else elapsed, per local day and per Monday week."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from loadwatch.analytics.effort import (
    EFFORT_DAY_SCHEMA,
    EFFORT_FRAME_SCHEMA,
    EFFORT_WEEK_SCHEMA,
    daily_effort,
    session_load,
    weekly_effort,
)

MON = date(2026, 3, 2)


def _frame(rows: list[tuple[datetime, str, float, float, float | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "activity_id": list(range(1, len(rows) + 1)),
            "start_time": [r[0] for r in rows],
            "utc_offset_s": [None] * len(rows),
            "sport": [r[1] for r in rows],
            "moving_time_s": [r[2] for r in rows],
            "elapsed_time_s": [r[3] for r in rows],
            "rpe": [r[4] for r in rows],
        },
        schema=EFFORT_FRAME_SCHEMA,
    )


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_daily_and_weekly_srpe_by_hand() -> None:
    frame = _frame(
        [
            (_at(MON, 7), "running", 3000, 3300, 6),  # 6 x 50 min = 300
            (_at(MON, 18), "cycling", 1800, 1800, 3),  # 3 x 30 = 90: effort of any sport
            (_at(MON + timedelta(2), 7), "running", 0, 2400, 5),  # no timer: 5 x 40 = 200
            (_at(MON + timedelta(3), 7), "running", 3600, 3600, None),  # no RPE: nothing
            (_at(MON + timedelta(8), 7), "running", 3600, 3700, 7),  # 7 x 60 = 420
        ]
    )
    days = daily_effort(frame, "UTC", MON, MON + timedelta(9))
    assert dict(days.schema) == EFFORT_DAY_SCHEMA
    assert days["srpe"].to_list() == [390.0, 0, 200.0, 0, 0, 0, 0, 0, 420.0, 0]
    assert days["srpe_sessions"].to_list() == [2, 0, 1, 0, 0, 0, 0, 0, 1, 0]
    sunday = days.row(6, named=True)
    assert sunday["srpe_7d"] == 590.0
    week = [390.0, 0, 200.0, 0, 0, 0, 0]
    monotony = statistics.mean(week) / statistics.stdev(week)  # Foster 1998, ddof 1
    assert sunday["srpe_monotony"] == pytest.approx(monotony)
    assert sunday["srpe_strain"] == pytest.approx(590.0 * monotony)
    assert sunday["srpe_chronic_week"] is None  # no 28 days before the 7 yet
    weeks = weekly_effort(days)
    assert dict(weeks.schema) == EFFORT_WEEK_SCHEMA
    assert weeks.rows() == [(MON, 590.0, 3, None), (MON + timedelta(7), 420.0, 1, None)]


def test_the_ramp_is_the_week_against_the_four_before() -> None:
    # 35 days at 100 AU a day (RPE 5 x 20 min), then one day of 400 AU.
    rows = [(_at(MON + timedelta(i), 7), "running", 1200.0, 1200.0, 5.0) for i in range(35)]
    rows.append((_at(MON + timedelta(35), 7), "running", 2400.0, 2400.0, 10.0))
    days = daily_effort(_frame(rows), "UTC", MON, MON + timedelta(35))
    last = days.row(35, named=True)
    # 7 days ending day 35: 6 x 100 + 400 = 1000; the mean week of the 28 days before: 700.
    assert last["srpe_7d"] == 1000.0
    assert last["srpe_chronic_week"] == pytest.approx(700.0)
    assert last["srpe_ratio"] == pytest.approx(1000 / 700)
    weeks = weekly_effort(days)
    # Five full weeks of 700, then a week holding only the 400 AU day: 400 / 700.
    assert weeks["srpe"].to_list() == [700.0] * 5 + [400.0]
    assert weeks["srpe_ratio"].to_list()[4:] == [pytest.approx(1.0), pytest.approx(400 / 700)]


def test_a_session_falls_on_the_athletes_local_day() -> None:
    # 23:30 UTC on Sunday is Monday 00:30 in Oslo (winter, UTC+1).
    sunday = MON - timedelta(1)
    frame = _frame([(_at(sunday, 23, 30), "running", 600, 600, 4)])
    days = daily_effort(frame, "Europe/Oslo", sunday, MON)
    assert days["srpe"].to_list() == [0.0, 40.0]


def test_session_load_scalar_agrees() -> None:
    assert session_load(6, 3000, 3300) == 300.0
    assert session_load(5, 0, 2400) == 200.0
    assert session_load(None, 3000, 3000) is None
