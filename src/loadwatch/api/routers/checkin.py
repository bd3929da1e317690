"""The athlete's check-in (docs/checkin.md): the view the phone page reads, the check-in it
posts, personal links a coach hands out and revokes, and an activity's session RPE.

The check-in routes take a personal link's scoped token (for its own athlete only: any other
athlete is a 404) or any user who may see the athlete; every other route refuses a link's
token (401)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from loadwatch.api.deps import (
    MAX_ID,
    ActivityDep,
    BearerToken,
    CheckinAthleteDep,
    CurrentUser,
    SessionDep,
    StaffAthleteDep,
    StateDep,
)
from loadwatch.api.query import PagingDep, page_of
from loadwatch.auth import is_checkin_token
from loadwatch.schemas.checkin import (
    ActivityEffortOut,
    ActivityRpeIn,
    CheckinIn,
    CheckinLinkCreated,
    CheckinLinkIn,
    CheckinLinkOut,
    CheckinLinkPage,
    CheckinOut,
    CheckinView,
)
from loadwatch.services.athletes import get_athlete
from loadwatch.services.changes import reevaluate
from loadwatch.services.checkin import check_in, checkin_view
from loadwatch.services.checkin_links import create_link, links_of, note_use, revoke_link
from loadwatch.services.effort import set_activity_rpe

router = APIRouter(tags=["check-in"])


@router.get("/athletes/{athlete_id}/checkin", response_model=CheckinView)
def get_checkin(athlete: CheckinAthleteDep, session: SessionDep) -> CheckinView:
    """What the check-in page shows: the latest run of the last three days (date, distance,
    pace, RPE), the entry of its day, whether the after-run or the morning questions are
    due, and today's plan caps or next-run limits."""
    return checkin_view(session, athlete)


@router.post(
    "/athletes/{athlete_id}/checkin",
    response_model=CheckinOut,
    responses={422: {"description": "pain or RPE outside 0-10, a future day, nothing given"}},
)
def post_checkin(
    athlete: CheckinAthleteDep,
    body: CheckinIn,
    session: SessionDep,
    state: StateDep,
    token: BearerToken,
) -> CheckinOut:
    """Store a check-in: pain during/after and the note on the run's local day (the symptom
    entry the rules read), the session RPE on the run; the next morning's pain on waking
    completes that entry.  Flags are evaluated again from that day."""
    out = check_in(session, athlete, body)
    if is_checkin_token(token):
        assert token is not None
        note_use(session, token)
    reevaluate(state.on_import, session, athlete.id, out.date)
    return out


@router.post(
    "/athletes/{athlete_id}/checkin-links",
    response_model=CheckinLinkCreated,
    status_code=status.HTTP_201_CREATED,
    responses={403: {"description": "only a coach or an admin hands out links"}},
)
def post_link(
    athlete: StaffAthleteDep, body: CheckinLinkIn, user: CurrentUser, session: SessionDep
) -> CheckinLinkCreated:
    """A new personal check-in link for the athlete: its token is in this response only."""
    return create_link(session, athlete, label=body.label, by=user.id)


@router.get(
    "/athletes/{athlete_id}/checkin-links",
    response_model=CheckinLinkPage,
    responses={403: {"description": "only a coach or an admin sees links"}},
)
def get_links(athlete: StaffAthleteDep, session: SessionDep, paging: PagingDep) -> CheckinLinkPage:
    """The athlete's check-in links, newest first, revoked ones too (never their tokens)."""
    links = links_of(session, athlete)
    return CheckinLinkPage(
        data=page_of(links, paging), count=len(links), limit=paging.limit, offset=paging.offset
    )


@router.delete(
    "/athletes/{athlete_id}/checkin-links/{link_id}",
    response_model=CheckinLinkOut,
    responses={403: {"description": "only a coach or an admin revokes links"}},
)
def delete_link(
    athlete: StaffAthleteDep,
    link_id: Annotated[int, Path(description="link id", ge=1, le=MAX_ID)],
    session: SessionDep,
) -> CheckinLinkOut:
    """Revoke the link at once: its token stops working on the next request."""
    return revoke_link(session, athlete, link_id)


@router.put(
    "/activities/{activity_id}/rpe",
    response_model=ActivityEffortOut,
    responses={422: {"description": "RPE outside 0-10 (CR-10, halves allowed)"}},
)
def put_rpe(
    activity: ActivityDep, body: ActivityRpeIn, session: SessionDep, state: StateDep
) -> ActivityEffortOut:
    """Set or clear the activity's session RPE (CR-10); its sRPE is RPE x moving minutes."""
    athlete = get_athlete(session, activity.athlete_id)
    out = set_activity_rpe(session, athlete, activity, body.rpe)
    reevaluate(state.on_import, session, athlete.id, out.date)
    return out
