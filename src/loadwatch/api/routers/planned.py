"""Planned sessions, their pre-flight check and the calendar (docs/planning.md).

Not to be confused with ``plans`` (return-to-run plans, docs/rehab.md): a planned session is
one run on one day; a rehab plan sets the caps the check also applies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from loadwatch.api.deps import AthleteDep, CurrentUser, SessionDep, StateDep
from loadwatch.api.query import DayRangeDep, PagingDep, page_of
from loadwatch.clock import local_today
from loadwatch.schemas.planned import (
    CalendarOut,
    CheckIn,
    CheckOut,
    PlannedAdded,
    PlannedBatch,
    PlannedBody,
    PlannedEdited,
    PlannedList,
    PlannedPatch,
)
from loadwatch.services.calendar import calendar
from loadwatch.services.changes import committed
from loadwatch.services.planned import (
    add_sessions,
    delete_session,
    edit_session,
    list_sessions,
    past_note,
    planned_of,
    planned_out,
)
from loadwatch.services.preflight import check_proposal, check_stored
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, PlannedSession

router = APIRouter(tags=["planned sessions"])

MAX_ID = 2**31 - 1


def get_planned(
    athlete: AthleteDep,
    planned_id: Annotated[int, Path(description="planned session id", ge=1, le=MAX_ID)],
    session: SessionDep,
) -> PlannedSession:
    return planned_of(session, athlete, planned_id)


PlannedDep = Annotated[PlannedSession, Depends(get_planned)]


def _evaluate(state: StateDep, session: Session, athlete: Athlete) -> None:
    """Commit; evaluation then re-runs the check of what is planned (plan.at_risk)."""
    committed(state.on_import, session, athlete.id, local_today(athlete.timezone))


@router.post(
    "/athletes/{athlete_id}/planned",
    response_model=PlannedAdded,
    status_code=status.HTTP_201_CREATED,
)
def post_planned(
    athlete: AthleteDep,
    body: PlannedBody,
    user: CurrentUser,
    session: SessionDep,
    state: StateDep,
) -> PlannedAdded:
    """Plan one run, or several at once (``{"sessions": [...]}``: a week).  A named ``type``
    fills the fast km and climbing not given.  A day already past is kept, for the calendar,
    and ``note`` says so (as ``plan add`` does): the pre-flight check judges days to come."""
    entries = body.sessions if isinstance(body, PlannedBatch) else [body]
    rows = add_sessions(session, athlete, entries, by=user.id)
    out = [planned_out(r) for r in rows]
    note = past_note(athlete, [r.date for r in rows])
    _evaluate(state, session, athlete)
    return PlannedAdded(data=out, count=len(out), limit=len(out), offset=0, note=note)


@router.get("/athletes/{athlete_id}/planned", response_model=PlannedList)
def get_planned_list(
    athlete: AthleteDep, session: SessionDep, paging: PagingDep, days: DayRangeDep
) -> PlannedList:
    """The athlete's planned sessions by day (``from``/``to`` to choose days)."""
    data = [planned_out(r) for r in list_sessions(session, athlete, days.start, days.end)]
    return PlannedList(
        data=page_of(data, paging), count=len(data), limit=paging.limit, offset=paging.offset
    )


@router.patch("/athletes/{athlete_id}/planned/{planned_id}", response_model=PlannedEdited)
def patch_planned(
    athlete: AthleteDep,
    row: PlannedDep,
    body: PlannedPatch,
    session: SessionDep,
    state: StateDep,
) -> PlannedEdited:
    """Change a planned session; the fields not given keep their values.  A session moved to
    (or left on) a day already past is kept, and ``past_note`` says so, as POST's ``note``."""
    edited = edit_session(session, athlete, row, body)
    out = PlannedEdited(
        **planned_out(edited).model_dump(), past_note=past_note(athlete, [edited.date])
    )
    _evaluate(state, session, athlete)
    return out


@router.delete(
    "/athletes/{athlete_id}/planned/{planned_id}", status_code=status.HTTP_204_NO_CONTENT
)
def delete_planned(
    athlete: AthleteDep, row: PlannedDep, session: SessionDep, state: StateDep
) -> None:
    """Remove a planned session."""
    delete_session(session, athlete, row)
    _evaluate(state, session, athlete)


@router.post("/athletes/{athlete_id}/planned/check", response_model=CheckOut)
def post_check(athlete: AthleteDep, body: CheckIn, session: SessionDep) -> CheckOut:
    """The pre-flight check of a proposal (nothing is stored): each run judged on top of the
    real history by the rules (and a return-to-run plan's caps) that will judge it once run,
    the largest version of it that raises nothing, and the 7-day windows of the whole set."""
    return check_proposal(session, athlete, body.sessions)


@router.get("/athletes/{athlete_id}/planned/check", response_model=CheckOut)
def get_check(athlete: AthleteDep, session: SessionDep, days: DayRangeDep) -> CheckOut:
    """The pre-flight check of the stored sessions to come (``from``/``to`` to choose days;
    every session to come still weighs on the others)."""
    return check_stored(session, athlete, days.start, days.end)


@router.get("/athletes/{athlete_id}/calendar", response_model=CalendarOut)
def get_calendar(athlete: AthleteDep, session: SessionDep, days: DayRangeDep) -> CalendarOut:
    """Planned against actual per day (default: six weeks from the Monday two weeks back):
    compliance in TrainingPeaks' bands, the day's flags and pain, and the sessions to come the
    pre-flight check flags (``at_risk``)."""
    return calendar(session, athlete, days.start, days.end)
