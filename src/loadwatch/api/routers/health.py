"""Liveness and database reachability; no authentication."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from loadwatch import __version__
from loadwatch.api.deps import SessionDep
from loadwatch.api.schemas import Health
from loadwatch.errors import StoreError

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(session: SessionDep) -> Health:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        raise StoreError(f"database unreachable: {e.__class__.__name__}") from e
    return Health(status="ok", version=__version__, database="ok")
