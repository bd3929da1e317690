"""Who the token belongs to, and what they can see."""

from __future__ import annotations

from fastapi import APIRouter

from loadwatch import auth
from loadwatch.api.deps import CurrentUser, SessionDep
from loadwatch.schemas.system import Me

router = APIRouter(tags=["me"])


@router.get("/me", response_model=Me)
def me(user: CurrentUser, session: SessionDep) -> Me:
    """Who the token belongs to: name, role, and the athletes this user can see."""
    ids = auth.visible_athlete_ids(session, user)
    return Me(
        id=user.id,
        name=user.name,
        role=user.role,
        athlete_id=user.athlete_id,
        athlete_ids=sorted(ids),
    )
