"""Annotated dependencies: routes declare what they need and get it validated.

``AthleteDep``/``ActivityDep``/``FlagDep``/``WebhookDep`` load the object by its path id *and*
check that the caller may see it, raising ``NotFound`` otherwise, so no route repeats a 404
check.  ``StaffUser``/``AdminUser`` add a role check on top (``Forbidden``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from loadwatch import auth
from loadwatch.api.login_limit import keys_for
from loadwatch.api.state import AppState
from loadwatch.errors import NotFound, TooManyAttempts, Unauthorized
from loadwatch.netguard import Resolver, system_resolver
from loadwatch.services.activities import find_activity
from loadwatch.services.flag_list import flag_by_id
from loadwatch.services.webhooks import webhook_of
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity, Athlete, Flag, User, Webhook

# Row ids are 32-bit integers on PostgreSQL (64-bit on SQLite): a larger path id can name no
# row, and would overflow the driver (a 500) if it reached the database.
MAX_ID = 2**31 - 1


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.loadwatch
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_store(state: StateDep) -> Store:
    return state.store


StoreDep = Annotated[Store, Depends(get_store)]


_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request, store: StoreDep) -> Iterator[Session]:
    """One session per request, passed down to everything the route calls, committed when the
    route returns normally.  A request that may write gets a write session (SQLite: begun
    IMMEDIATE, so concurrent writers queue on the lock instead of failing to upgrade).

    Used with ``scope="function"`` so the commit happens *before* the response is sent: a
    failed commit becomes an error response, never a 2xx for data that was not stored.
    """
    with store.unit(write=request.method not in _READS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]

_bearer = HTTPBearer(auto_error=False, description="a token from `loadwatch user add`")


def get_current_user(
    request: Request,
    state: StateDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    token = credentials.credentials if credentials else None
    if not token:  # no attempt at all: nothing to count
        return auth.authenticate(session, token)
    keys = keys_for(request.client.host if request.client else None, token)
    # Checked before the token: while blocked, even a right guess is refused.
    wait = state.failed_logins.retry_after(keys)
    if wait is not None:
        raise TooManyAttempts(wait)
    try:
        return auth.authenticate(session, token)
    except Unauthorized:
        state.failed_logins.failed(keys)
        raise


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_staff_user(user: CurrentUser) -> User:
    auth.require_role(user, "admin", "coach")
    return user


def get_admin_user(user: CurrentUser) -> User:
    auth.require_role(user, "admin")
    return user


StaffUser = Annotated[User, Depends(get_staff_user)]
AdminUser = Annotated[User, Depends(get_admin_user)]


def get_athlete(
    athlete_id: Annotated[int, Path(description="athlete id", ge=1, le=MAX_ID)],
    user: CurrentUser,
    session: SessionDep,
) -> Athlete:
    return auth.get_visible_athlete(session, user, athlete_id)


AthleteDep = Annotated[Athlete, Depends(get_athlete)]


def get_checkin_athlete(
    athlete_id: Annotated[int, Path(description="athlete id", ge=1, le=MAX_ID)],
    request: Request,
    state: StateDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Athlete:
    """The athlete of a check-in route: a personal link's token for its own athlete (any
    other id is a 404), or a user who may see the athlete (docs/checkin.md)."""
    token = credentials.credentials if credentials else None
    if not auth.is_checkin_token(token):
        user = get_current_user(request, state, session, credentials)
        return auth.get_visible_athlete(session, user, athlete_id)
    assert token is not None
    keys = keys_for(request.client.host if request.client else None, token)
    wait = state.failed_logins.retry_after(keys)
    if wait is not None:
        raise TooManyAttempts(wait)
    try:
        return auth.checkin_athlete(session, token, athlete_id)
    except Unauthorized:
        state.failed_logins.failed(keys)
        raise


CheckinAthleteDep = Annotated[Athlete, Depends(get_checkin_athlete)]


def get_bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str | None:
    return credentials.credentials if credentials else None


BearerToken = Annotated[str | None, Depends(get_bearer_token)]


def get_staff_athlete(athlete: AthleteDep, user: StaffUser) -> Athlete:
    """An athlete the caller sees (404 otherwise) and a coach's or admin's role (403)."""
    return athlete


StaffAthleteDep = Annotated[Athlete, Depends(get_staff_athlete)]


_Owned = TypeVar("_Owned", Activity, Flag)


def _visible_row(
    session: Session, user: User, row: _Owned | None, row_id: int, noun: str
) -> _Owned:
    """The row if it exists and its athlete is visible to ``user``; else one 404 for both, so
    a caller cannot tell another athlete's row from a missing one."""
    if row is None or not auth.can_see(session, user, row.athlete_id):
        raise NotFound(f"no {noun} with id {row_id}")
    return row


def get_activity(
    activity_id: Annotated[int, Path(description="activity id", ge=1, le=MAX_ID)],
    user: CurrentUser,
    session: SessionDep,
) -> Activity:
    return _visible_row(session, user, find_activity(session, activity_id), activity_id, "activity")


ActivityDep = Annotated[Activity, Depends(get_activity)]


def get_flag(
    flag_id: Annotated[int, Path(description="flag id", ge=1, le=MAX_ID)],
    user: CurrentUser,
    session: SessionDep,
) -> Flag:
    return _visible_row(session, user, flag_by_id(session, flag_id), flag_id, "flag")


FlagDep = Annotated[Flag, Depends(get_flag)]


def get_webhook(
    webhook_id: Annotated[int, Path(description="webhook id", ge=1, le=MAX_ID)],
    user: CurrentUser,
    session: SessionDep,
) -> Webhook:
    return webhook_of(session, user.id, webhook_id)


WebhookDep = Annotated[Webhook, Depends(get_webhook)]


def get_channel(
    channel_id: Annotated[int, Path(description="channel id", ge=1, le=MAX_ID)],
    user: CurrentUser,
    session: SessionDep,
) -> Webhook:
    return webhook_of(session, user.id, channel_id, "apprise")


ChannelDep = Annotated[Webhook, Depends(get_channel)]


def get_resolver() -> Resolver:
    """The DNS resolver the target guard uses; tests override this dependency (no network)."""
    return system_resolver


ResolverDep = Annotated[Resolver, Depends(get_resolver)]
