"""Planned sessions and the ``plan.at_risk`` alerts told about them (docs/planning.md)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from loadwatch.store.models import PlanAlert, PlannedSession


def add(session: Session, row: PlannedSession) -> PlannedSession:
    session.add(row)
    session.flush()
    return row


def get(session: Session, planned_id: int) -> PlannedSession | None:
    return session.get(PlannedSession, planned_id)


def of_athlete(
    session: Session, athlete_id: int, start: date | None = None, end: date | None = None
) -> list[PlannedSession]:
    """The athlete's planned sessions in ``[start, end]`` (open ends: unbounded), by day."""
    q = select(PlannedSession).where(PlannedSession.athlete_id == athlete_id)
    if start is not None:
        q = q.where(PlannedSession.date >= start)
    if end is not None:
        q = q.where(PlannedSession.date <= end)
    return list(session.scalars(q.order_by(PlannedSession.date, PlannedSession.id)))


def remove(session: Session, row: PlannedSession) -> None:
    session.delete(row)
    session.flush()


def flush(session: Session) -> None:
    session.flush()


def alert_keys(session: Session, athlete_id: int) -> set[str]:
    q = select(PlanAlert.dedupe_key).where(PlanAlert.athlete_id == athlete_id)
    return set(session.scalars(q))


def add_alert(session: Session, alert: PlanAlert) -> PlanAlert:
    session.add(alert)
    session.flush()
    return alert
