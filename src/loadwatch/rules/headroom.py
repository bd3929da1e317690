"""Headroom: how much more an athlete can do before the caution thresholds, per dimension.

For ``today`` (a local day; days after the daily frame's end count as rest days):

* **this week** (``weekly_ramp``): the 7 days ending today hold ``week_value``; the usual week is
  the mean week of the 28 days before them, raised to the rule's floor (``week_baseline``).
  ``week_limit = caution × week_baseline`` and ``week_room = max(0, week_limit − week_value)``:
  the load that can still be added today without the 7 days ending today passing the caution.
  None when there are fewer than 35 days of history (the rule does not judge yet).
* **next run** (``session_spike``): the largest single run of the 30 days ending today
  (``longest_recent``), raised to the floor; ``next_run_limit = caution ×`` that: the biggest
  single run from tomorrow on that stays at or under the caution.  None without 30 days of
  history at tomorrow.

Window lengths, cautions and floors come from the athlete's ``RuleConfig``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from loadwatch.analytics.schema import DIMENSIONS, UNITS, validate_calendar
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.messages import amount


@dataclass(frozen=True, slots=True)
class Headroom:
    dimension: str  # distance | speed | hills
    unit: str  # km | m
    week_value: float
    week_baseline: float | None
    week_limit: float | None
    week_room: float | None
    longest_recent: float | None  # own largest single run of the window, before the floor
    next_run_limit: float | None
    message: str


def _window(daily: pl.DataFrame, col: str, today: date, days: int) -> pl.Series:
    lo = today - timedelta(days=days - 1)
    return daily.filter(pl.col("date").is_between(lo, today))[col]


def headroom(daily: pl.DataFrame, config: RuleConfig, *, today: date) -> list[Headroom]:
    """One ``Headroom`` per dimension (distance, speed, hills) for ``today``."""
    validate_calendar(daily, "daily frame")
    ramp, spike = config.weekly_ramp, config.session_spike
    first: date | None = daily["date"].min() if not daily.is_empty() else None  # type: ignore[assignment]
    day_no = (today - first).days if first is not None else -1
    a, c = ramp.acute_days, ramp.chronic_days
    out = []
    for dim, (col, single_col) in DIMENSIONS.items():
        unit = UNITS[dim]
        week_value = float(_window(daily, col, today, a).sum())
        base = limit = room = None
        if day_no >= a + c - 1:
            own = float(_window(daily, col, today - timedelta(days=a), c).sum()) * a / c
            base = max(own, ramp.floor(dim))
            limit = ramp.caution * base
            room = max(0.0, limit - week_value)
        longest = next_limit = None
        if day_no + 1 >= spike.window_days:
            recent = _window(daily, single_col, today, spike.window_days).to_numpy()
            longest = float(recent.max()) if recent.size else 0.0
            next_limit = spike.caution * max(longest, spike.floor(dim))
        out.append(
            Headroom(
                dimension=dim,
                unit=unit,
                week_value=week_value,
                week_baseline=base,
                week_limit=limit,
                week_room=room,
                longest_recent=longest,
                next_run_limit=next_limit,
                message=_message(dim, unit, a, week_value, limit, room, next_limit),
            )
        )
    return out


def _message(
    dim: str,
    unit: str,
    days: int,
    value: float,
    limit: float | None,
    room: float | None,
    next_limit: float | None,
) -> str:
    what = {"distance": "Distance", "speed": "Fast running", "hills": "Climbing"}[dim]
    parts = [f"{what}: {amount(value, unit)} in the last {days} days"]
    if limit is None or room is None:
        parts.append("not enough history yet for a weekly limit")
    elif room > 0:
        parts.append(f"{amount(room, unit)} more keeps you under {amount(limit, unit)}")
    else:
        parts.append(f"already at or over the {amount(limit, unit)} limit")
    if next_limit is not None:
        single = {
            "distance": "run",
            "speed": "fast running in one run",
            "hills": "climb in one run",
        }
        parts.append(f"next {single[dim]} up to {amount(next_limit, unit)}")
    return "; ".join(parts) + "."
