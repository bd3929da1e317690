"""Liveness and database reachability; no authentication."""

from __future__ import annotations

from fastapi import APIRouter

from loadwatch import __version__
from loadwatch.api.deps import StoreDep
from loadwatch.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(store: StoreDep) -> Health:
    store.ping()  # StoreError → 503
    return Health(status="ok", version=__version__, database="ok")
