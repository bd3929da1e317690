"""Liveness and database reachability; no authentication."""

from __future__ import annotations

from fastapi import APIRouter

from loadwatch import __version__
from loadwatch.api.deps import StoreDep
from loadwatch.schemas.system import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(store: StoreDep) -> Health:
    """Liveness: the version, and whether the database answers (503 when it does not).  No
    token needed."""
    store.ping()  # StoreError → 503
    return Health(status="ok", version=__version__, database="ok")
