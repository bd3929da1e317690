"""Inbox entries: which files of ``LOADWATCH_INBOX/<athlete>/`` were seen, as what."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from loadwatch.store.models import InboxEntry


def entries(session: Session, athlete_id: int) -> dict[str, InboxEntry]:
    """By relative path."""
    rows = session.scalars(select(InboxEntry).where(InboxEntry.athlete_id == athlete_id))
    return {e.path: e for e in rows}


def entry(session: Session, athlete_id: int, path: str) -> InboxEntry:
    """The row for ``path``, created (unflushed) when new."""
    row = session.scalars(
        select(InboxEntry).where(InboxEntry.athlete_id == athlete_id, InboxEntry.path == path)
    ).one_or_none()
    if row is None:
        row = InboxEntry(athlete_id=athlete_id, path=path)
        session.add(row)
    return row
