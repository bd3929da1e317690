"""Admission: at most ``limit`` API requests in flight per process; the rest wait briefly,
then get 503 with ``Retry-After``.

Why a limit at the door: a request holds one database connection (its session) and, on
SQLite, perhaps the write lock, across the thread hops FastAPI makes between a route's
dependencies, the route and the session's teardown.  With no more requests in flight than
worker threads and connections, every holder can always get the thread it needs next, so
load queues here instead of deadlocking on the pool or the lock inside.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from loadwatch.api.errors import BUSY, MEDIA_TYPE, problem_bytes

RETRY_AFTER_S = 2


class Admission:
    def __init__(self, app: ASGIApp, *, limit: int, wait_s: float, prefix: str = "/api/") -> None:
        self.app = app
        self.slots = anyio.Semaphore(limit)
        self.wait_s = wait_s
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        try:
            with anyio.fail_after(self.wait_s):
                await self.slots.acquire()
        except TimeoutError:
            await _busy(send, scope["path"])
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.slots.release()


async def _busy(send: Send, path: str) -> None:
    # Outside the app's exception handlers: the problem body comes from api/errors.py still.
    body = problem_bytes(BUSY, "busy, retry shortly", path)
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(RETRY_AFTER_S).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
