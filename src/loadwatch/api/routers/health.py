"""Liveness and database reachability; no authentication."""

from __future__ import annotations

from fastapi import APIRouter

from loadwatch import __version__
from loadwatch.api.deps import StateDep
from loadwatch.errors import SchedulerStopped
from loadwatch.schemas.system import Health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={
        503: {
            "description": "the database does not answer (`storage-unavailable`), or the "
            "background timers this process runs stopped (`scheduler-stopped`, with why)"
        }
    },
)
def health(state: StateDep) -> Health:
    """Liveness: the version, and whether the database answers (503 when it does not); where
    this process runs the background timers, whether they still run (503 ``scheduler-stopped``
    with the reason when their thread died or a timed job is long overdue).  No token
    needed."""
    state.store.ping()  # StoreError → 503
    if state.scheduler is not None and (why := state.scheduler.problem()) is not None:
        raise SchedulerStopped(why)
    return Health(status="ok", version=__version__, database="ok")
