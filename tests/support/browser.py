"""A headless Chromium (Debian's, driven by Playwright) for the page tests: one browser per
module, and a page that remembers every request and console message, so a test can insist that
nothing went to another host and that the strict CSP never had to block anything.

Screenshots go to ``$LOADWATCH_ARTIFACTS`` (default ``tmp/artifacts`` in the repo), which is
where the ``docs/*.png`` come from."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from support.paths import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

SKIPS = [
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt-get install chromium)"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright not installed (dev extra)"),
]
ARTIFACTS = Path(os.environ.get("LOADWATCH_ARTIFACTS", REPO / "tmp" / "artifacts"))
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


def launch() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


class Visit:
    """A page that remembers every request and console message."""

    def __init__(self, browser: Browser, base: str, viewport: dict[str, int]) -> None:
        self.base = base
        self.requests: list[str] = []
        self.console: list[str] = []
        self.context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
        self.page: Page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def check_and_close(self) -> None:
        self.context.close()
        foreign = [u for u in self.requests if not u.startswith((self.base + "/", "data:"))]
        assert foreign == [], foreign
        assert self.requests, "the page made no request at all"
        blocked = [m for m in self.console if "Content Security Policy" in m or "pageerror" in m]
        assert blocked == [], blocked
