"""The athlete's calendar (``analytics/days.py``), hand-computed: an activity's local day by
the device's offset else the zone, the Monday a week starts on, and the polars forms giving
the same days as the scalar ones."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import polars as pl

from loadwatch.analytics.day_exprs import local_day_expr, week_start_expr
from loadwatch.analytics.days import local_day, week_start


def test_local_day_uses_the_device_offset_else_the_athlete_zone() -> None:
    late = datetime(2024, 3, 1, 23, 30, tzinfo=UTC)
    assert local_day(late, 7200, ZoneInfo("UTC")) == date(2024, 3, 2)
    assert local_day(late, None, ZoneInfo("UTC")) == date(2024, 3, 1)
    early = datetime(2024, 3, 2, 3, 0, tzinfo=UTC)
    assert local_day(early, None, "America/New_York") == date(2024, 3, 1)  # 22:00 EST
    # The offset wins over the zone: recorded at UTC-4 while the athlete lives in Paris.
    assert local_day(datetime(2024, 7, 2, 2, 0, tzinfo=UTC), -4 * 3600, "Europe/Paris") == date(
        2024, 7, 1
    )
    # A naive time is UTC (SQLite's way), not the machine's local time.
    assert local_day(datetime(2024, 3, 1, 23, 30), None, "Asia/Tokyo") == date(2024, 3, 2)


def test_week_starts_on_monday() -> None:
    # 2026-08-24 is a Monday, 2026-08-30 a Sunday.
    assert week_start(date(2026, 8, 24)) == date(2026, 8, 24)
    assert week_start(date(2026, 8, 30)) == date(2026, 8, 24)
    assert week_start(date(2026, 8, 31)) == date(2026, 8, 31)
    assert week_start(date(2027, 1, 1)) == date(2026, 12, 28)  # across a year


def test_the_frame_forms_agree_with_the_scalar_ones() -> None:
    starts = [
        datetime(2024, 3, 1, 23, 30, tzinfo=UTC),
        datetime(2024, 3, 2, 3, 0, tzinfo=UTC),
        datetime(2024, 7, 2, 2, 0, tzinfo=UTC),
        datetime(2024, 12, 31, 22, 0, tzinfo=UTC),
    ]
    offsets = [7200, None, -4 * 3600, None]
    frame = pl.DataFrame(
        {"start_time": starts, "utc_offset_s": offsets},
        schema={"start_time": pl.Datetime("us", "UTC"), "utc_offset_s": pl.Int32},
    )
    for tz in ("UTC", "America/New_York", "Pacific/Auckland"):
        days = frame.select(local_day_expr(tz).alias("d"))["d"].to_list()
        assert days == [local_day(s, o, tz) for s, o in zip(starts, offsets, strict=True)]
        weeks = frame.select(week_start_expr(local_day_expr(tz)).alias("w"))["w"].to_list()
        assert weeks == [week_start(d) for d in days]
