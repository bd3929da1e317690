"""The athlete's calendar, defined once: the local day an activity falls on, and the week a
day belongs to (ISO weeks, Monday start).  Each comes as a scalar function, here, and as a
polars expression (``day_exprs.py``: apart, so that what only prints a day needs no polars),
and the two agree (tests/analytics/test_days.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loadwatch.clock import as_utc


def local_day(start: datetime, utc_offset_s: int | None, tz: ZoneInfo | str) -> date:
    """The athlete's calendar day of an activity starting at ``start`` (naive means UTC, as
    SQLite hands it back): by the device's UTC offset when the file recorded one (the day
    where the run happened), else in the athlete's zone."""
    utc = as_utc(start)
    if utc_offset_s is not None:
        return (utc + timedelta(seconds=utc_offset_s)).date()
    return utc.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
