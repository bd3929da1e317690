"""The bases an athlete's heart-rate loads were computed with (``hr_basis_changes``,
docs/hr-load.md): the latest, and a new one.  Callers decide the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loadwatch.store.models import Activity, HrBasisChange


def latest(session: Session, athlete_id: int) -> HrBasisChange | None:
    """The basis in force: the athlete's newest row."""
    return session.scalars(
        select(HrBasisChange)
        .where(HrBasisChange.athlete_id == athlete_id)
        .order_by(HrBasisChange.id.desc())
        .limit(1)
    ).first()


def add(session: Session, row: HrBasisChange) -> None:
    session.add(row)
    session.flush()


PeakRun = tuple[int, str | None, datetime, int | None]


def peak_run(session: Session, athlete_id: int) -> PeakRun | None:
    """(id, name, start_time, utc_offset_s) of the activity holding the athlete's highest
    heart rate held a minute (the first imported of equals): where an estimated maximum comes
    from."""
    row = session.execute(
        select(Activity.id, Activity.name, Activity.start_time, Activity.utc_offset_s)
        .where(Activity.athlete_id == athlete_id, Activity.hr_peak_bpm.is_not(None))
        .order_by(Activity.hr_peak_bpm.desc(), Activity.id)
        .limit(1)
    ).first()
    return (row[0], row[1], row[2], row[3]) if row is not None else None
