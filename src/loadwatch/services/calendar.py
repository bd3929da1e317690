"""The calendar (docs/planning.md): each day's planned sessions against the running done, with
compliance as coaches read it, the flags and pain of the day, and the sessions to come that
the pre-flight check flags.

Compliance compares the day's running km with the day's planned km, in TrainingPeaks' bands:
within ±20 % compliant; 50-80 % or 120-150 % a little under or over; beyond, far under or
far over; nothing run on a past planned day, missed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import polars as pl

from loadwatch.analytics.days import week_start
from loadwatch.errors import InvalidRequest
from loadwatch.rounding import out_number
from loadwatch.schemas.planned import (
    ActualOut,
    CalendarDayOut,
    CalendarOut,
    Compliance,
    DayFlagOut,
)
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.planned import planned_out
from loadwatch.services.preflight import ahead, at_risk
from loadwatch.store import flags as flag_store
from loadwatch.store import planned as planned_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete
from loadwatch.vocabulary import RESOLVED

COMPLIANT: Final = 0.2  # ±20 %
NEAR: Final = 0.5  # 50-80 % and 120-150 %: a little under or over
MAX_DAYS: Final = 400
DEFAULT_WEEKS: Final = 6


def compliance(planned_km: float, actual_km: float, past: bool) -> Compliance | None:
    if planned_km <= 0:
        return "unplanned" if actual_km > 0 else None
    if actual_km <= 0:
        return "missed" if past else "planned"
    share = actual_km / planned_km
    if abs(share - 1.0) <= COMPLIANT + 1e-9:
        return "compliant"
    if share < 1.0:
        return "under" if share >= 1.0 - NEAR else "far_under"
    return "over" if share <= 1.0 + NEAR else "far_over"


def default_range(today: date) -> tuple[date, date]:
    """Six weeks from the Monday two weeks back: the last fortnight and a month ahead."""
    start = week_start(today) - timedelta(days=14)
    return start, start + timedelta(days=7 * DEFAULT_WEEKS - 1)


def calendar(
    session: Session,
    athlete: Athlete,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> CalendarOut:
    inp = evaluation_inputs(session, athlete.id, today)
    lo, _ = default_range(inp.today)
    first = start or (lo if end is None else end - timedelta(days=7 * DEFAULT_WEEKS - 1))
    last = end or (first + timedelta(days=7 * DEFAULT_WEEKS - 1))
    if last < first:
        raise InvalidRequest(f"from {first} is after to {last}")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest(f"a calendar spans at most {MAX_DAYS} days")
    rows = planned_store.of_athlete(session, athlete.id)
    risky = at_risk(inp, rows)
    by_day: dict[date, list[int]] = {}
    for i, r in enumerate(rows):
        by_day.setdefault(r.date, []).append(i)
    daily = {
        row["date"]: row
        for row in inp.daily.filter(pl.col("date").is_between(first, last)).iter_rows(named=True)
    }
    flags: dict[date, list[DayFlagOut]] = {}
    for f in flag_store.in_range(session, athlete.id, first, last):
        if f.status == RESOLVED:
            continue
        flags.setdefault(f.date, []).append(
            DayFlagOut(id=f.id, rule=f.rule, dimension=f.dimension, severity=f.severity)
        )
    pain: dict[date, int] = {}
    for e in inp.rehab.entries:
        worst = max(
            (p for p in (e.pain_during, e.pain_after, e.pain_next_morning) if p is not None),
            default=None,
        )
        if worst is not None and first <= e.date <= last:
            pain[e.date] = worst
    days = []
    d = first
    while d <= last:
        planned = [rows[i] for i in by_day.get(d, [])]
        planned_km = sum(p.distance_km for p in planned)
        row = daily.get(d)
        actual = (
            ActualOut(
                runs=int(row["runs"]),
                distance_km=out_number(row["distance_km"]) or 0.0,
                fast_km=out_number(row["fast_km"]) or 0.0,
                climb_m=out_number(row["elevation_gain_m"]) or 0.0,
            )
            if row is not None and row["runs"] > 0
            else None
        )
        actual_km = actual.distance_km if actual else 0.0
        checks = [risky[p.id] for p in planned if p.id in risky and ahead(inp, d)]
        days.append(
            CalendarDayOut(
                date=d,
                planned=[planned_out(p) for p in planned],
                planned_km=out_number(planned_km) or 0.0,
                actual=actual,
                compliance=compliance(planned_km, actual_km, past=not ahead(inp, d)),
                percent_of_plan=out_number(100.0 * actual_km / planned_km)
                if planned_km > 0 and not ahead(inp, d)
                else None,
                flags=flags.get(d, []),
                pain=pain.get(d),
                at_risk=bool(checks),
                risk=" ".join(c.sentence for c in checks) or None,
            )
        )
        d += timedelta(days=1)
    return CalendarOut(athlete_id=athlete.id, start=first, end=last, today=inp.today, days=days)
