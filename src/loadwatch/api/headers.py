"""Security headers on every response: the page and the docs run only their own files.

A pure ASGI middleware (not ``BaseHTTPMiddleware``) so that streamed and file responses pass
through untouched; it only adds headers to ``http.response.start``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style attribute anywhere (the page and /docs load theirs from files);
# images may be data: URIs (Swagger UI's icons); nothing may frame us.
CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


PRIVATE: tuple[tuple[bytes, bytes], ...] = ((b"cache-control", b"no-store"),)


def _authenticated(scope: Scope) -> bool:
    return any(k.lower() == b"authorization" for k, _ in scope.get("headers", []))


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # A response to a request that carried credentials holds someone's data: no browser
        # or proxy cache may keep it (a shared machine's back button, a caching proxy).
        wanted = SECURITY_HEADERS + (PRIVATE if _authenticated(scope) else ())

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in wanted if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
