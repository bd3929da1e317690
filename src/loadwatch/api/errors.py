"""The one place that turns ``LoadwatchError`` subclasses into HTTP responses.

Routes raise domain errors and never build error responses themselves.  Bodies are
``{"detail": "<one line>"}`` like FastAPI's own errors; no traceback ever reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from loadwatch.errors import (
    Conflict,
    Forbidden,
    IngestError,
    InputTooLarge,
    InvalidRequest,
    LoadwatchError,
    NotFound,
    Overloaded,
    StoreError,
    TooManyAttempts,
    Unauthorized,
)

log = logging.getLogger(__name__)

# Most specific first: InputTooLarge is an IngestError, and must win over it.
STATUS: tuple[tuple[type[LoadwatchError], int], ...] = (
    (NotFound, 404),
    (TooManyAttempts, 429),
    (Unauthorized, 401),
    (Forbidden, 403),
    (InputTooLarge, 413),
    (InvalidRequest, 422),
    (Conflict, 409),
    (IngestError, 422),
    (StoreError, 503),
)


def status_of(exc: LoadwatchError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


async def _loadwatch_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LoadwatchError)
    status = status_of(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_s)}
    if isinstance(exc, Overloaded):
        # Overload: say when to come back rather than fail; the client's retry will do.
        log.warning("busy, answering 503: %s", exc)
        return JSONResponse(
            {"detail": "busy, retry shortly"},
            status_code=503,
            headers={"Retry-After": str(exc.retry_after_s)},
        )
    if status >= 500:
        # The server's fault, not the caller's: worth a log line, still no traceback in the body.
        log.error("%s: %s", type(exc).__name__, exc)
        detail = "storage unavailable" if status == 503 else "internal error"
    else:
        detail = str(exc) or type(exc).__name__
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "description": "one line saying why"}},
}


def _document_error_bodies(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The spec as FastAPI builds it, plus the bodies of our own errors: a 422 is either
    FastAPI's list of validation errors or our one-line ``detail``, and every status in
    ``STATUS`` may answer ``{"detail": "..."}``."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        spec.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        ours = {"$ref": "#/components/schemas/Error"}
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                responses = op.setdefault("responses", {})
                for code in sorted({str(status) for _cls, status in STATUS}):
                    if code not in responses:
                        continue  # only statuses the route documents
                    content = responses[code].setdefault("content", {})
                    media = content.setdefault("application/json", {})
                    theirs = media.get("schema")
                    if theirs is None and code == "422":
                        # A route that documents its own 422 still gets FastAPI's
                        # validation errors for a malformed request.
                        theirs = {"$ref": "#/components/schemas/HTTPValidationError"}
                    media["schema"] = {"anyOf": [theirs, ours]} if theirs else ours
        app.openapi_schema = spec
        return spec

    return openapi


def install(app: FastAPI) -> None:
    app.add_exception_handler(LoadwatchError, _loadwatch_error)
    app.openapi = _document_error_bodies(app)  # type: ignore[method-assign]
