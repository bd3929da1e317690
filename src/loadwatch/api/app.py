"""The coach API: ``create_app(settings | store)``.

The app never starts a scheduler (API workers may run many times over).  After a change (an
upload, an edit) it commits the pending row and hands the athletes to its job queue
(``services/jobs.py``): the answer never waits for an evaluation, and the faces say
"evaluating" until the queue has run it (``services/pending.py``).  The queue is the one the
settings name (``LOADWATCH_JOBS``), unless the caller passes one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from loadwatch import __version__, auth
from loadwatch.api import errors
from loadwatch.api.admission import Admission
from loadwatch.api.headers import SecurityHeaders
from loadwatch.api.query import reject_unknown_query
from loadwatch.api.routers import (
    activities,
    activity_detail,
    athletes,
    checkin,
    dashboard,
    flags,
    health,
    logs,
    me,
    notifications,
    pages,
    planned,
    plans,
    series,
    symptoms,
    webhooks,
)
from loadwatch.api.state import AppState
from loadwatch.config import Settings, get_settings
from loadwatch.scheduler.liveness import Liveness
from loadwatch.services.changes import ChangeHook
from loadwatch.services.decode_ahead import drop_pool
from loadwatch.services.jobs import JobQueue, change_hook, make_queue
from loadwatch.store.db import Store, open_store

log = logging.getLogger(__name__)

PREFIX = "/api/v1"

API_DESCRIPTION = """\
Send `Authorization: Bearer <token>` (a token from `loadwatch user add`) on every call but
`/health`.

**Lists** answer `{"data": [...], "count": N, "limit": L, "offset": K}`: `count` is every item
matching the filters; page on with `offset += limit` while `offset < count`.  Day filters are
`from`/`to`, inclusive, local days of the athlete.  A query parameter an operation does not
take is a 422.

**Errors** are RFC 9457 problem details (`application/problem+json`) with a stable `code`:
`{"type": "urn:loadwatch:problem:not-found", "title": "Not found", "status": 404,
"detail": "no activity with id 7", "instance": "/api/v1/activities/7", "code": "not-found"}`.

**Timestamps** are ISO 8601 in UTC to the second: `2026-08-24T06:30:00Z`; days are
`YYYY-MM-DD`.
"""


def _threads(settings: Settings, store: Store) -> int:
    return max(1, min(settings.api_threads, store.pool.size))


def _warn_without_users(store: Store) -> None:
    # No account is ever created implicitly (an open default admin would be the first thing
    # scanned for); say how to make one instead.
    with store.sessions() as session:
        if not auth.has_users(session):
            log.warning("no API users yet: create one with `loadwatch user add NAME --role admin`")


def create_app(
    source: Settings | Store | None = None,
    *,
    settings: Settings | None = None,
    on_import: ChangeHook | None = None,
    jobs: JobQueue | None = None,
    scheduler: Liveness | None = None,
) -> FastAPI:
    """An app over ``source``: a ``Store`` (owned by the caller, never closed here) or the
    ``Settings`` to open one from (opened now, closed at shutdown).  ``jobs`` (owned by the
    caller) runs the work after a change; without one the settings' queue is made now and
    closed at shutdown.  ``on_import`` replaces the queue's hook (a test's).  ``scheduler``: the
    timers this process runs (owned by the caller), which health then watches."""
    if isinstance(source, Store):
        store, owned = source, False
        settings = settings or get_settings()
    else:
        settings = source or settings or get_settings()
        store, owned = open_store(settings), True
    queue, owns_queue = (jobs, False) if jobs is not None else (make_queue(store, settings), True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Worker threads and database connections are sized together: a sync route (or a
        # dependency) holds at most one connection, so with no more threads than connections
        # no thread ever waits for a connection that another waiting thread holds.
        anyio.to_thread.current_default_thread_limiter().total_tokens = _threads(settings, store)
        _warn_without_users(store)
        try:
            yield
        finally:
            # uvicorn ends a SIGTERM by raising the signal again once this has run, which
            # kills the process without its exit handlers: the import pool's workers are
            # stopped here, or they outlive the server (trial9 F29).
            drop_pool(wait=True)
            if owns_queue:
                queue.close()
            if owned:
                store.close()

    app = FastAPI(
        title="loadwatch",
        version=__version__,
        summary="Training-load monitor for runners: athletes, activities, load series, flags.",
        description=API_DESCRIPTION,
        # /docs and /redoc are served from packaged assets by pages.py (FastAPI's load a CDN).
        docs_url=None,
        redoc_url=None,
        openapi_url=f"{PREFIX}/openapi.json",
        lifespan=lifespan,
    )
    app.state.loadwatch = AppState(
        store=store,
        settings=settings,
        on_import=on_import or change_hook(queue),
        jobs=queue,
        import_slots=anyio.Semaphore(settings.import_slots),
        scheduler=scheduler,
    )
    # Requests in flight ≤ worker threads ≤ connections: see ``api/admission.py``.
    app.add_middleware(Admission, limit=_threads(settings, store), wait_s=settings.admission_wait_s)
    errors.install(app)
    routers = (
        health,
        me,
        athletes,
        activities,
        activity_detail,
        logs,
        series,
        flags,
        symptoms,
        checkin,
        plans,
        planned,
        dashboard,
        webhooks,
        notifications,
    )
    for module in routers:
        # One check for every operation: a query parameter it does not declare is a 422.
        app.include_router(
            module.router, prefix=PREFIX, dependencies=[Depends(reject_unknown_query)]
        )
    app.include_router(pages.router)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_at_root() -> JSONResponse:
        # Where tools look first; the same document as /api/v1/openapi.json.
        return JSONResponse(app.openapi())

    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    app.mount("/docs/assets", StaticFiles(directory=pages.DOCS_ASSETS), name="docs-assets")
    app.add_middleware(SecurityHeaders)
    return app
