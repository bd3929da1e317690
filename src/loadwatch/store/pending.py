"""Pending evaluations: which athletes an import or a change left to re-evaluate, from when.

Requests are written by ``request_evaluation`` (an atomic upsert), then listed and claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, bindparam, case, delete, insert, select, update

from loadwatch.clock import utcnow

# The Core table (tables.py): every data command asks whether its athlete is pending.
from loadwatch.store.tables import pending_evaluations as table

if TYPE_CHECKING:
    from loadwatch.store.db import Reads, Session


def athlete_ids(session: Session, athlete_id: int | None = None) -> list[int]:
    if athlete_id is not None:
        return list(session.scalars(_ONE, {"aid": athlete_id}))
    return list(session.scalars(select(table.c.athlete_id).order_by(table.c.athlete_id)))


def claim(session: Session, athlete_id: int) -> date | None:
    """Delete the athlete's request and return its date; None if another worker took it.  The
    caller's transaction owns the claim: rolled back, the request is back."""
    row = session.execute(_CLAIM, {"aid": athlete_id}).first()
    return row[0] if row is not None else None


# Built once: every evaluation of a change runs both (building them cost about as much).
_ONE = select(table.c.athlete_id).where(table.c.athlete_id == bindparam("aid", type_=Integer))
_CLAIM = (
    delete(table)
    .where(table.c.athlete_id == bindparam("aid", type_=Integer))
    .returning(table.c.from_date)
)


def clear(session: Session) -> None:
    """Drop every request (after a full evaluation of everyone, as the demo does)."""
    session.execute(delete(table))


def waiting(session: Reads, athlete_ids: Sequence[int]) -> set[int]:
    """Which of these athletes have a request not yet evaluated."""
    if not athlete_ids:
        return set()
    q = select(table.c.athlete_id).where(table.c.athlete_id.in_(athlete_ids))
    return set(session.scalars(q))


def request_evaluation(session: Session, athlete_id: int, from_date: date) -> None:
    """Ask for the athlete's flags to be re-evaluated from ``from_date`` (local) on, keeping an
    earlier pending date: one atomic upsert, so concurrent imports cannot lose a request."""
    dialect = session.get_bind().dialect.name
    # Each dialect's insert is imported where it is used: SQLAlchemy's PostgreSQL dialect costs
    # a command on SQLite a quarter of a second to import (benchmarks/startup.py).
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(table)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    else:  # pragma: no cover - only the two supported databases
        earlier = pending_from(session, athlete_id)
        if earlier is None:
            session.execute(insert(table).values(athlete_id=athlete_id, from_date=from_date))
        elif from_date < earlier:
            q = update(table).where(table.c.athlete_id == athlete_id)
            session.execute(q.values(from_date=from_date))
        return
    stmt = stmt.values(athlete_id=athlete_id, from_date=from_date)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.athlete_id],
        set_={
            "from_date": case(
                (stmt.excluded.from_date < table.c.from_date, stmt.excluded.from_date),
                else_=table.c.from_date,
            ),
            "requested_at": utcnow(),
        },
    )
    session.execute(stmt)


def pending_from(session: Session, athlete_id: int) -> date | None:
    day: date | None = session.scalar(
        select(table.c.from_date).where(table.c.athlete_id == athlete_id)
    )
    return day
