"""The local UTC offset at an activity's start."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from timezonefinder import TimezoneFinder

from loadwatch.errors import ConfigError, CorruptFile


@lru_cache(maxsize=1)
def _finder() -> TimezoneFinder:
    # Building the finder loads its polygon index (~0.2 s): once per process, not per file.
    return TimezoneFinder()


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(f"unknown time zone {name!r}") from e


def zone_at(lat: float, lon: float) -> str | None:
    name: str | None = _finder().timezone_at(lng=lon, lat=lat)
    return name


def offset_in_zone(zone: str, when: datetime) -> int:
    try:
        delta = when.astimezone(_zone(zone)).utcoffset()
    except (OverflowError, ValueError) as e:  # year 1 or 9999 shifted past the calendar
        raise CorruptFile(f"date {when.isoformat()} is out of range for a local time") from e
    return int(delta.total_seconds()) if delta is not None else 0


def offset_at(lat: float, lon: float, when: datetime) -> int | None:
    """Offset in seconds of the zone containing (lat, lon) at ``when``; None if no zone."""
    zone = zone_at(lat, lon)
    return None if zone is None else offset_in_zone(zone, when)
