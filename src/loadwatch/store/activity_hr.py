"""The heart-rate columns of activity rows (docs/hr-load.md): the per-bpm histograms TRIMP is
computed from, the held peaks an estimated maximum comes from, and the loads written back.
Callers decide the transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loadwatch.store.models import Activity


def hr_histograms(
    session: Session, athlete_id: int, *, ids: Sequence[int] | None = None
) -> list[tuple[int, list[float] | None]]:
    """(id, seconds per bpm) of the athlete's activities (of ``ids`` when given) that have a
    heart-rate histogram."""
    where = [Activity.athlete_id == athlete_id, Activity.hr_time_hist_s.is_not(None)]
    if ids is not None:
        where.append(Activity.id.in_(list(ids)))
    rows = session.execute(select(Activity.id, Activity.hr_time_hist_s).where(*where))
    return [(i, h) for i, h in rows]


def first_hr_activity(
    session: Session, athlete_id: int
) -> tuple[int, list[float], float | None] | None:
    """(id, histogram, hr_load) of the athlete's lowest-id activity with a histogram."""
    row = session.execute(
        select(Activity.id, Activity.hr_time_hist_s, Activity.hr_load)
        .where(Activity.athlete_id == athlete_id, Activity.hr_time_hist_s.is_not(None))
        .order_by(Activity.id)
        .limit(1)
    ).first()
    return (row[0], list(row[1] or []), row[2]) if row is not None else None


def hr_peak(session: Session, athlete_id: int) -> float | None:
    """The highest heart rate held a minute in any of the athlete's activities."""
    value = session.scalar(
        select(func.max(Activity.hr_peak_bpm)).where(Activity.athlete_id == athlete_id)
    )
    return float(value) if value is not None else None


def hr_loads(session: Session, athlete_id: int) -> dict[int, float | None]:
    rows = session.execute(
        select(Activity.id, Activity.hr_load).where(Activity.athlete_id == athlete_id)
    )
    return {i: v for i, v in rows}


def set_hr_loads(session: Session, loads: dict[int, float | None]) -> None:
    """Write each activity's heart-rate load (by id), flushed."""
    if loads:
        session.execute(update(Activity), [{"id": i, "hr_load": v} for i, v in loads.items()])
    session.flush()
