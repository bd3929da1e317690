"""Episodes as plain rows, read in SQLAlchemy Core (``tables.episodes``): what a status and the
API's episode list read, without the ORM's mapper (``tables.py`` says why).  ``episodes.py``
reads and writes the mapped objects evaluation keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Row, select

from loadwatch.store.tables import episodes
from loadwatch.vocabulary import EpisodeStatus

if TYPE_CHECKING:
    from loadwatch.store.db import Reads

# An episode's columns by name (``row.first``, ``row.status``...), as the mapped ``Episode``.
EpisodeRow: TypeAlias = Row[Any]


def of_athlete(
    session: Reads, athlete_id: int, statuses: Sequence[EpisodeStatus] | None = None
) -> Sequence[EpisodeRow]:
    """Newest first; every status unless ``statuses``."""
    q = select(episodes).where(episodes.c.athlete_id == athlete_id)
    if statuses is not None:
        q = q.where(episodes.c.status.in_(statuses))
    return session.execute(q.order_by(episodes.c.last.desc(), episodes.c.id.desc())).all()
