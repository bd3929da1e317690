"""A new athlete's home time zone, read from what their files say.

The IANA zone at the first GPS fix wins (it knows the daylight-saving rules, so every later
activity lands on the right local day); without positions, the device's own UTC offset (FIT
``activity.local_timestamp``) as a fixed-offset ``Etc/GMT±h`` zone.  Pure: samples in, a zone
name and the reason out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from loadwatch.ingest import tz
from loadwatch.ingest.summary import geo


@dataclass(frozen=True, slots=True)
class ZoneGuess:
    zone: str  # an IANA name
    why: str  # one line for the import output
    fixed: bool = False  # a fixed offset (Etc/GMT±h) from the device: no place, no DST


def _first_fix(samples: pl.DataFrame) -> tuple[float, float] | None:
    # A float column's nulls read as NaN, as ``fill_null(nan)`` gives them (no query).
    lat = np.asarray(samples.get_column("lat").to_numpy(), dtype=np.float64)
    lon = np.asarray(samples.get_column("lon").to_numpy(), dtype=np.float64)
    ok = np.flatnonzero(geo.valid_positions(lat, lon))
    return (float(lat[ok[0]]), float(lon[ok[0]])) if ok.size else None


FIXED_OFFSET = (
    ", a fixed offset without daylight saving: half the year's runs would be placed an hour "
    "off, so set the athlete's own zone (Area/City, e.g. America/New_York)"
)


def offset_zone(utc_offset_s: int) -> str | None:
    """The fixed-offset IANA zone for a whole-hour offset (POSIX sign: Etc/GMT-2 is UTC+2)."""
    hours, rest = divmod(utc_offset_s, 3600)
    if rest or not -12 <= hours <= 14:
        return None
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def rank(guess: ZoneGuess, start: datetime) -> tuple[bool, datetime]:
    """How well a guess tells where the athlete lives now (higher is better): a place's zone
    (a GPS fix) before a device's fixed offset, which keeps no daylight saving, then the
    newer activity's (trial 11 F8: not whichever file sorts first)."""
    return (not guess.fixed, start)


def guess_zone(samples: pl.DataFrame, device_offset_s: int | None) -> ZoneGuess | None:
    fix = _first_fix(samples)
    if fix is not None:
        zone = tz.zone_at(*fix)
        if zone is not None:
            return ZoneGuess(zone, f"the zone at the first GPS point ({fix[0]:.3f}, {fix[1]:.3f})")
    if device_offset_s is not None:
        zone = offset_zone(device_offset_s)
        if zone is not None:
            hours = device_offset_s / 3600
            # A fixed offset keeps no daylight saving: half the year's local hours (and a
            # late run's day) would be an hour off.  Said with the guess (trial9 F25).
            return ZoneGuess(
                zone, f"the device's UTC offset ({hours:+g} h){FIXED_OFFSET}", fixed=True
            )
    return None
