"""Athletes: create (coaches are linked to what they create), read, configure, link coaches."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from loadwatch import auth
from loadwatch.api.deps import (
    MAX_ID,
    AdminUser,
    AthleteDep,
    CurrentUser,
    SessionDep,
    StaffUser,
    StateDep,
)
from loadwatch.api.query import PagingDep, page_of
from loadwatch.errors import InvalidRequest
from loadwatch.schemas.athletes import (
    AthleteCoaches,
    AthleteCreate,
    AthleteList,
    AthleteOut,
    AthletePatch,
)
from loadwatch.services.athletes import KEEP, athlete_out, change_athlete
from loadwatch.services.athletes import create_athlete as create
from loadwatch.services.changes import committed
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete

router = APIRouter(tags=["athletes"])


@router.post("/athletes", response_model=AthleteOut, status_code=status.HTTP_201_CREATED)
def create_athlete(body: AthleteCreate, user: StaffUser, session: SessionDep) -> AthleteOut:
    """Create an athlete (admins and coaches); a coach is linked to the athletes they
    create."""
    athlete = create(
        session,
        name=body.name,
        timezone=body.timezone,
        fast_speed_mps=body.fast_threshold,
        thresholds=body.thresholds,
    )
    if user.role == "coach":
        auth.link_coach(session, user, athlete)
    return athlete_out(session, athlete)


@router.get("/athletes", response_model=AthleteList)
def list_athletes(user: CurrentUser, session: SessionDep, paging: PagingDep) -> AthleteList:
    """The athletes the caller can see (an admin: all; a coach: the linked ones; an athlete:
    themselves), one page at a time."""
    visible = auth.visible_athletes(session, user)
    rows = [athlete_out(session, a) for a in page_of(visible, paging)]
    return AthleteList(data=rows, count=len(visible), limit=paging.limit, offset=paging.offset)


@router.get("/athletes/{athlete_id}", response_model=AthleteOut)
def get_athlete(athlete: AthleteDep, session: SessionDep) -> AthleteOut:
    """One athlete: time zone, fast threshold, rule overrides and the heart rates TRIMP is
    computed with (the coach's, or estimated: ``hr_profile.hr_source``)."""
    return athlete_out(session, athlete)


@router.patch("/athletes/{athlete_id}", response_model=AthleteOut)
def patch_athlete(
    athlete: AthleteDep, body: AthletePatch, user: StaffUser, session: SessionDep, state: StateDep
) -> AthleteOut:
    """Change the fields sent (admins and coaches); a new time zone, fast threshold (null:
    derive it from the athlete's running), rule overrides or heart rates (``resting_hr``,
    ``max_hr``, ``sex``; null: estimated) re-evaluate the whole history, and new heart rates
    recompute every activity's ``hr_load``."""
    fields = body.model_fields_set
    # Explicit nulls: a name or a zone cannot be removed; a null fast threshold goes back to
    # the derived one, null rule thresholds back to the defaults.
    for field in ("name", "timezone", "weekly_summary"):
        if field in fields and getattr(body, field) is None:
            raise InvalidRequest(f"{field} cannot be null")
    day = change_athlete(
        session,
        athlete,
        name=body.name,
        timezone=body.timezone,
        fast_threshold=body.fast_threshold if "fast_threshold" in fields else KEEP,
        thresholds=(body.thresholds or {}) if "thresholds" in fields else None,
        weekly_summary=body.weekly_summary,
        resting_hr=body.resting_hr if "resting_hr" in fields else KEEP,
        max_hr=body.max_hr if "max_hr" in fields else KEEP,
        sex=body.sex if "sex" in fields else KEEP,
    )
    committed(state.on_import, session, athlete.id, day)
    return athlete_out(session, athlete)


def _coaches(session: Session, athlete: Athlete) -> AthleteCoaches:
    return AthleteCoaches(
        athlete_id=athlete.id, coach_ids=[c.id for c in auth.coaches_of(session, athlete.id)]
    )


UserId = Annotated[int, Path(description="the coach's user id", ge=1, le=MAX_ID)]


@router.post("/athletes/{athlete_id}/coaches/{user_id}", response_model=AthleteCoaches)
def link_coach(
    athlete: AthleteDep, user_id: UserId, _admin: AdminUser, session: SessionDep
) -> AthleteCoaches:
    """Let a coach see and manage this athlete (admins only); idempotent."""
    auth.link_coach(session, auth.coach_user(session, user_id), athlete)
    return _coaches(session, athlete)


@router.delete("/athletes/{athlete_id}/coaches/{user_id}", response_model=AthleteCoaches)
def unlink_coach(
    athlete: AthleteDep, user_id: UserId, _admin: AdminUser, session: SessionDep
) -> AthleteCoaches:
    """Stop a coach seeing this athlete (admins only); idempotent."""
    auth.unlink_coach(session, auth.coach_user(session, user_id), athlete)
    return _coaches(session, athlete)
