"""Symptom entries: one row per (athlete, local day), written by the CLI, the API and CSV logs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loadwatch.errors import Conflict
from loadwatch.store.models import SymptomEntry

FIELDS = (
    "pain_during",
    "pain_after",
    "pain_next_morning",
    "location",
    "aggravators",
    "sitting_hours",
    "note",
    "source",
)


def on_day(session: Session, athlete_id: int, day: date) -> SymptomEntry | None:
    return session.scalars(
        select(SymptomEntry).where(SymptomEntry.athlete_id == athlete_id, SymptomEntry.date == day)
    ).one_or_none()


def upsert(
    session: Session, athlete_id: int, day: date, values: Mapping[str, Any]
) -> tuple[SymptomEntry, bool]:
    """Set ``values`` on the athlete's entry of ``day`` (created when there is none): fields
    not given keep what was stored, so the next morning's pain completes the evening's entry.
    Returns (entry, created); flushed."""
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown symptom fields {sorted(unknown)}")
    row = on_day(session, athlete_id, day)
    created = row is None
    if row is None:
        row = SymptomEntry(athlete_id=athlete_id, date=day, aggravators=[])
    for k, v in values.items():
        setattr(row, k, v)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as e:  # two writers creating the same day's entry
        raise Conflict(f"a symptom entry for {day} was written concurrently") from e
    return row, created


def of_athlete(
    session: Session, athlete_id: int, *, until: date | None = None
) -> list[SymptomEntry]:
    """Oldest first."""
    q = select(SymptomEntry).where(SymptomEntry.athlete_id == athlete_id)
    if until is not None:
        q = q.where(SymptomEntry.date <= until)
    return list(session.scalars(q.order_by(SymptomEntry.date)))


def remove(session: Session, entry: SymptomEntry) -> None:
    session.delete(entry)
    session.flush()
