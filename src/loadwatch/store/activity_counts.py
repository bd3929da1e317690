"""What the roster shows of each athlete's activities - how many, the first and the last start,
whether any has an RPE - counted in SQL: no frame, so a command listing athletes, or a status
read from its stored view, loads no polars or numpy (``store/activities.py`` reads the frames)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import exists, func, or_, select

from loadwatch.ingest.derivation import DERIVATION

# The Core table (tables.py): the roster and every status read it.
from loadwatch.store.tables import activities

if TYPE_CHECKING:
    from loadwatch.store.db import Reads


@dataclass(frozen=True, slots=True)
class ActivityStats:
    count: int
    first_start: datetime | None
    last_start: datetime | None


def activity_stats(session: Reads) -> dict[int, ActivityStats]:
    """Per athlete id: how many activities and the first/last start (UTC)."""
    rows = session.execute(
        select(
            activities.c.athlete_id,
            func.count(activities.c.id),
            func.min(activities.c.start_time),
            func.max(activities.c.start_time),
        ).group_by(activities.c.athlete_id)
    )
    return {aid: ActivityStats(n, first, last) for aid, n, first, last in rows}


def any_rated(session: Reads, athlete_id: int) -> bool:
    """Whether any of the athlete's activities has an RPE (no session RPE load without one)."""
    rated = exists().where(activities.c.athlete_id == athlete_id, activities.c.rpe.is_not(None))
    return bool(session.scalar(select(rated)))


def stale_counts(session: Reads, athlete_ids: Sequence[int] | None = None) -> dict[int, int]:
    """Per athlete id (of ``athlete_ids``, else all), how many activities from files an older
    derivation produced (``ingest/derivation.py``): what ``loadwatch reprocess`` would
    re-derive.  Athletes with none are left out."""
    a = activities.c
    q = (
        select(a.athlete_id, func.count(a.id))
        .where(a.source == "file", or_(a.derivation.is_(None), a.derivation < DERIVATION))
        .group_by(a.athlete_id)
    )
    if athlete_ids is not None:
        q = q.where(a.athlete_id.in_(list(athlete_ids)))
    return {aid: n for aid, n in session.execute(q)}


def stale_files(session: Reads, athlete_id: int) -> dict[str, int]:
    """The athlete's activities ``stale_counts`` counts, per original file (its digest): how
    many come from each, so a caller can tell those whose bytes are kept from the others."""
    a = activities.c
    q = (
        select(a.source_sha256, func.count(a.id))
        .where(
            a.athlete_id == athlete_id,
            a.source == "file",
            or_(a.derivation.is_(None), a.derivation < DERIVATION),
        )
        .group_by(a.source_sha256)
    )
    return {sha: n for sha, n in session.execute(q)}
