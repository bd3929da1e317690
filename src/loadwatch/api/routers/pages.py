"""The coach dashboard page and the API docs: static files shipped in the packages, no CDN.

Swagger UI's assets come from the ``fastapi-offline`` wheel (installed with loadwatch, pinned);
its initializer is our own ``static/docs.js``, so the docs page needs no inline script and runs
under the same strict CSP as the dashboard.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parents[1] / "static"
DOCS_ASSETS = Path(str(files("fastapi_offline") / "static"))

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html")


@router.get("/docs")
def docs_page() -> FileResponse:
    return FileResponse(STATIC / "docs.html", media_type="text/html")
