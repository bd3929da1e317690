"""FIT metadata messages → a Track's metadata: times (FIT epoch, device-relative clocks),
the local UTC offset, the device's name, the session's or laps' totals, the file type.

Pure functions of the ``{name: value}`` dicts ``fit_read`` gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from loadwatch.ingest.formats.fit_profile import device_string
from loadwatch.ingest.formats.fitparse_fork import (
    MSG_ACTIVITY,
    MSG_DEVICE_INFO,
    MSG_FILE_ID,
    MSG_TS_CORRELATION,
)
from loadwatch.ingest.track import DeviceTotals

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
FIT_EPOCH_UNIX_S = 631_065_600
# FIT date_time values below this are seconds since device power-on, not since the FIT epoch.
MIN_ABSOLUTE_TS = 0x10000000
SEMICIRCLE_TO_DEG = 180.0 / 2**31
OFFSET_STEP_S = 900  # local offsets are whole quarter hours
MAX_OFFSET_S = 14 * 3600
MAX_SESSION_S = 14 * 86_400  # as ingest.summary.validate: longer is a corrupt duration


def num(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def abs_ts(v: object, shift: int | None) -> int | None:
    """A raw FIT date_time as seconds since the FIT epoch, anchored when it is device-relative."""
    if not isinstance(v, int):
        return None
    if v < MIN_ABSOLUTE_TS and shift is not None:
        return v + shift
    return v


def to_datetime(v: int | None) -> datetime | None:
    return None if v is None or v < MIN_ABSOLUTE_TS else FIT_EPOCH + timedelta(seconds=v)


def relative_shift(correlations: Sequence[dict[str, Any]]) -> int | None:
    """Seconds to add to a device-relative time, from a timestamp_correlation message."""
    for c in correlations:
        t, s = c.get("timestamp"), c.get("system_timestamp")
        if isinstance(t, int) and isinstance(s, int) and t >= MIN_ABSOLUTE_TS:
            return t - s
    return None


def round_offset(seconds: float) -> int | None:
    """A local-minus-UTC difference rounded to the quarter hour; None when implausible."""
    rounded = round(seconds / OFFSET_STEP_S) * OFFSET_STEP_S
    return rounded if abs(rounded) <= MAX_OFFSET_S else None


def utc_offset(meta: dict[int, list[dict[str, Any]]]) -> int | None:
    for m in (*meta[MSG_ACTIVITY], *meta[MSG_TS_CORRELATION]):
        local, utc = m.get("local_timestamp"), m.get("timestamp")
        if isinstance(local, int) and isinstance(utc, int) and min(local, utc) >= MIN_ABSOLUTE_TS:
            return round_offset(local - utc)
    return None


def device(meta: dict[int, list[dict[str, Any]]]) -> str | None:
    if not meta[MSG_FILE_ID]:
        return None
    fid = meta[MSG_FILE_ID][0]
    product = fid.get("garmin_product", fid.get("product"))

    def is_creator(d: dict[str, Any]) -> bool:
        # The creator is device_index 0; some devices (Lezyne) give it another index but the
        # file_id's own manufacturer and product.
        if d.get("device_index") in ("creator", 0):
            return True
        same = d.get("garmin_product", d.get("product")) == product
        return same and d.get("manufacturer") == fid.get("manufacturer")

    creator = next(
        (
            d["product_name"]
            for d in meta[MSG_DEVICE_INFO]
            if d.get("product_name") and is_creator(d)
        ),
        None,
    )
    return device_string(fid.get("manufacturer"), product, fid.get("product_name"), creator)


def session_totals(s: dict[str, Any]) -> DeviceTotals:
    return DeviceTotals(
        distance_m=num(s.get("total_distance")),
        timer_time_s=num(s.get("total_timer_time")),
        elapsed_time_s=num(s.get("total_elapsed_time")),
        ascent_m=num(s.get("total_ascent")),
        descent_m=num(s.get("total_descent")),
        max_speed_mps=num(s.get("enhanced_max_speed", s.get("max_speed"))),
        avg_hr=num(s.get("avg_heart_rate")),
        max_hr=num(s.get("max_heart_rate")),
    )


def lap_totals(laps: Sequence[dict[str, Any]]) -> DeviceTotals:
    """Totals of a file without a session message, summed over its laps."""

    def total(key: str) -> float | None:
        vals = [v for v in (num(lap.get(key)) for lap in laps) if v is not None]
        return sum(vals) if vals else None

    def peak(*keys: str) -> float | None:
        vals = [v for lap in laps for k in keys if (v := num(lap.get(k))) is not None]
        return max(vals) if vals else None

    weighted = [
        (hr, t)
        for lap in laps
        if (hr := num(lap.get("avg_heart_rate"))) is not None
        and (t := num(lap.get("total_timer_time")))
    ]
    avg_hr = sum(h * t for h, t in weighted) / sum(t for _, t in weighted) if weighted else None
    return DeviceTotals(
        distance_m=total("total_distance"),
        timer_time_s=total("total_timer_time"),
        elapsed_time_s=total("total_elapsed_time"),
        ascent_m=total("total_ascent"),
        descent_m=total("total_descent"),
        max_speed_mps=peak("enhanced_max_speed", "max_speed"),
        avg_hr=avg_hr,
        max_hr=peak("max_heart_rate"),
    )


def session_start(s: dict[str, Any], shift: int | None) -> int | None:
    """The session's start_time, else its end minus its duration: the elapsed time, or the
    timer where the elapsed time is corrupt (weeks long: it would date the run weeks early)."""
    start = abs_ts(s.get("start_time"), shift)
    if start is None:
        end = abs_ts(s.get("timestamp"), shift)
        durations = (num(s.get("total_elapsed_time")), num(s.get("total_timer_time")))
        duration = next((d for d in durations if d is not None and 0 <= d <= MAX_SESSION_S), None)
        if end is not None and duration is not None:
            start = end - int(duration)
    return start


def file_type(file_ids: Sequence[dict[str, Any]]) -> object:
    types = [f.get("type") for f in file_ids if f.get("type") is not None]
    return "activity" if "activity" in types else (types[0] if types else None)
