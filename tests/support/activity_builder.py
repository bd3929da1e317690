"""Build ``ACTIVITY_FRAME_SCHEMA`` rows in code for analytics and rules tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl

from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA
from loadwatch.ingest.summary.activity import SPEED_BIN_MPS, SPEED_BINS

# A typical week: rest Monday and Friday, a long run on Sunday (shares of the weekly volume).
WEEK_SHARES = (0.0, 0.2, 0.15, 0.2, 0.0, 0.15, 0.3)


def activity(
    day: date,
    km: float,
    *,
    climb_m: float = 0.0,
    fast_km: float = 0.0,
    sport: str = "running",
    local_time: time = time(7, 0),
    offset_s: int | None = 0,
    pace_s_per_km: float = 330.0,
    hist: list[float] | None = None,
    gap_hist: list[float] | None = None,
    sustained_hist: list[float] | None = None,
    flat_hist: list[float] | None = None,
    uphill_km: float | None = None,
    hr_load: float | None = None,
) -> dict[str, Any]:
    """One activity starting at ``local_time`` on local ``day`` (offset ``offset_s``; None =
    no offset, then ``day``/``local_time`` are taken as UTC)."""
    local = datetime.combine(day, local_time)
    start = (local - timedelta(seconds=offset_s or 0)).replace(tzinfo=UTC)
    return {
        "activity_id": 0,
        "start_time": start,
        "utc_offset_s": offset_s,
        "sport": sport,
        "distance_m": km * 1000.0,
        "moving_time_s": km * pace_s_per_km,
        "elevation_gain_m": climb_m,
        "elevation_loss_m": climb_m,
        "gap_distance_m": km * 1000.0 + 8.0 * climb_m,
        "uphill_distance_m": climb_m * 10.0 if uphill_km is None else uphill_km * 1000.0,
        "downhill_distance_m": climb_m * 10.0,
        "fast_distance_m": fast_km * 1000.0,
        "speed_hist_m": hist,
        "gap_speed_hist_m": gap_hist,
        "sustained_speed_hist_m": sustained_hist,
        "flat_speed_hist_m": flat_hist,
        "hr_load": hr_load,
    }


def frame(rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    rows = [{**r, "activity_id": i + 1} for i, r in enumerate(rows)]
    return pl.DataFrame(rows, schema=ACTIVITY_FRAME_SCHEMA)


def weeks(
    monday: date,
    volumes_km: Sequence[float],
    *,
    shares: Sequence[float] = WEEK_SHARES,
    climb_per_km: float = 10.0,
    fast_share: float = 0.1,
    offset_s: int | None = 0,
) -> list[dict[str, Any]]:
    """Runs for consecutive weeks from ``monday``: each week's volume split by ``shares``;
    climbing and fast km proportional to distance (0 volume = a week off)."""
    assert monday.weekday() == 0
    out = []
    for w, vol in enumerate(volumes_km):
        for d, share in enumerate(shares):
            km = vol * share
            if km > 0:
                out.append(
                    activity(
                        monday + timedelta(days=7 * w + d),
                        km,
                        climb_m=km * climb_per_km,
                        fast_km=km * fast_share,
                        offset_s=offset_s,
                    )
                )
    return out


def speed_hist(metres_at: dict[float, float]) -> list[float]:
    """A speed histogram with ``metres`` in the bin of each speed (m/s)."""
    h = [0.0] * SPEED_BINS
    for speed, metres in metres_at.items():
        h[min(int(speed / SPEED_BIN_MPS + 1e-9), SPEED_BINS - 1)] += metres
    return h


def days(
    first: date,
    kms: Sequence[float],
    *,
    climb_m: float | Sequence[float] = 0.0,
    fast_km: float | Sequence[float] = 0.0,
    repeat: int = 1,
    offset_s: int | None = 0,
) -> list[dict[str, Any]]:
    """One run per non-zero entry of ``kms`` on consecutive days from ``first``, the pattern
    repeated ``repeat`` times; ``climb_m``/``fast_km`` per run (a number or one per day)."""
    n = len(kms)

    def pick(v: float | Sequence[float], i: int) -> float:
        return float(v) if isinstance(v, int | float) else float(v[i])

    return [
        activity(
            first + timedelta(days=r * n + i),
            km,
            climb_m=pick(climb_m, i),
            fast_km=pick(fast_km, i),
            offset_s=offset_s,
        )
        for r in range(repeat)
        for i, km in enumerate(kms)
        if km > 0
    ]
