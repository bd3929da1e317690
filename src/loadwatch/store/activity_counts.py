"""What the roster shows of each athlete's activities - how many, the first and the last start,
whether any has an RPE - counted in SQL: no frame, so a command listing athletes, or a status
read from its stored view, loads no polars or numpy (``store/activities.py`` reads the frames)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from loadwatch.store.models import Activity


@dataclass(frozen=True, slots=True)
class ActivityStats:
    count: int
    first_start: datetime | None
    last_start: datetime | None


def activity_stats(session: Session) -> dict[int, ActivityStats]:
    """Per athlete id: how many activities and the first/last start (UTC)."""
    rows = session.execute(
        select(
            Activity.athlete_id,
            func.count(Activity.id),
            func.min(Activity.start_time),
            func.max(Activity.start_time),
        ).group_by(Activity.athlete_id)
    )
    return {aid: ActivityStats(n, first, last) for aid, n, first, last in rows}


def any_rated(session: Session, athlete_id: int) -> bool:
    """Whether any of the athlete's activities has an RPE (no session RPE load without one)."""
    rated = exists().where(Activity.athlete_id == athlete_id, Activity.rpe.is_not(None))
    return bool(session.scalar(select(rated)))
