"""The one place that turns every error into an HTTP response: RFC 9457 problem details.

Routes raise domain errors and never build error responses themselves.  Every error body,
whatever raised it (a ``LoadwatchError``, FastAPI's request validation, Starlette's 404/405,
the admission gate's 503, a bug), is ``application/problem+json``::

    {"type": "urn:loadwatch:problem:not-found", "title": "Not found", "status": 404,
     "detail": "no activity with id 7", "instance": "/api/v1/activities/7",
     "code": "not-found"}

``code`` is stable (clients branch on it; ``type`` is the same code as a URI); ``detail`` is one
line for a person.  No traceback ever reaches a client.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from loadwatch.errors import (
    Conflict,
    Forbidden,
    IngestError,
    InputTooLarge,
    InvalidRequest,
    LoadwatchError,
    NotFound,
    Overloaded,
    SchedulerStopped,
    StoreError,
    TooManyAttempts,
    Unauthorized,
    one_line,
)

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:loadwatch:problem:"


@dataclass(frozen=True)
class Problem:
    """One kind of error: its status, stable code and short title."""

    status: int
    code: str
    title: str

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.code


BAD_REQUEST = Problem(400, "bad-request", "Bad request")
UNAUTHORIZED = Problem(401, "unauthorized", "Missing or unknown credentials")
FORBIDDEN = Problem(403, "forbidden", "Not allowed for this role")
NOT_FOUND = Problem(404, "not-found", "Not found")
METHOD_NOT_ALLOWED = Problem(405, "method-not-allowed", "Method not allowed")
CONFLICT = Problem(409, "conflict", "Conflicts with existing state")
TOO_LARGE = Problem(413, "too-large", "Over a size limit")
UNSUPPORTED_MEDIA = Problem(415, "unsupported-media-type", "Unsupported media type")
INVALID_REQUEST = Problem(422, "invalid-request", "Request cannot be honoured")
VALIDATION = Problem(422, "validation-failed", "Request is not valid")
UNREADABLE_FILE = Problem(422, "unreadable-file", "File cannot be read")
TOO_MANY_REQUESTS = Problem(429, "too-many-requests", "Too many requests")
INTERNAL = Problem(500, "internal-error", "Internal error")
STORAGE_UNAVAILABLE = Problem(503, "storage-unavailable", "Storage unavailable")
BUSY = Problem(503, "busy", "Busy, retry shortly")
SCHEDULER_STOPPED = Problem(503, "scheduler-stopped", "Background jobs stopped")

# Most specific first: InputTooLarge is an IngestError and must win over it; Overloaded
# (StoreBusy is both) over StoreError.
BY_ERROR: tuple[tuple[type[LoadwatchError], Problem], ...] = (
    (NotFound, NOT_FOUND),
    (TooManyAttempts, TOO_MANY_REQUESTS),
    (Unauthorized, UNAUTHORIZED),
    (Forbidden, FORBIDDEN),
    (InputTooLarge, TOO_LARGE),
    (InvalidRequest, INVALID_REQUEST),
    (Conflict, CONFLICT),
    (IngestError, UNREADABLE_FILE),
    (Overloaded, BUSY),
    (SchedulerStopped, SCHEDULER_STOPPED),
    (StoreError, STORAGE_UNAVAILABLE),
)

# HTTPExceptions raised by Starlette/FastAPI themselves (routing, security schemes).
BY_STATUS: dict[int, Problem] = {
    p.status: p
    for p in (
        BAD_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        CONFLICT,
        TOO_LARGE,
        UNSUPPORTED_MEDIA,
        INVALID_REQUEST,
        TOO_MANY_REQUESTS,
        INTERNAL,
        BUSY,
    )
}

# Every code a client may meet: the spec's enum.
CODES = sorted(
    {p.code for p in BY_STATUS.values()}
    | {p.code for _, p in BY_ERROR}
    | {VALIDATION.code, STORAGE_UNAVAILABLE.code}
)

# Every status a client may meet, for the spec (``STATUS`` kept for callers that map errors).
STATUS: tuple[tuple[type[LoadwatchError], int], ...] = tuple((c, p.status) for c, p in BY_ERROR)


def problem_of(exc: LoadwatchError) -> Problem:
    for cls, p in BY_ERROR:
        if isinstance(exc, cls):
            return p
    return INTERNAL


def status_of(exc: LoadwatchError) -> int:
    return problem_of(exc).status


def problem_body(
    p: Problem, detail: str, instance: str | None = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": p.type,
        "title": p.title,
        "status": p.status,
        "detail": one_line(detail) or p.title,
    }
    if instance is not None:
        body["instance"] = instance
    body["code"] = p.code
    body.update(extra)
    return body


def problem_bytes(p: Problem, detail: str, instance: str | None = None) -> bytes:
    """The body for callers outside the exception handlers (ASGI middleware)."""
    return json.dumps(problem_body(p, detail, instance)).encode()


def problem_response(
    request: Request,
    p: Problem,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = problem_body(p, detail, request.url.path, **extra)
    return JSONResponse(body, status_code=p.status, headers=headers, media_type=MEDIA_TYPE)


async def _loadwatch_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LoadwatchError)
    p = problem_of(exc)
    if isinstance(exc, Overloaded):
        # Overload: say when to come back rather than fail; the client's retry will do.
        log.warning("busy, answering 503: %s", exc)
        return problem_response(
            request, BUSY, "busy, retry shortly", {"Retry-After": str(exc.retry_after_s)}
        )
    headers = {"WWW-Authenticate": "Bearer"} if p.status == 401 else None
    if isinstance(exc, TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_s)}
    if isinstance(exc, SchedulerStopped):
        # Its reason names a job and a duration, nothing internal: the monitor needs it.
        log.error("health: %s", exc)
        return problem_response(request, p, str(exc))
    if p.status >= 500:
        # The server's fault, not the caller's: worth a log line, still no traceback in the body.
        log.error("%s: %s", type(exc).__name__, exc)
        return problem_response(request, p, p.title.lower(), headers)
    return problem_response(request, p, str(exc) or type(exc).__name__, headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    p = BY_STATUS.get(exc.status_code) or Problem(exc.status_code, f"http-{exc.status_code}", "")
    detail = exc.detail if isinstance(exc.detail, str) else p.title
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path: {request.url.path}"
    return problem_response(request, p, detail or p.title, headers)


def _where(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{_where(e['loc'])}: {e['msg']}" for e in errors) or VALIDATION.title
    return problem_response(request, VALIDATION, detail, errors=errors)


async def _bug(request: Request, exc: Exception) -> JSONResponse:
    # Starlette re-raises after answering, so the traceback still reaches the server log.
    return problem_response(request, INTERNAL, "internal error")


# --- the spec -----------------------------------------------------------------------------
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `code` is stable, `detail` is for a person.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "the code as a URI", "format": "uri"},
        "title": {"type": "string", "description": "the kind of error, the same for each code"},
        "status": {"type": "integer", "description": "the HTTP status"},
        "detail": {"type": "string", "description": "one line saying why"},
        "instance": {"type": "string", "description": "the request path"},
        "code": {
            "type": "string",
            "description": "stable error code",
            "enum": CODES,
        },
        "errors": {
            "type": "array",
            "description": "for `validation-failed`: each invalid input and why",
            "items": {"type": "object"},
        },
    },
}

# The errors documented on operations, with a description and an example each.
DOCUMENTED: dict[int, tuple[str, Problem, str]] = {
    401: ("no token, or an unknown one", UNAUTHORIZED, "missing bearer token"),
    403: ("the caller's role may not do this", FORBIDDEN, "an athlete may not do this"),
    404: ("no such object, or not visible to the caller", NOT_FOUND, "no athlete with id 7"),
    422: (
        "the request is malformed or cannot be honoured (unknown query parameters too)",
        VALIDATION,
        "query.limt: unknown query parameter",
    ),
}


def _example(status: int, path: str) -> dict[str, Any]:
    _why, p, detail = DOCUMENTED[status]
    return problem_body(p, detail, re.sub(r"\{[^}]+\}", "7", path))


def _document_problems(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """The spec as FastAPI builds it, plus the problem details: every error response is
    ``application/problem+json``; operations behind a token document 401 and, when they change
    something, 403 (a role that may not); those with a path id 404; every operation 422
    (unknown query parameters)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = build()
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = PROBLEM_SCHEMA
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        ours = {"$ref": "#/components/schemas/Problem"}
        for path, ops in spec.get("paths", {}).items():
            for method, op in ops.items():
                responses = op.setdefault("responses", {})
                wanted = {422}
                if op.get("security"):
                    wanted.add(401)
                    if method != "get":
                        wanted.add(403)
                if "{" in path:
                    wanted.add(404)
                for status in sorted(wanted):
                    responses.setdefault(str(status), {"description": DOCUMENTED[status][0]})
                for code, response in responses.items():
                    if not code.isdigit() or int(code) < 400:
                        continue
                    example = _example(int(code), path) if int(code) in DOCUMENTED else None
                    media: dict[str, Any] = {"schema": ours}
                    if example is not None:
                        media["example"] = example
                    response["content"] = {MEDIA_TYPE: media}
        app.openapi_schema = spec
        return spec

    return openapi


def install(app: FastAPI) -> None:
    app.add_exception_handler(LoadwatchError, _loadwatch_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _bug)
    app.openapi = _document_problems(app)  # type: ignore[method-assign]
