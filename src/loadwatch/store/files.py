"""Source-file rows: one per file an athlete sent (by content hash), with its outcome.
Only reads and writes rows; callers decide the transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, bindparam, func, select
from sqlalchemy.orm import Session

from loadwatch.clock import as_utc
from loadwatch.store.models import Activity, SourceFile


def find_file(session: Session, athlete_id: int, sha256: str) -> SourceFile | None:
    return session.scalars(
        select(SourceFile).where(SourceFile.athlete_id == athlete_id, SourceFile.sha256 == sha256)
    ).one_or_none()


def files_by_sha(session: Session, athlete_id: int, shas: Collection[str]) -> dict[str, SourceFile]:
    """The athlete's rows for any of these hashes, by hash: one query for a batch of files."""
    if not shas:
        return {}
    rows = session.scalars(
        select(SourceFile).where(
            SourceFile.athlete_id == athlete_id, SourceFile.sha256.in_(list(shas))
        )
    )
    return {row.sha256: row for row in rows}


def record_file(
    session: Session,
    *,
    athlete_id: int,
    sha256: str,
    name: str,
    size: int,
    format: str | None,
    status: str,
    reason: str | None,
    warnings: Sequence[str] = (),
    existing: SourceFile | None = None,
    flush: bool = True,
) -> SourceFile:
    """Insert the file's row, or overwrite ``existing`` (a retried file) in place; flushed, so
    the returned row has its id (``flush=False``: a batch flushes its rows together)."""
    row = existing or SourceFile(athlete_id=athlete_id, sha256=sha256)
    row.name = name
    row.size = size
    row.format = format
    row.status = status
    row.reason = reason
    row.warnings = list(warnings) or None
    if existing is None:
        session.add(row)
    if flush:
        session.flush()
    return row


def list_files(
    session: Session,
    athlete_id: int,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[SourceFile], int]:
    """Newest first, with the total count for paging."""
    where = [SourceFile.athlete_id == athlete_id]
    if status is not None:
        where.append(SourceFile.status == status)
    total = session.scalar(select(func.count(SourceFile.id)).where(*where)) or 0
    rows = session.scalars(
        select(SourceFile)
        .where(*where)
        .order_by(SourceFile.updated_at.desc(), SourceFile.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def last_uploads(session: Session, athlete_ids: Sequence[int]) -> dict[int, datetime]:
    """Per athlete, when a file was last received (a repeat upload touches ``updated_at``)."""
    rows = session.execute(_LAST_UPLOADS, {"ids": list(athlete_ids)}).all()
    return {
        aid: max(as_utc(t) for t in (created, updated) if t is not None)
        for aid, created, updated in rows
        if created is not None or updated is not None
    }


def last_upload_columns(athlete_id: ColumnElement[int]) -> tuple[ScalarSelect[datetime], ...]:
    """The athlete's latest file stored and latest file touched (a repeat upload), as scalar
    subqueries for a state query that reads them with its other columns (``last_uploads``
    takes the later of the two)."""
    return (
        select(func.max(SourceFile.created_at))
        .where(SourceFile.athlete_id == athlete_id)
        .scalar_subquery(),
        select(func.max(SourceFile.updated_at))
        .where(SourceFile.athlete_id == athlete_id)
        .scalar_subquery(),
    )


# Built once (every evaluation's triage row reads one athlete's).
_LAST_UPLOADS = (
    select(
        SourceFile.athlete_id,
        func.max(SourceFile.created_at),
        func.max(SourceFile.updated_at),
    )
    .where(SourceFile.athlete_id.in_(bindparam("ids", expanding=True)))
    .group_by(SourceFile.athlete_id)
)


def file_by_id(session: Session, file_id: int) -> SourceFile | None:
    return session.get(SourceFile, file_id)


def file_activity_count(session: Session, file_id: int) -> int:
    return session.scalar(select(func.count(Activity.id)).where(Activity.file_id == file_id)) or 0


def delete_file(session: Session, source: SourceFile) -> None:
    session.delete(source)
    session.flush()


def file_warnings(session: Session, file_id: int | None) -> list[str]:
    """The warnings the file's import recorded (what a lenient read recovered from)."""
    if file_id is None:
        return []
    row = session.get(SourceFile, file_id)
    return list(row.warnings or []) if row is not None else []


def supersede_file(session: Session, file_id: int, reason: str) -> None:
    """The file stays on record (row and bytes) as ``superseded`` once a better copy replaced
    every activity it held."""
    row = session.get(SourceFile, file_id)
    if row is not None and file_activity_count(session, file_id) == 0:
        row.status = "superseded"
        row.reason = reason
        session.flush()
