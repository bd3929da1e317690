"""The athlete's calendar, defined once: the local day an activity falls on, and the week a
day belongs to (ISO weeks, Monday start).  Each comes as a scalar function, here, and as a
polars expression (``day_exprs.py``: apart, so that what only prints a day needs no polars),
and the two agree (tests/analytics/test_days.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from loadwatch.clock import as_utc


def local_start(start: datetime, utc_offset_s: int | None, tz: ZoneInfo | str) -> datetime:
    """The local clock time an activity started at ``start`` (naive means UTC, as SQLite hands
    it back), aware: by the activity's own UTC offset when it has one (where the run
    happened), else in the athlete's zone.  Every table that prints a start prints this one,
    so the day it shows is the day the rules count (``local_day``; trial 11 F13)."""
    utc = as_utc(start)
    if utc_offset_s is not None:
        return utc.astimezone(timezone(timedelta(seconds=utc_offset_s)))
    return utc.astimezone(ZoneInfo(tz) if isinstance(tz, str) else tz)


def local_day(start: datetime, utc_offset_s: int | None, tz: ZoneInfo | str) -> date:
    """The athlete's calendar day of an activity starting at ``start``: the date of its
    ``local_start``."""
    return local_start(start, utc_offset_s, tz).date()


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
