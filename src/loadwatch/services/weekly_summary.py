"""The weekly summary: on Sunday evening in the athlete's zone, their week in a few lines, to
them and to their coaches, through the same channels as episodes (services/webhooks.py).

Off by default, per athlete (``weekly_summary``).  Each week's summary is composed once, from
the view evaluation stored (``status.summary_of``) and the pain log, and kept
(``weekly_summaries``), so a retry delivers the same text and a late scheduler catches up.
It says:

- the week's load per dimension against the athlete's usual week (the 28 days before);
- what the next week may hold: the return-to-run plan's caps while one is in force, else the
  headroom before the weekly ramp caution and the spike caution on one run;
- the pain trend: the worst pain of this week's entries against the week before.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from loadwatch.analytics.days import week_start
from loadwatch.clock import utcnow
from loadwatch.rounding import half_up
from loadwatch.rules.messages import amount
from loadwatch.schemas.rehab_status import CapsOut
from loadwatch.schemas.status import DimensionStatus, Summary
from loadwatch.services.status import summary_of
from loadwatch.store import summaries as summary_store
from loadwatch.store import symptoms as symptom_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, SymptomEntry, WeeklySummary
from loadwatch.vocabulary import (
    DIMENSION_LABEL,
    NO_LOAD,
    dimension_heading,
    dimension_label,
)

EVENT = "summary.weekly"
SEND_WEEKDAY = 6  # Sunday
SEND_HOUR = 18  # local time: the week's running is done, the next one not begun


def due_week(athlete: Athlete, now: datetime) -> date | None:
    """The Monday of the week whose summary is due at ``now`` in the athlete's zone: from
    Sunday ``SEND_HOUR`` until the week ends; else None."""
    local = now.astimezone(ZoneInfo(athlete.timezone))
    if local.weekday() == SEND_WEEKDAY and local.hour >= SEND_HOUR:
        return week_start(local.date())
    return None


def compose_due(session: Session, now: datetime | None = None) -> int:
    """Compose every summary that is due and not yet composed; returns how many."""
    now = now or utcnow()
    made = 0
    for athlete in summary_store.subscribed(session):
        week = due_week(athlete, now)
        if week is None or summary_store.exists_for(session, athlete.id, week):
            continue
        summary_store.add(
            session,
            WeeklySummary(
                athlete_id=athlete.id, week=week, payload=compose(session, athlete, week)
            ),
        )
        made += 1
    return made


def compose(session: Session, athlete: Athlete, week: date) -> dict[str, Any]:
    """The summary of the week starting ``week`` (a Monday), as sent."""
    sunday = week + timedelta(days=6)
    status = summary_of(session, athlete, sunday)
    entries = symptom_store.of_athlete(session, athlete.id, until=sunday)
    this_week = worst_pain(entries, week, sunday)
    last_week = worst_pain(entries, week - timedelta(days=7), week - timedelta(days=1))
    dims = [_dimension(d) for d in status.dimensions]
    caps = status.rehab.caps if status.rehab is not None else None
    limits = _plan_limits(caps) if caps is not None else _headroom_limits(status)
    trend = pain_trend(this_week, last_week)
    lines = [_load_line(d) for d in dims]
    lines.append(_next_line(limits, "plan" if caps is not None else "headroom"))
    lines.append(_pain_line(this_week, last_week, trend))
    return {
        "event": EVENT,
        "athlete": {"id": athlete.id, "name": athlete.name},
        "week": week.isoformat(),
        "dimensions": dims,
        "next_week": {"source": "plan" if caps is not None else "headroom", "limits": limits},
        "pain": {"worst_this_week": this_week, "worst_last_week": last_week, "trend": trend},
        "lines": lines,
    }


def worst_pain(entries: list[SymptomEntry], first: date, last: date) -> int | None:
    """The worst pain (during, after or next morning) of the entries dated in [first, last]."""
    values = [
        v
        for e in entries
        if first <= e.date <= last
        for v in (e.pain_during, e.pain_after, e.pain_next_morning)
        if v is not None
    ]
    return max(values) if values else None


def pain_trend(this_week: int | None, last_week: int | None) -> str:
    if this_week is None:
        return "no entries"
    if last_week is None or this_week == last_week:
        return "steady" if last_week is not None else "first entries"
    return "rising" if this_week > last_week else "falling"


# The payload keeps the dimension's machine key for programs; every word a person reads (each
# limit's "what", the lines) is the vocabulary's (``vocabulary.py``), and every number is
# rounded halves up (``rounding``) as the other surfaces print it.
def _number(value: float, unit: str) -> float:
    return half_up(value, 0 if unit == "m" else 1)


def _dimension(d: DimensionStatus) -> dict[str, Any]:
    return {
        "dimension": d.dimension,
        "label": dimension_label(d.dimension),
        "unit": d.unit,
        "week": _number(d.last_7d, d.unit),
        "usual": None if d.chronic_week is None else _number(d.chronic_week, d.unit),
    }


def _plan_limits(caps: CapsOut) -> list[dict[str, Any]]:
    limits: list[dict[str, Any]] = [
        {"what": "weekly distance", "limit": caps.weekly_km, "unit": "km"},
        {"what": "longest run", "limit": caps.longest_run_km, "unit": "km"},
        {
            "dimension": "speed",
            "what": f"weekly {DIMENSION_LABEL['speed']}",
            "limit": caps.weekly_fast_km or 0.0,
            "unit": "km",
        },
        {
            "dimension": "hills",
            "what": f"weekly {DIMENSION_LABEL['hills']}",
            "limit": caps.weekly_climb_m or 0.0,
            "unit": "m",
        },
    ]
    if caps.pace_floor:
        limits.append({"what": "pace", "limit": caps.pace_floor, "unit": "or slower"})
    return limits


def _headroom_limits(status: Summary) -> list[dict[str, Any]]:
    limits: list[dict[str, Any]] = []
    for d in status.dimensions:
        label = dimension_label(d.dimension)
        if d.week_limit is not None:
            limits.append(
                {
                    "dimension": d.dimension,
                    "what": f"weekly {label}",
                    "limit": _number(d.week_limit, d.unit),
                    "unit": d.unit,
                }
            )
        if d.headroom_run is not None:
            limits.append(
                {
                    "dimension": d.dimension,
                    "what": f"one run's {label}",
                    "limit": _number(d.headroom_run, d.unit),
                    "unit": d.unit,
                }
            )
    return limits


def _load_line(d: dict[str, Any]) -> str:
    usual = "no usual week yet" if d["usual"] is None else f"usual {amount(d['usual'], d['unit'])}"
    week = amount(d["week"], d["unit"])
    return f"{dimension_heading(d['dimension'])}: {week} this week ({usual})."


def _limit_words(x: dict[str, Any]) -> str:
    if isinstance(x["limit"], str):
        return f"{x['what']} {x['limit']} {x['unit']}"
    # None of a dimension in one phrase (vocabulary.NO_LOAD): "no climbing", never "up to 0 m".
    if x["limit"] <= 0 and x.get("dimension") in NO_LOAD:
        return NO_LOAD[x["dimension"]]
    return f"{x['what']} up to {amount(x['limit'], x['unit'])}"


def _next_line(limits: list[dict[str, Any]], source: str) -> str:
    if not limits:
        return "Next week: not enough history yet to say how much is safe."
    lead = "the plan allows" if source == "plan" else "before a caution"
    return f"Next week, {lead}: " + "; ".join(_limit_words(x) for x in limits) + "."


def _pain_line(this_week: int | None, last_week: int | None, trend: str) -> str:
    if this_week is None:
        return "Pain: nothing logged this week."
    before = "" if last_week is None else f" ({last_week}/10 the week before)"
    return f"Pain: worst {this_week}/10 this week{before}: {trend}."
