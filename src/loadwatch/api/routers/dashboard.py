"""The coach's overview: one row per visible athlete, most at risk first."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter

from loadwatch import auth
from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.api.deps import CurrentUser, SessionDep
from loadwatch.api.schemas import Dashboard, DashboardRow, SeverityCounts, WeekDistance
from loadwatch.services.evaluation import athlete_status, series
from loadwatch.store import flags as flag_rows
from loadwatch.store import repo
from loadwatch.store.models import Athlete

router = APIRouter(tags=["dashboard"])

WEEKS = 8


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _risk(row: DashboardRow) -> tuple[int, int, float, str]:
    return (-row.alerts, -row.cautions, -(row.max_ratio or 0.0), row.name.lower())


@router.get("/dashboard", response_model=Dashboard)
def dashboard(user: CurrentUser, session: SessionDep) -> Dashboard:
    """Open flags by dimension, the 7-day/28-day ratio per dimension, the last activity and
    the weekly distance of the last 8 weeks.  Sorted by alerts, then cautions, then the
    highest ratio."""
    athletes: list[Athlete] = auth.visible_athletes(session, user)
    counts = flag_rows.open_counts(session, user)
    open_flags: dict[int, dict[str, SeverityCounts]] = {}
    for athlete_id, dimension, severity, n in counts:
        per_dim = open_flags.setdefault(athlete_id, {})
        c = per_dim.setdefault(dimension, SeverityCounts())
        if severity == "alert":
            c.alert += n
        else:
            c.caution += n
    rows: list[DashboardRow] = []
    for athlete in athletes:
        last = repo.last_activity(session, athlete.id)
        status = athlete_status(session, athlete.id)
        ratios = {d.dimension: d.ratio_7_28 for d in status.dimensions}
        known = [r for r in ratios.values() if r is not None]
        first_week = _monday(status.today) - timedelta(weeks=WEEKS - 1)
        weekly = series(session, athlete.id, "week", first_week, status.today)
        km = dict(zip(weekly["week_start"].to_list(), weekly["distance_km"].to_list(), strict=True))
        flags = {d: open_flags.get(athlete.id, {}).get(d, SeverityCounts()) for d in DIMENSIONS}
        rows.append(
            DashboardRow(
                athlete_id=athlete.id,
                name=athlete.name,
                alerts=sum(c.alert for c in flags.values()),
                cautions=sum(c.caution for c in flags.values()),
                open_flags=flags,
                ratios=ratios,
                max_ratio=max(known) if known else None,
                last_activity_id=last.id if last else None,
                last_activity_at=last.start_time if last else None,
                weekly_distance=[
                    WeekDistance(week=w, distance_km=float(km.get(w) or 0.0))
                    for w in (first_week + timedelta(weeks=i) for i in range(WEEKS))
                ],
            )
        )
    rows.sort(key=_risk)
    return Dashboard(data=rows)
