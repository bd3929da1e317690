"""One activity's page: its numbers with their provenance, its streams for drawing, its fast
and uphill stretches and the flags it contributed to (``services.activity_detail``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from loadwatch.analytics.stretches import MAX_POINTS
from loadwatch.api.deps import ActivityDep, SessionDep, StateDep
from loadwatch.schemas.activities import ActivityDetail
from loadwatch.services.activity_detail import activity_detail

router = APIRouter(tags=["activities"])


@router.get(
    "/activities/{activity_id}/detail",
    response_model=ActivityDetail,
    responses={404: {"description": "no such activity, or not one the caller may see"}},
)
def get_activity_detail(
    activity: ActivityDep,
    session: SessionDep,
    state: StateDep,
    max_points: Annotated[
        int, Query(ge=2, le=MAX_POINTS, description="at most this many points per series")
    ] = MAX_POINTS,
) -> ActivityDetail:
    """The activity's numbers (each with its source: the device's own total, computed from
    the samples, or a training-log column), its pace, elevation and heart-rate series thinned
    to at most ``max_points`` points, where it ran fast (at the fast threshold of its day) and
    uphill (grade ≥ +3 %), and the flags of its day whose value includes it.  Without stored
    samples the series are empty and ``series.reason`` says why."""
    return activity_detail(state.store, session, activity, max_points=max_points)
