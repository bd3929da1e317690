"""Athlete rows: find by id or name (one athlete per person, names matched ignoring case),
create, save, list.  Only reads and writes rows; callers decide the transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Date, Integer, String, bindparam, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loadwatch.clock import NEVER
from loadwatch.errors import Conflict, InvalidRequest, NotFound
from loadwatch.store.athlete_rows import name_key, not_found
from loadwatch.store.models import Athlete
from loadwatch.store.tables import STAMP, athlete_views, athletes

MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_timezone(tz: str) -> str:
    """The IANA name, or ``InvalidRequest`` naming the bad value."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidRequest(
            f"unknown time zone {tz!r} (use an IANA name like Europe/Paris)"
        ) from e
    return tz


def clean_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise InvalidRequest("athlete name must not be empty")
    if len(clean) > MAX_NAME:
        raise InvalidRequest(f"athlete name longer than {MAX_NAME} characters")
    if _CONTROL.search(clean):
        # A NUL cannot be stored by PostgreSQL at all; the other control characters would
        # break every line the name is printed on.
        raise InvalidRequest("athlete name must not contain control characters (NUL, newline…)")
    return clean


def get_athlete(session: Session, athlete_id: int) -> Athlete:
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        raise NotFound(f"no athlete with id {athlete_id}")
    return athlete


def find_athlete_by_name(session: Session, name: str) -> Athlete | None:
    """The athlete called ``name``, trimmed and compared case-insensitively (one athlete per
    person: "bea " and "Bea" are the same runner, the database's unique ``name_key`` says so);
    None when there is none."""
    return session.scalars(select(Athlete).where(Athlete.name_key == name_key(name))).first()


def get_athlete_by_name(session: Session, name: str) -> Athlete:
    athlete = find_athlete_by_name(session, name)
    if athlete is None:
        raise not_found(session, name)
    return athlete


def get_or_create_athlete(session: Session, name: str, timezone: str | None = None) -> Athlete:
    """The athlete called ``name``; created (with ``timezone``, default UTC) when new.

    A time zone that contradicts an existing athlete's is a ``Conflict`` rather than a silent
    change: it would move every past activity to another local day.
    """
    clean = clean_name(name)
    if timezone is not None:
        check_timezone(timezone)
    athlete = find_athlete_by_name(session, clean)
    if athlete is None:
        athlete = Athlete(name=clean, timezone=timezone or "UTC", thresholds={})
        try:
            # A savepoint, so that losing a creation race to another process keeps the
            # caller's transaction usable.
            with session.begin_nested():
                session.add(athlete)
        except IntegrityError:
            athlete = get_athlete_by_name(session, clean)
        else:
            return athlete
    if timezone is not None and athlete.timezone != timezone:
        raise Conflict(
            f"athlete {athlete.name!r} already exists with time zone {athlete.timezone}, "
            f"not {timezone} (change it with: loadwatch athlete set {athlete.name!r} "
            f"--timezone {timezone})"
        )
    return athlete


def save_athlete(session: Session, athlete: Athlete) -> Athlete:
    """Insert or update ``athlete`` now (flushed); a name another athlete has (trimmed, in any
    case) is a ``Conflict``, and the caller's transaction stays usable (a savepoint)."""
    try:
        with session.begin_nested():
            session.add(athlete)
            session.flush()
    except IntegrityError as e:
        raise Conflict(_name_taken(session, athlete.name)) from e
    return athlete


def _name_taken(session: Session, name: str) -> str:
    other = find_athlete_by_name(session, name)
    shown = other.name if other is not None else name.strip()
    return f"an athlete named {shown!r} already exists (names are matched ignoring case)"


def athlete_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Athlete.id).order_by(Athlete.id)))


def athlete_zones(session: Session) -> dict[int, str]:
    """Every athlete's time zone, by id."""
    rows = session.execute(select(Athlete.id, Athlete.timezone).order_by(Athlete.id)).all()
    return {aid: tz for aid, tz in rows}


def list_athletes(session: Session) -> list[Athlete]:
    return list(session.scalars(select(Athlete).order_by(Athlete.name)))


def due(session: Session, now: datetime, *, never_too: bool = False) -> list[int]:
    """Athletes whose stored view is not for their local today at ``now`` (their ``due_at``
    passed, or it was never set): one range scan of the ``due_at`` index, never a pass over
    every athlete.  ``never_too``: also those a process pinned to a day left at ``NEVER``
    (a replay of old data on this store), now that no day is pinned."""
    when = [Athlete.due_at.is_(None), Athlete.due_at <= now]
    if never_too:
        when.append(Athlete.due_at >= NEVER)
    q = select(Athlete.id).where(or_(*when)).order_by(Athlete.id)
    return list(session.scalars(q))


def set_due(session: Session, athlete_id: int, due_at: datetime | None) -> None:
    """When the athlete's view next goes stale (None: now).  A plain UPDATE: the athlete row is
    not loaded, and a deleted athlete is no error."""
    session.execute(update(Athlete).where(Athlete.id == athlete_id).values(due_at=due_at))


# Built once, on the Core tables: the ORM's UPDATE built per call and synchronising the session
# (``evaluate``) cost about 1 ms of a nightly roll's ~20, more than the statement itself.  No
# caller reads ``due_at`` from a loaded athlete in the same transaction.
_SET_DUE_IF = (
    update(athletes)
    .where(
        athletes.c.id == bindparam("aid", type_=Integer),
        athletes.c.timezone == bindparam("zone", type_=String),
        exists().where(
            athlete_views.c.athlete_id == bindparam("aid", type_=Integer),
            athlete_views.c.as_of == bindparam("day", type_=Date),
        ),
    )
    .values(due_at=bindparam("due", type_=STAMP))
)


def set_due_if(
    session: Session, athlete_id: int, due_at: datetime | None, zone: str, view_day: date
) -> bool:
    """``set_due`` in one statement when the athlete's zone is still ``zone`` and their view's
    day ``view_day`` (``due_at`` was computed from them); False, nothing written, otherwise."""
    params = {"aid": athlete_id, "zone": zone, "day": view_day, "due": due_at}
    done: int = session.execute(_SET_DUE_IF, params).rowcount  # type: ignore[attr-defined]
    return done > 0


def postpone_due(
    session: Session, athlete_ids: Sequence[int], until: datetime, now: datetime
) -> int:
    """Move ``due_at`` to ``until`` for those of these athletes still due at ``now`` (an
    athlete an evaluation has set a later instant for meanwhile is left alone); how many."""
    if not athlete_ids:
        return 0
    result = session.execute(
        update(Athlete)
        .where(Athlete.id.in_(athlete_ids))
        .where(or_(Athlete.due_at.is_(None), Athlete.due_at <= now))
        .values(due_at=until)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def zone_of(session: Session, athlete_id: int) -> str | None:
    """The athlete's time zone; None when there is no such athlete."""
    tz: str | None = session.scalar(select(Athlete.timezone).where(Athlete.id == athlete_id))
    return tz
