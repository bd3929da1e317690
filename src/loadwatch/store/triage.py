"""The coach's triage rows, ready-serialised by evaluation (services/dashboard.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import cast

from sqlalchemy import (
    Integer,
    Table,
    Update,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from loadwatch.store.models import Athlete, AthleteTriage, PendingEvaluation, User
from loadwatch.store.users import visible_ids_query

# Athletes without a row (never evaluated since the table exists) sort after every row:
# every key starts with an ASCII digit.
LAST_KEY = b"\xff"


@dataclass(frozen=True, slots=True)
class TriageLine:
    athlete_id: int
    name: str
    timezone: str
    as_of: date | None  # None: no row yet
    sort_key: bytes
    body: bytes | None
    pending: bool


def get(session: Session, athlete_id: int) -> AthleteTriage | None:
    return session.get(AthleteTriage, athlete_id)


def put(
    session: Session, athlete_id: int, *, as_of: date, concern: str, sort_key: bytes, body: bytes
) -> None:
    """Insert or replace the athlete's row.  Two first evaluations racing to insert it end in
    the store's ``Conflict`` for one of them, which evaluation retries."""
    params = {"aid": athlete_id, "as_of": as_of, "concern": concern, "key": sort_key, "body": body}
    # One UPDATE, the row's insert only when it found none: reading the row first (and the
    # ORM's flush of it) cost a query and ~0.5 ms of every evaluation.
    found: int = session.execute(_update_row(), params).rowcount  # type: ignore[attr-defined]
    if found:
        return
    session.add(
        AthleteTriage(
            athlete_id=athlete_id, as_of=as_of, concern=concern, sort_key=sort_key, body=body
        )
    )


@cache
def _update_row() -> Update:
    """``put``'s UPDATE, built once with bound parameters (``computed_at``: the column's
    ``onupdate``, as the ORM's flush set it)."""
    t = cast(Table, AthleteTriage.__table__)
    return (
        update(t)
        .where(t.c.athlete_id == bindparam("aid", type_=Integer))
        .values(
            as_of=bindparam("as_of", type_=t.c.as_of.type),
            concern=bindparam("concern", type_=t.c.concern.type),
            sort_key=bindparam("key", type_=t.c.sort_key.type),
            body=bindparam("body", type_=t.c.body.type),
        )
        .execution_options(synchronize_session=False)
    )


def page(
    session: Session,
    user: User,
    *,
    limit: int,
    after: tuple[bytes, int] | None = None,
    concern: str | None = None,
) -> list[TriageLine]:
    """Up to ``limit`` rows of the athletes ``user`` may see, in ``sort_key`` order (then
    athlete id), after the cursor ``after``; with each athlete's name, zone and whether an
    evaluation is pending for them.  One query."""
    key = func.coalesce(AthleteTriage.sort_key, literal(LAST_KEY))
    q = (
        select(
            Athlete.id,
            Athlete.name,
            Athlete.timezone,
            AthleteTriage.as_of,
            key,
            AthleteTriage.body,
            PendingEvaluation.athlete_id,
        )
        .select_from(Athlete)
        .outerjoin(AthleteTriage, AthleteTriage.athlete_id == Athlete.id)
        .outerjoin(PendingEvaluation, PendingEvaluation.athlete_id == Athlete.id)
        .where(Athlete.id.in_(visible_ids_query(user)))
        .order_by(key, Athlete.id)
        .limit(limit)
    )
    if concern is not None:
        q = q.where(AthleteTriage.concern == concern)
    if after is not None:
        k, aid = after
        q = q.where(or_(key > k, and_(key == k, Athlete.id > aid)))
    return [
        TriageLine(aid, name, tz, as_of, bytes(k), bytes(body) if body is not None else None,
                   p is not None)
        for aid, name, tz, as_of, k, body, p in session.execute(q).all()
    ]  # fmt: skip


def missing(session: Session) -> list[int]:
    """Athletes without a triage row: what the roll-forward evaluates first."""
    q = (
        select(Athlete.id)
        .outerjoin(AthleteTriage, AthleteTriage.athlete_id == Athlete.id)
        .where(AthleteTriage.athlete_id.is_(None))
        .order_by(Athlete.id)
    )
    return list(session.scalars(q))
