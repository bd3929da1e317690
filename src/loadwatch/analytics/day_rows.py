"""``daily_frame``'s rows for a few days, without planning a polars query: a change from day D
(``services/incremental.py``) derives only the days from D, usually one or two activities,
where planning ``daily_frame``'s lazy query costs several milliseconds and adding them up in
Python a few tens of microseconds.

The same numbers as ``daily_frame``: each column summed over the day's activities in whole
units (``daily.exact_sum``), then divided as there (true division, ``daily._in_km``);
``tests/analytics/test_day_rows.py`` holds them to its bits.  More than ``_MAX_ACTIVITIES``
are left to ``daily_frame`` (``few_day_rows`` returns None): a Python loop is only cheaper
than the query for a few.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from loadwatch.analytics.daily import EXACT_UNITS, FastSpeed, fast_metres, starts_a_session
from loadwatch.analytics.days import local_day, week_start
from loadwatch.analytics.schema import DAILY_SCHEMA
from loadwatch.ingest.track import RUNNING_SPORTS

_KM = 1000.0
_RUN_SUMS = (
    "distance_m",
    "moving_time_s",
    "gap_m",
    "elevation_gain_m",
    "uphill_m",
    "downhill_m",
    "fast_m",
)
# Past this many the query is no dearer than this loop: ~25 us an activity against a fixed
# ~8 ms for daily_frame (1.3 ms for 80, 2.7 ms with histograms; 20 was the old cap, which a
# day of many uploads or a change from three weeks back passed).
_MAX_ACTIVITIES = 200
_Session = dict[str, float]


def few_day_rows(
    activities: pl.DataFrame, *, tz: str, fast_speed_mps: FastSpeed, start: date, end: date
) -> pl.DataFrame | None:
    """``daily_frame(activities, start=start, end=end)`` for ``activities`` of those days only;
    None for more than ``_MAX_ACTIVITIES`` (the caller asks ``daily_frame``)."""
    acts = list(activities.iter_rows(named=True))
    zone = ZoneInfo(tz)
    days = [local_day(a["start_time"], a["utc_offset_s"], zone) for a in acts]
    thresholds = _per_day(fast_speed_mps, start, end)
    by_day: dict[date, tuple[list[_Session], list[_Session]]] = {}
    for act, day, fast_m in zip(
        acts, days, _fast_m(activities, acts, days, thresholds), strict=True
    ):
        dist = act["distance_m"] or 0.0
        row = {
            "distance_m": dist,
            "moving_time_s": act["moving_time_s"] or 0.0,
            "gap_m": act["gap_distance_m"] if act["gap_distance_m"] is not None else dist,
            "elevation_gain_m": act["elevation_gain_m"] or 0.0,
            "uphill_m": act["uphill_distance_m"] or 0.0,
            "downhill_m": act["downhill_distance_m"] or 0.0,
            "fast_m": fast_m,
            "_start": act["start_time"].timestamp(),
        }
        runs, others = by_day.setdefault(day, ([], []))
        (runs if act["sport"] in RUNNING_SPORTS else others).append(row)
    if sum(len(r) + len(o) for r, o in by_day.values()) > _MAX_ACTIVITIES:
        return None
    rows = []
    for i in range((end - start).days + 1):
        day = start + timedelta(days=i)
        runs, others = by_day.get(day, ([], []))
        rows.append(_row(day, runs, others, thresholds.get(day)))
    return pl.DataFrame(rows, schema=DAILY_SCHEMA, orient="row")


def _fast_m(
    activities: pl.DataFrame,
    acts: list[dict[str, Any]],
    days: list[date],
    thresholds: dict[date, float | None],
) -> list[float]:
    """Each activity's fast metres as ``daily._fast_m`` gives them: from its histogram with its
    day's threshold (``fast_metres``, row by row the same sums), else its stored figure, else 0."""
    stored = [a["fast_distance_m"] for a in acts]
    hist = ("sustained_speed_hist_m", "speed_hist_m")
    if not any(a[h] is not None for a in acts for h in hist):
        return [m if m is not None else 0.0 for m in stored]
    thr = np.array([_nan(thresholds.get(d)) for d in days], dtype=np.float64)
    metres = fast_metres(activities, thr).tolist()
    return [
        m if not math.isnan(m) else (s if s is not None else 0.0)
        for m, s in zip(metres, stored, strict=True)
    ]


def _nan(v: float | None) -> float:
    return math.nan if v is None else v


def _per_day(fast: FastSpeed, start: date, end: date) -> dict[date, float | None]:
    if isinstance(fast, pl.DataFrame):
        return dict(zip(fast["date"].to_list(), fast["fast_speed_mps"].to_list(), strict=True))
    value = None if fast is None else float(fast)
    return {start + timedelta(days=i): value for i in range((end - start).days + 1)}


def _sum(rows: list[_Session], key: str) -> float:
    """``daily.exact_sum``: whole units added as integers (``round`` halves to even, as
    polars' ``round``)."""
    return float(sum(round(r[key] * EXACT_UNITS) for r in rows)) * (1.0 / EXACT_UNITS)


def _most(sessions: list[list[_Session]], key: str) -> float:
    """The largest session's ``key``: a session of one recording its figure, of several their
    ``_sum`` (as ``daily._session_figures``)."""
    return max(
        (s[0][key] if len(s) == 1 else _sum(s, key) for s in sessions),
        default=0.0,
    )


def _joined(runs: list[_Session]) -> list[list[_Session]]:
    """The day's runs in sessions: a run starting at most ``SESSION_GAP_S`` after the end
    (start plus moving time) of the one before, and not before it, joins its session."""
    out: list[list[_Session]] = []
    end = -math.inf
    for r in sorted(runs, key=lambda r: r["_start"]):
        if out and not starts_a_session(r["_start"] - end):
            out[-1].append(r)
        else:
            out.append([r])
        end = r["_start"] + r["moving_time_s"]
    return out


def _row(
    day: date, runs: list[_Session], others: list[_Session], thr: float | None
) -> tuple[object, ...]:
    s = {k: _sum(runs, k) for k in _RUN_SUMS}
    joined = _joined(runs)
    dist_km, gap_km = s["distance_m"] / _KM, s["gap_m"] / _KM
    return (
        day,
        week_start(day),
        len(runs),
        dist_km,
        s["moving_time_s"],
        s["moving_time_s"] / dist_km if dist_km > 0 else None,
        gap_km,
        s["moving_time_s"] / gap_km if gap_km > 0 else None,
        s["elevation_gain_m"],
        s["uphill_m"] / _KM,
        s["downhill_m"] / _KM,
        s["fast_m"] / _KM,
        _most(joined, "distance_m") / _KM,
        _most(joined, "elevation_gain_m"),
        _most(joined, "fast_m") / _KM,
        _most(joined, "uphill_m") / _KM,
        thr,
        len(others),
        _sum(others, "distance_m") / _KM,
        _sum(others, "moving_time_s"),
    )
