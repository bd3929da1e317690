"""Flags and episodes: read an athlete's, acknowledge flags one or many (coaches and admins;
athletes read only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from loadwatch import auth
from loadwatch.api.deps import AthleteDep, CurrentUser, FlagDep, SessionDep
from loadwatch.api.query import DayRangeDep, PagingDep, page_of
from loadwatch.errors import NotFound
from loadwatch.schemas.flags import EpisodeList, FlagAck, FlagList, FlagOut
from loadwatch.services.acknowledge import acknowledge, flags_by_ids
from loadwatch.services.athletes import get_athlete
from loadwatch.services.episode_list import episodes_of
from loadwatch.services.flag_list import flag_out, flags_of
from loadwatch.vocabulary import LIVE_EPISODE, OPEN, EpisodeStatus, FlagStatus

router = APIRouter(tags=["flags"])

FlagFilter = Literal[FlagStatus, "all"]
EpisodeFilter = Literal["live", EpisodeStatus, "all"]


@router.get("/athletes/{athlete_id}/flags", response_model=FlagList)
def list_flags(
    athlete: AthleteDep,
    session: SessionDep,
    paging: PagingDep,
    days: DayRangeDep,
    status: Annotated[FlagFilter, Query(description="one status, or all", examples=[OPEN])] = OPEN,
) -> FlagList:
    """The athlete's flags of one status (``open`` by default: the present), or ``all``,
    dated within ``from``..``to`` when given, one page at a time."""
    found = flags_of(session, athlete, statuses=None if status == "all" else (status,))
    data = [f for f in found if days.holds(f.date)]
    return FlagList(
        data=page_of(data, paging), count=len(data), limit=paging.limit, offset=paging.offset
    )


@router.get("/athletes/{athlete_id}/episodes", response_model=EpisodeList)
def list_episodes(
    athlete: AthleteDep,
    session: SessionDep,
    paging: PagingDep,
    days: DayRangeDep,
    status: Annotated[
        EpisodeFilter, Query(description="live (open or acknowledged), one status, or all")
    ] = "live",
) -> EpisodeList:
    """The athlete's episodes, newest first, each with its flags: ``live`` (open or
    acknowledged: the present) by default, one status, or ``all``; with ``from``/``to``, those
    with a flag within the range."""
    wanted: Sequence[EpisodeStatus] | None
    if status == "live":
        wanted = LIVE_EPISODE
    elif status == "all":
        wanted = None
    else:
        wanted = (status,)
    found = episodes_of(session, athlete, wanted)
    data = [e for e in found if days.overlaps(e.first, e.last)]
    return EpisodeList(
        data=page_of(data, paging), count=len(data), limit=paging.limit, offset=paging.offset
    )


@router.post("/flags/{flag_id}/ack", response_model=FlagOut)
def ack_flag(flag: FlagDep, user: CurrentUser, session: SessionDep) -> FlagOut:
    """Acknowledge a flag (idempotent: a second ack keeps the first one's author and time)."""
    # The athlete is told about the flag; acknowledging it is the coach's answer to it.
    auth.require_role(user, "admin", "coach")
    acknowledge(session, [flag], by=user.id)
    return flag_out(flag, get_athlete(session, flag.athlete_id).name)


@router.post("/flags/ack", response_model=FlagList)
def ack_flags(body: FlagAck, user: CurrentUser, session: SessionDep) -> FlagList:
    """Acknowledge several flags at once, all or none: an id the caller cannot see is a 404
    for the whole request.  Idempotent per flag, like the single acknowledge."""
    flags = flags_by_ids(session, body.ids)
    for f in flags:
        if not auth.can_see(session, user, f.athlete_id):
            raise NotFound(f"no flag with id {f.id}")
    auth.require_role(user, "admin", "coach")
    acknowledge(session, flags, by=user.id)
    names = {aid: get_athlete(session, aid).name for aid in {f.athlete_id for f in flags}}
    data = [flag_out(f, names[f.athlete_id]) for f in flags]
    return FlagList(data=data, count=len(data), limit=len(data), offset=0)
