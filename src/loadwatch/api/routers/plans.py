"""Return-to-run plans: open one (a coach or the athlete), read them and the caps in force,
end the open one (docs/rehab.md)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, status

from loadwatch.api.deps import AthleteDep, CurrentUser, SessionDep, StateDep
from loadwatch.api.query import DayRangeDep, PagingDep, page_of
from loadwatch.clock import local_today
from loadwatch.errors import NotFound
from loadwatch.schemas.rehab import PlanEnd, PlanIn, PlanList
from loadwatch.schemas.rehab_status import PlanOut, RehabStatus
from loadwatch.services.changes import reevaluate
from loadwatch.services.rehab import end_plan, plan_out, plans_of, start_plan
from loadwatch.services.status import athlete_status

router = APIRouter(tags=["plans"])


@router.post(
    "/athletes/{athlete_id}/plans",
    response_model=PlanOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "an open plan starts on or after this one"}},
)
def post_plan(
    athlete: AthleteDep, body: PlanIn, user: CurrentUser, session: SessionDep, state: StateDep
) -> PlanOut:
    """Open a plan from ``start_date``; an open plan ends the day before."""
    plan = start_plan(session, athlete, body, by=user.id)
    reevaluate(state.on_import, session, athlete.id, body.start_date)
    return plan_out(plan, local_today(athlete.timezone))


@router.get("/athletes/{athlete_id}/plans", response_model=PlanList)
def get_plans(
    athlete: AthleteDep, session: SessionDep, paging: PagingDep, days: DayRangeDep
) -> PlanList:
    """The athlete's plans, newest first; with ``from``/``to``, those in force on a day of
    the range.  One page at a time."""
    today = local_today(athlete.timezone)
    data = [
        plan_out(p, today)
        for p in reversed(plans_of(session, athlete.id))
        if days.overlaps(p.start_date, p.end_date)
    ]
    return PlanList(
        data=page_of(data, paging), count=len(data), limit=paging.limit, offset=paging.offset
    )


@router.get("/athletes/{athlete_id}/plans/current", response_model=RehabStatus)
def get_current_plan(athlete: AthleteDep, session: SessionDep) -> RehabStatus:
    """The caps in force today and why, what is left this week and in the next run (the
    smaller of the plan and the rules), the latest response and the pain trend."""
    st = athlete_status(session, athlete.id)
    if st.rehab is None or st.rehab.caps is None:
        raise NotFound(f"{athlete.name} has no plan in force")
    return st.rehab


@router.post("/athletes/{athlete_id}/plans/current/end", response_model=PlanOut)
def post_end_plan(
    athlete: AthleteDep, session: SessionDep, state: StateDep, body: PlanEnd | None = None
) -> PlanOut:
    """End the open plan on ``on`` (default: the athlete's today); flags are re-evaluated
    from the day after."""
    plan = end_plan(session, athlete, on=body.on if body else None)
    assert plan.end_date is not None
    reevaluate(state.on_import, session, athlete.id, plan.end_date + timedelta(days=1))
    return plan_out(plan, local_today(athlete.timezone))
