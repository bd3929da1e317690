"""The coach's triage: one row per visible athlete, most concerning first."""

from __future__ import annotations

from fastapi import APIRouter

from loadwatch.api.deps import CurrentUser, SessionDep
from loadwatch.schemas.dashboard import Dashboard
from loadwatch.services import dashboard as triage

router = APIRouter(tags=["dashboard"])


@router.get("/dashboard", response_model=Dashboard)
def dashboard(user: CurrentUser, session: SessionDep) -> Dashboard:
    """Per athlete: the most important current flag's sentence (`reason`), its `severity` and
    the `dimensions` involved; days since the last run and the last upload (`stale` after a
    week without one); the next-run headroom per dimension; the 7-day/28-day ratios and the
    weekly distance of the last 8 weeks.  "Current" means open and dated within the last
    `current_days` of the athlete's today: older flags are history (`older_open`), and an
    athlete with nothing current is quiet.  Sorted by current concern."""
    return triage.dashboard(session, user)
