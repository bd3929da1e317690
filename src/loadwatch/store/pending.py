"""Pending evaluations: which athletes an import or a change left to re-evaluate, from when.

Requests are written by ``repo.request_evaluation`` (an atomic upsert); here they are listed
and claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from loadwatch.store.models import PendingEvaluation


def athlete_ids(session: Session, athlete_id: int | None = None) -> list[int]:
    q = select(PendingEvaluation.athlete_id).order_by(PendingEvaluation.athlete_id)
    if athlete_id is not None:
        q = q.where(PendingEvaluation.athlete_id == athlete_id)
    return list(session.scalars(q))


def claim(session: Session, athlete_id: int) -> date | None:
    """Delete the athlete's request and return its date; None if another worker took it.  The
    caller's transaction owns the claim: rolled back, the request is back."""
    row = session.execute(
        delete(PendingEvaluation)
        .where(PendingEvaluation.athlete_id == athlete_id)
        .returning(PendingEvaluation.from_date)
    ).first()
    return row[0] if row is not None else None


def clear(session: Session) -> None:
    """Drop every request (after a full evaluation of everyone, as the demo does)."""
    session.execute(delete(PendingEvaluation))


def waiting(session: Session, athlete_ids: Sequence[int]) -> set[int]:
    """Which of these athletes have a request not yet evaluated."""
    if not athlete_ids:
        return set()
    q = select(PendingEvaluation.athlete_id).where(PendingEvaluation.athlete_id.in_(athlete_ids))
    return set(session.scalars(q))
