"""Users, their token digests and coach↔athlete links: the rows behind ``loadwatch.auth``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, exists, func, literal, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loadwatch.errors import Conflict, NotFound
from loadwatch.store.models import Athlete, CoachAthlete, User


def add(session: Session, user: User) -> User:
    """Insert ``user`` (flushed); a taken name is a ``Conflict`` and the caller's transaction
    stays usable (a savepoint)."""
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as e:
        raise Conflict(f"a user named {user.name!r} already exists") from e
    return user


def by_token_hash(session: Session, digest: str) -> User | None:
    return session.scalars(select(User).where(User.token_hash == digest)).one_or_none()


def by_name(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(User.name == name.strip())).one_or_none()
    if user is None:
        raise NotFound(f"no user named {name.strip()!r}")
    return user


def by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def remove(session: Session, user: User) -> None:
    session.delete(user)
    session.flush()


def list_all(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def count(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


# --- visibility ---------------------------------------------------------------------------
def may_see(user_id: Any, role: Any, own_athlete_id: Any, athlete_id: Any) -> ColumnElement[bool]:
    """Who may see an athlete, the one rule: an admin everyone, a coach the athletes linked to
    them, an athlete themself.  Over columns (a join with ``User``) or plain values alike."""
    linked = exists().where(
        and_(CoachAthlete.coach_id == user_id, CoachAthlete.athlete_id == athlete_id)
    )
    return or_(
        role == "admin",
        and_(role == "coach", linked),
        and_(role == "athlete", own_athlete_id == athlete_id),
    )


def _user_sees(user: User, athlete_id: Any) -> ColumnElement[bool]:
    return may_see(literal(user.id), literal(user.role), literal(user.athlete_id), athlete_id)


def visible_ids_query(user: User) -> Select[int]:
    """SELECT of the athlete ids ``user`` may see (for ``IN (...)`` filters in this package)."""
    return select(Athlete.id).where(_user_sees(user, Athlete.id))


def can_see(session: Session, user: User, athlete_id: int) -> bool:
    """Whether ``user`` may see the athlete (who need not exist: then no one does)."""
    query = select(Athlete.id).where(Athlete.id == athlete_id, _user_sees(user, Athlete.id))
    return session.scalar(query) is not None


def visible_athlete_ids(session: Session, user: User) -> list[int]:
    return sorted(session.scalars(visible_ids_query(user)))


def visible_athletes(session: Session, user: User) -> list[Athlete]:
    query = select(Athlete).where(Athlete.id.in_(visible_ids_query(user))).order_by(Athlete.name)
    return list(session.scalars(query))


def is_linked(session: Session, coach_id: int, athlete_id: int) -> bool:
    return session.get(CoachAthlete, (coach_id, athlete_id)) is not None


def link(session: Session, coach_id: int, athlete_id: int) -> None:
    if not is_linked(session, coach_id, athlete_id):
        session.add(CoachAthlete(coach_id=coach_id, athlete_id=athlete_id))
        session.flush()


def unlink(session: Session, coach_id: int, athlete_id: int) -> None:
    session.execute(
        delete(CoachAthlete).where(
            CoachAthlete.coach_id == coach_id, CoachAthlete.athlete_id == athlete_id
        )
    )


def coaches_of(session: Session, athlete_id: int) -> list[User]:
    query = (
        select(User)
        .join(CoachAthlete, CoachAthlete.coach_id == User.id)
        .where(CoachAthlete.athlete_id == athlete_id)
        .order_by(User.name)
    )
    return list(session.scalars(query))
