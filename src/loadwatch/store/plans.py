"""Return-to-run plans: at most one open plan per athlete (the service ends the old one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from loadwatch.store.models import RehabPlan


def add(session: Session, plan: RehabPlan) -> RehabPlan:
    session.add(plan)
    session.flush()
    return plan


def of_athlete(session: Session, athlete_id: int) -> list[RehabPlan]:
    """Every plan of the athlete, oldest start first."""
    q = select(RehabPlan).where(RehabPlan.athlete_id == athlete_id)
    return list(session.scalars(q.order_by(RehabPlan.start_date, RehabPlan.id)))


def open_plan(session: Session, athlete_id: int) -> RehabPlan | None:
    """The athlete's plan without an end, if any (the newest)."""
    q = (
        select(RehabPlan)
        .where(RehabPlan.athlete_id == athlete_id, RehabPlan.end_date.is_(None))
        .order_by(RehabPlan.start_date.desc(), RehabPlan.id.desc())
    )
    return session.scalars(q).first()


def get(session: Session, plan_id: int) -> RehabPlan | None:
    return session.get(RehabPlan, plan_id)


def flush(session: Session) -> None:
    session.flush()
