"""The coach dashboard page and the API docs: static files shipped in the packages, no CDN.

Swagger UI's and ReDoc's assets come from the ``fastapi-offline`` wheel (installed with
loadwatch, pinned); Swagger's initializer is our own ``static/docs.js``, so /docs needs no
inline script and runs under the same strict CSP as the dashboard.  ReDoc (/redoc) styles
itself with injected <style> elements and searches in a blob: worker, so its page alone
allows those two; scripts stay 'self' only.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from loadwatch.api.headers import CSP

STATIC = Path(__file__).resolve().parents[1] / "static"
DOCS_ASSETS = Path(str(files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False)
# HEAD as well as GET: uptime checkers and proxies' health checks ask the page with HEAD
# (FileResponse then sends the headers alone).
PAGE = ["GET", "HEAD"]


@router.api_route("/", methods=PAGE)
def dashboard_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.api_route("/checkin", methods=PAGE)
def checkin_page() -> FileResponse:
    """The athlete's phone check-in (docs/checkin.md); its personal link carries the token in
    the fragment, which the browser never sends here."""
    return FileResponse(STATIC / "checkin.html", media_type="text/html")


REDOC_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + (
    "; worker-src 'self' blob:"
)


@router.api_route("/docs", methods=PAGE)
def docs_page() -> FileResponse:
    return FileResponse(STATIC / "docs.html", media_type="text/html")


@router.api_route("/redoc", methods=PAGE)
def redoc_page() -> FileResponse:
    return FileResponse(
        STATIC / "redoc.html",
        media_type="text/html",
        headers={"Content-Security-Policy": REDOC_CSP},
    )
