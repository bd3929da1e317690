"""What the athlete page draws for rehab, computed at evaluation with the rest of the view
(docs/rehab.md, "On the athlete page"): the plan's caps per calendar week, the limits the load
charts show instead of the pre-injury usual week, and the pain log for the pain chart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from loadwatch.analytics.days import week_start
from loadwatch.rules.plan import Caps, PlanSpec
from loadwatch.rules.plan_headroom import climb_allowance, fast_cap, pace_text
from loadwatch.rules.response import Response
from loadwatch.schemas.rehab_status import PainPoint, WeekCapsOut
from loadwatch.store.models import SymptomEntry


def week_caps(
    timelines: Sequence[tuple[PlanSpec, list[Caps]]],
    daily: pl.DataFrame,
    fast_mps: float | None,
) -> list[WeekCapsOut]:
    """Per calendar week holding a plan day: the caps in force on its last plan day (a plan
    week that starts mid-week straddles two calendar weeks; the later caps are the ones the
    week ends under).  A later plan overrides an earlier one in a week they share."""
    thresholds = _thresholds(daily)
    by_week: dict[date, WeekCapsOut] = {}
    for spec, caps in timelines:
        for i, c in enumerate(caps):
            day = spec.start + timedelta(days=i)
            nxt = day + timedelta(days=1)
            # The last plan day of its calendar week (or the timeline's last day).
            if i + 1 < len(caps) and week_start(nxt) == week_start(day):
                continue
            mps = thresholds.get(day, fast_mps)
            by_week[week_start(day)] = WeekCapsOut(
                week_start=week_start(day),
                plan_week=c.week + 1,
                weekly_km=c.weekly_km,
                longest_run_km=c.longest_run_km,
                weekly_fast_km=fast_cap(c, mps),
                weekly_climb_m=c.weekly_climb_m,
                climb_allowance_m=climb_allowance(c, c.weekly_km),
                pace_floor=pace_text(c.pace_floor_s_per_km),
                step=c.step,
            )
    return [by_week[w] for w in sorted(by_week)]


def _thresholds(daily: pl.DataFrame) -> dict[date, float]:
    """The fast threshold in force on each day of the frame (m/s)."""
    if daily.is_empty() or "fast_threshold_mps" not in daily.columns:
        return {}
    rows = daily.select("date", "fast_threshold_mps").drop_nulls()
    return dict(zip(rows["date"].to_list(), rows["fast_threshold_mps"].to_list(), strict=True))


def pain_log(entries: Sequence[SymptomEntry], responses: Sequence[Response]) -> list[PainPoint]:
    """Every entry, oldest first, with its worst pain and the response it was classed as."""
    by_day = {r.date: r for r in responses}
    out = []
    for e in entries:
        values = [v for v in (e.pain_during, e.pain_after, e.pain_next_morning) if v is not None]
        if not values:
            continue
        r = by_day.get(e.date)
        out.append(
            PainPoint(
                date=e.date,
                pain_during=e.pain_during,
                pain_after=e.pain_after,
                pain_next_morning=e.pain_next_morning,
                worst=max(values),
                state=r.state if r is not None else None,
            )
        )
    return sorted(out, key=lambda p: p.date)
