"""Symptom entries: log pain (the athlete, a linked coach or an admin) and read them back with
the response each was classified as (docs/rehab.md)."""

from __future__ import annotations

from fastapi import APIRouter, status

from loadwatch.api.deps import AthleteDep, SessionDep, StateDep
from loadwatch.api.query import DayRangeDep, PagingDep, page_of
from loadwatch.schemas.rehab import SymptomIn, SymptomOut, SymptomPage
from loadwatch.services.changes import reevaluate
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.rehab import add_symptom, symptom_list

router = APIRouter(tags=["symptoms"])


@router.post(
    "/athletes/{athlete_id}/symptoms",
    response_model=SymptomOut,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "pain outside 0-10, a future date, no pain value"}},
)
def post_symptom(
    athlete: AthleteDep, body: SymptomIn, session: SessionDep, state: StateDep
) -> SymptomOut:
    """Create or complete the entry of ``date``: fields not sent keep what that day's entry
    holds, so the next morning's pain completes the evening's entry.  Flags are re-evaluated
    from that day."""
    add_symptom(session, athlete, body, source="api")
    reevaluate(state.on_import, session, athlete.id, body.date)
    listed = symptom_list(evaluation_inputs(session, athlete.id, None))
    return next(e for e in listed.data if e.date == body.date)


@router.get("/athletes/{athlete_id}/symptoms", response_model=SymptomPage)
def get_symptoms(
    athlete: AthleteDep, session: SessionDep, paging: PagingDep, days: DayRangeDep
) -> SymptomPage:
    """Newest first, each with its response, dated within ``from``..``to`` when given, one
    page at a time; the tolerated and provoking load per dimension (from every entry)."""
    listed = symptom_list(evaluation_inputs(session, athlete.id, None))
    data = [e for e in listed.data if days.holds(e.date)]
    return SymptomPage(
        data=page_of(data, paging),
        count=len(data),
        limit=paging.limit,
        offset=paging.offset,
        tolerance=listed.tolerance,
    )
