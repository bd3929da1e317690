"""Flags: read an athlete's, acknowledge one (coaches and admins; athletes read only)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from loadwatch import auth
from loadwatch.api.deps import AthleteDep, CurrentUser, FlagDep, SessionDep
from loadwatch.api.schemas import FlagList
from loadwatch.clock import utcnow
from loadwatch.services.evaluation import FlagOut, flag_out, flags_of
from loadwatch.store import repo

router = APIRouter(tags=["flags"])


@router.get("/athletes/{athlete_id}/flags", response_model=FlagList)
def list_flags(
    athlete: AthleteDep, session: SessionDep, status: Literal["open", "all"] = "open"
) -> FlagList:
    data = flags_of(session, athlete, include_closed=status == "all")
    return FlagList(data=data, count=len(data))


@router.post("/flags/{flag_id}/ack", response_model=FlagOut)
def ack_flag(flag: FlagDep, user: CurrentUser, session: SessionDep) -> FlagOut:
    """Acknowledge a flag (idempotent: a second ack keeps the first one's author and time)."""
    # The athlete is told about the flag; acknowledging it is the coach's answer to it.
    auth.require_role(user, "admin", "coach")
    if flag.status == "open":
        flag.status = "acked"
        flag.acked_by = user.id
        flag.acked_at = utcnow()
    return flag_out(flag, repo.get_athlete(session, flag.athlete_id).name)
