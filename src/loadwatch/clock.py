"""UTC time in one place: SQLite hands datetimes back naive, PostgreSQL aware."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator

# A process can be pinned to a calendar day ("as of") so that a demo or a replay of old data
# reads as if it were that day; ``loadwatch demo`` pins the sample history's last day.
_pinned_today: date | None = None


def pin_today(day: date | None) -> None:
    global _pinned_today
    _pinned_today = day


def local_today(tz: str) -> date:
    """Today in the athlete's time zone (or the pinned day)."""
    if _pinned_today is not None:
        return _pinned_today
    return datetime.now(ZoneInfo(tz or "UTC")).date()


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    """A stored datetime as aware UTC (naive values from SQLite are UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


# A response field that is always aware UTC, whichever database the value came from.
UtcDatetime = Annotated[
    datetime, BeforeValidator(lambda v: as_utc(v) if isinstance(v, datetime) else v)
]
