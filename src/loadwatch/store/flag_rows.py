"""Flags as plain rows, read in SQLAlchemy Core (``tables.flags``): what the CLI's data commands,
the API and the status list, without the ORM's mapper (``tables.py`` says why).  ``flags.py``
reads and writes the mapped objects evaluation keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import Row, select

from loadwatch.store.tables import flags
from loadwatch.vocabulary import OPEN, FlagStatus

if TYPE_CHECKING:
    from loadwatch.store.db import Reads

# A flag's columns by name (``row.rule``, ``row.date``...), as the mapped ``Flag`` has them.
FlagRow: TypeAlias = Row[Any]


def of_athlete(
    session: Reads, athlete_id: int, *, statuses: Sequence[FlagStatus] | None = (OPEN,)
) -> Sequence[FlagRow]:
    """Newest day first; of these statuses (every status when None)."""
    q = select(flags).where(flags.c.athlete_id == athlete_id)
    if statuses is not None:
        q = q.where(flags.c.status.in_(statuses))
    return session.execute(q.order_by(flags.c.date.desc(), flags.c.dimension, flags.c.rule)).all()


def of_episodes(session: Reads, episode_ids: Sequence[int]) -> Sequence[FlagRow]:
    """The flags of these episodes, by date."""
    if not episode_ids:
        return []
    q = select(flags).where(flags.c.episode_id.in_(episode_ids))
    return session.execute(q.order_by(flags.c.date, flags.c.rule, flags.c.dimension)).all()
