"""How much an athlete has stored: the quota's measure (raw bytes kept for their files)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loadwatch.store.models import SourceFile


def stored_bytes(session: Session, athlete_id: int) -> int:
    """Raw bytes kept in the blob store for the athlete's files (a file whose bytes were not
    kept has size 0).  Decoded streams are derived and not counted."""
    total = session.scalar(
        select(func.coalesce(func.sum(SourceFile.size), 0)).where(
            SourceFile.athlete_id == athlete_id
        )
    )
    return int(total or 0)
