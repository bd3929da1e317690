"""Athletes: create (coaches are linked to what they create), read, configure, link coaches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from loadwatch import auth
from loadwatch.api.changes import first_day, reevaluate
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
from loadwatch.api.schemas import (
    AthleteCoaches,
    AthleteCreate,
    AthleteList,
    AthleteOut,
    AthletePatch,
)
from loadwatch.errors import InvalidRequest, LoadwatchError, NotFound
from loadwatch.rules.config import RuleConfig
from loadwatch.store import repo, users
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, User

router = APIRouter(tags=["athletes"])


def _check_thresholds(overrides: dict[str, Any]) -> dict[str, Any]:
    try:
        RuleConfig.from_overrides(overrides)
    except LoadwatchError as e:
        raise InvalidRequest(f"thresholds: {e}") from e
    except (ValueError, TypeError, KeyError) as e:
        raise InvalidRequest(f"thresholds: {' '.join(str(e).split())}") from e
    return overrides


@router.post("/athletes", response_model=AthleteOut, status_code=status.HTTP_201_CREATED)
def create_athlete(body: AthleteCreate, user: StaffUser, session: SessionDep) -> AthleteOut:
    """Create an athlete (admins and coaches); a coach is linked to the athletes they
    create."""
    athlete = Athlete(
        name=body.name,
        timezone=repo.check_timezone(body.timezone),
        fast_speed_mps=body.fast_threshold,
        thresholds=_check_thresholds(body.thresholds),
    )
    repo.save_athlete(session, athlete)
    if user.role == "coach":
        auth.link_coach(session, user, athlete)
    return AthleteOut.of(athlete)


@router.get("/athletes", response_model=AthleteList)
def list_athletes(user: CurrentUser, session: SessionDep, paging: PagingDep) -> AthleteList:
    """The athletes the caller can see (an admin: all; a coach: the linked ones; an athlete:
    themselves), one page at a time."""
    visible = auth.visible_athletes(session, user)
    rows = [AthleteOut.of(a) for a in page_of(visible, paging)]
    return AthleteList(data=rows, count=len(visible), limit=paging.limit, offset=paging.offset)


@router.get("/athletes/{athlete_id}", response_model=AthleteOut)
def get_athlete(athlete: AthleteDep) -> AthleteOut:
    """One athlete: time zone, fast threshold and rule overrides."""
    return AthleteOut.of(athlete)


@router.patch("/athletes/{athlete_id}", response_model=AthleteOut)
def patch_athlete(
    athlete: AthleteDep, body: AthletePatch, user: StaffUser, session: SessionDep, state: StateDep
) -> AthleteOut:
    """Change the fields sent (admins and coaches); a new time zone, fast threshold (null:
    derive it from the athlete's running) or rule overrides re-evaluate the whole history."""
    fields = body.model_fields_set
    if "name" in fields:
        if body.name is None:
            raise InvalidRequest("name cannot be null")
        athlete.name = body.name
        repo.save_athlete(session, athlete)
    moved = False
    if "timezone" in fields:
        if body.timezone is None:
            raise InvalidRequest("timezone cannot be null")
        moved |= athlete.timezone != repo.check_timezone(body.timezone)
        athlete.timezone = body.timezone
    if "fast_threshold" in fields:
        moved |= repo.set_fast_threshold(athlete, body.fast_threshold)
    if "thresholds" in fields:
        new = _check_thresholds(body.thresholds or {})
        moved |= new != athlete.thresholds
        athlete.thresholds = new
    # Any of these can change flags anywhere in the history: re-evaluate all of it.
    reevaluate(state, session, athlete.id, first_day(session, athlete.id) if moved else None)
    return AthleteOut.of(athlete)


def _coach(session: Session, user_id: int) -> User:
    coach = users.by_id(session, user_id)
    if coach is None:
        raise NotFound(f"no user with id {user_id}")
    if coach.role != "coach":
        raise InvalidRequest(f"user {user_id} is a {coach.role}, not a coach")
    return coach


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
    auth.link_coach(session, _coach(session, user_id), athlete)
    return _coaches(session, athlete)


@router.delete("/athletes/{athlete_id}/coaches/{user_id}", response_model=AthleteCoaches)
def unlink_coach(
    athlete: AthleteDep, user_id: UserId, _admin: AdminUser, session: SessionDep
) -> AthleteCoaches:
    """Stop a coach seeing this athlete (admins only); idempotent."""
    auth.unlink_coach(session, _coach(session, user_id), athlete)
    return _coaches(session, athlete)
