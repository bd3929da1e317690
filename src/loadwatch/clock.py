"""UTC time in one place: SQLite hands datetimes back naive, PostgreSQL aware."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

# A process can be pinned to a calendar day ("as of") so that a demo or a replay of old data
# reads as if it were that day; ``loadwatch demo`` pins the sample history's last day.
_pinned_today: date | None = None


def pin_today(day: date | None) -> None:
    global _pinned_today
    _pinned_today = day


def pinned() -> bool:
    """Whether this process reads as a pinned day."""
    return _pinned_today is not None


def local_today(tz: str) -> date:
    """Today in the athlete's time zone (or the pinned day)."""
    if _pinned_today is not None:
        return _pinned_today
    return datetime.now(ZoneInfo(tz or "UTC")).date()


# What a pinned day "ends at": never (the process reads as that day until unpinned).
NEVER = datetime(9999, 12, 31, tzinfo=UTC)


def day_ends_at(tz: str, day: date) -> datetime:
    """The UTC instant ``day`` ends in ``tz``: when ``local_today(tz)`` first reads a later day.
    A midnight a DST change skips resolves to the instant after the gap (fold 0 keeps the
    earlier offset), which is when the new day begins; ``NEVER`` for a pinned day."""
    if _pinned_today is not None:
        return NEVER
    start = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz or "UTC"))
    return start.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(dt: datetime) -> datetime:
    """A stored datetime as aware UTC (naive values from SQLite are UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso_utc(dt: datetime) -> str:
    """The one timestamp format loadwatch writes: ISO 8601, UTC, whole seconds, ``Z``
    (``2026-08-24T06:30:00Z``).  Sub-second digits are noise to every reader and made two
    timestamps of one row look different."""
    return as_utc(dt).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# A response field that is always aware UTC, whichever database the value came from, and is
# written in the one format (``iso_utc``).
UtcDatetime = Annotated[
    datetime,
    BeforeValidator(lambda v: as_utc(v) if isinstance(v, datetime) else v),
    PlainSerializer(iso_utc, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "UTC, whole seconds",
            "examples": ["2026-08-24T06:30:00Z"],
        }
    ),
]
