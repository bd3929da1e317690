"""The coach's triage: one row per visible athlete, most concerning first, paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from loadwatch.api.deps import CurrentUser, SessionDep
from loadwatch.schemas.dashboard import Dashboard
from loadwatch.services import triage
from loadwatch.vocabulary import Concern

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_model=Dashboard)
def dashboard(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[
        int,
        Query(ge=1, le=triage.MAX_LIMIT, description="at most this many rows", examples=[100]),
    ] = triage.DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=200, description="the `next_cursor` of the previous page"),
    ] = None,
    concern: Annotated[
        Concern | None,
        Query(description="only athletes whose worst current flag is this (quiet: none)"),
    ] = None,
) -> Response:
    """Per athlete: the most important current flag's sentence (`reason`), its `severity` and
    the `dimensions` involved; days since the last run and the last upload (`stale` after a
    week without one); the next-run headroom per dimension; the 7-day/28-day ratios and the
    weekly distance of the last 8 weeks.  "Current" means open and dated within the last
    `current_days` of the athlete's today: older flags are history (`older_open`), and an
    athlete with nothing current is quiet.  Sorted by current concern; `evaluating` marks a
    row whose numbers wait for an evaluation.  Paged: follow `next_cursor`."""
    body = triage.page(session, user, limit=limit, cursor=cursor, concern=concern)
    # Rows are stored serialised by evaluation: the answer is their concatenation.
    return Response(content=body, media_type="application/json")
