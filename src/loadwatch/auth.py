"""Accounts, bearer tokens and who may see what.

Tokens are random (``secrets``), shown once, and stored only as their SHA-256: a leaked database
does not leak credentials, and a token is 256 bits of entropy so an unsalted fast hash is enough.

Visibility is one rule used everywhere (API routes, dashboard, webhooks): an admin sees every
athlete, a coach the athletes linked to them, an athlete only themself.  What a caller cannot
see does not exist for them (``NotFound``), so ids never leak.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal, get_args

from loadwatch.errors import Forbidden, InvalidRequest, NotFound, Unauthorized
from loadwatch.store import athletes as athlete_store
from loadwatch.store import checkin_links, users
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, User

Role = Literal["admin", "coach", "athlete"]
ROLES: tuple[str, ...] = get_args(Role)
TOKEN_PREFIX = "lw_"
# Personal check-in links (docs/checkin.md) carry their own prefix: the check-in routes tell
# them from users' tokens without a second lookup, and every other route refuses them (401).
CHECKIN_PREFIX = "lwc_"
MAX_USER_NAME = 200


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session, name: str, role: str, *, athlete_id: int | None = None
) -> tuple[User, str]:
    """A new user and their bearer token (the only time it exists in clear)."""
    clean = name.strip()
    if not clean or len(clean) > MAX_USER_NAME:
        raise InvalidRequest(f"user name must be 1..{MAX_USER_NAME} characters")
    if role not in ROLES:
        raise InvalidRequest(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    if (role == "athlete") != (athlete_id is not None):
        raise InvalidRequest("an athlete user needs exactly one athlete; other roles none")
    if athlete_id is not None:
        athlete_store.get_athlete(session, athlete_id)  # NotFound
    token = new_token()
    user = User(name=clean, role=role, token_hash=hash_token(token), athlete_id=athlete_id)
    return users.add(session, user), token


def new_checkin_token() -> str:
    return CHECKIN_PREFIX + secrets.token_urlsafe(32)


def is_checkin_token(token: str | None) -> bool:
    return bool(token) and str(token).startswith(CHECKIN_PREFIX)


def checkin_athlete(session: Session, token: str, athlete_id: int) -> Athlete:
    """The athlete a personal link may check in for: its own, and no other.  An unknown or
    revoked link is ``Unauthorized``; another athlete's id is ``NotFound``, like any athlete
    the caller cannot see."""
    digest = hash_token(token)
    link = checkin_links.by_token_hash(session, digest)
    if (
        link is None
        or link.revoked_at is not None
        or not hmac.compare_digest(link.token_hash, digest)
    ):
        raise Unauthorized("invalid or revoked check-in link")
    if link.athlete_id != athlete_id:
        raise NotFound(f"no athlete with id {athlete_id}")
    return athlete_store.get_athlete(session, athlete_id)


def authenticate(session: Session, token: str | None) -> User:
    if not token:
        raise Unauthorized("missing bearer token")
    digest = hash_token(token)
    user = users.by_token_hash(session, digest)
    # The lookup is by digest, so timing reveals nothing about a valid token; the compare is
    # belt and braces against a collation that folds case.
    if user is None or not hmac.compare_digest(user.token_hash, digest):
        raise Unauthorized("invalid bearer token")
    return user


def get_user_by_name(session: Session, name: str) -> User:
    return users.by_name(session, name)


def rotate_token(session: Session, user: User) -> str:
    """A new token for ``user``; the old one stops working at once."""
    token = new_token()
    user.token_hash = hash_token(token)
    session.flush()
    return token


def remove_user(session: Session, user: User) -> None:
    """Delete the account: its token, links and webhooks go with it; flags stay."""
    users.remove(session, user)


def list_users(session: Session) -> list[User]:
    return users.list_all(session)


# --- roles --------------------------------------------------------------------------------
_A_ROLE = {"admin": "an admin", "coach": "a coach", "athlete": "an athlete"}


def require_role(user: User, *roles: str) -> None:
    """``Forbidden`` unless the user has one of ``roles``.  Callers check visibility first, so
    this never tells anyone that an invisible object exists."""
    if user.role not in roles:
        raise Forbidden(f"{_A_ROLE.get(user.role, user.role)} may not do this")


def is_staff(user: User) -> bool:
    return user.role in ("admin", "coach")


# --- visibility ---------------------------------------------------------------------------
def visible_athlete_ids(session: Session, user: User) -> list[int]:
    return users.visible_athlete_ids(session, user)


def visible_athletes(session: Session, user: User) -> list[Athlete]:
    return users.visible_athletes(session, user)


def can_see(session: Session, user: User, athlete_id: int) -> bool:
    """An admin sees everyone, a coach the athletes linked to them, an athlete themself: the
    rule is ``store.users.visible_ids_query``, here and in every list."""
    return users.can_see(session, user, athlete_id)


def get_visible_athlete(session: Session, user: User, athlete_id: int) -> Athlete:
    if not can_see(session, user, athlete_id):
        raise NotFound(f"no athlete with id {athlete_id}")
    return athlete_store.get_athlete(session, athlete_id)


# --- coach links --------------------------------------------------------------------------
def link_coach(session: Session, coach: User, athlete: Athlete) -> None:
    """Idempotent: linking twice is not an error."""
    if coach.role != "coach":
        raise InvalidRequest(f"user {coach.name!r} is a {coach.role}, not a coach")
    users.link(session, coach.id, athlete.id)


def unlink_coach(session: Session, coach: User, athlete: Athlete) -> None:
    """Idempotent: removing a link that does not exist is not an error."""
    users.unlink(session, coach.id, athlete.id)


def coaches_of(session: Session, athlete_id: int) -> list[User]:
    return users.coaches_of(session, athlete_id)


def has_users(session: Session) -> bool:
    return users.count(session) > 0


def coach_user(session: Session, user_id: int) -> User:
    """The user with this id, who must be a coach: ``NotFound`` or ``InvalidRequest``."""
    coach = users.by_id(session, user_id)
    if coach is None:
        raise NotFound(f"no user with id {user_id}")
    if coach.role != "coach":
        raise InvalidRequest(f"user {user_id} is a {coach.role}, not a coach")
    return coach
