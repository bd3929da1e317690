"""Weekly summaries: one composed summary per athlete and week, and who asked for them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from loadwatch.store.models import Athlete, WeeklySummary


def subscribed(session: Session) -> list[Athlete]:
    """Athletes whose weekly summary is on, by id."""
    return list(session.scalars(select(Athlete).where(Athlete.weekly_summary).order_by(Athlete.id)))


def exists_for(session: Session, athlete_id: int, week: date) -> bool:
    found = session.scalar(
        select(WeeklySummary.id).where(
            WeeklySummary.athlete_id == athlete_id, WeeklySummary.week == week
        )
    )
    return found is not None


def add(session: Session, summary: WeeklySummary) -> WeeklySummary:
    session.add(summary)
    session.flush()
    return summary


def of_athlete(session: Session, athlete_id: int) -> list[WeeklySummary]:
    """Newest first."""
    return list(
        session.scalars(
            select(WeeklySummary)
            .where(WeeklySummary.athlete_id == athlete_id)
            .order_by(WeeklySummary.week.desc())
        )
    )
