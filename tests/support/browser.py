"""A headless Chromium (Debian's, driven by Playwright) for the page tests: one browser per
test process (the ``browser`` fixture, session-scoped), the demo served by a real
``loadwatch serve`` (``served_demo`` for pages that only look, ``served_copy`` for a module that
changes its own copy), and a page that remembers every request and console message, so a test
can insist that nothing went to another host and that the strict CSP never had to block
anything.  The fixtures are registered for every test folder in ``tests/conftest.py``.

Screenshots go to ``$LOADWATCH_ARTIFACTS`` (default ``tmp/artifacts`` in the repo), which is
where the ``docs/*.png`` come from."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from support.live import cli_env, serve
from support.paths import REPO

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from support.demo_world import DemoWorld

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


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for every page test a test process runs: a launch costs about a second of
    CPU, and each test opens its own context (cookies, storage and viewport of its own)."""
    yield from launch()


@contextmanager
def served_copy(
    tmp_path_factory: pytest.TempPathFactory, template: DemoWorld, name: str
) -> Iterator[tuple[DemoWorld, str]]:
    """A copy of the demo world of its own, served by ``loadwatch serve`` as of its last day
    (so Spiky Sara's final-week flags are current), for tests that change what they see."""
    from support.demo_world import copy_of

    world = copy_of(template, tmp_path_factory.mktemp(name) / "demo")
    env = cli_env(world.data_dir, LOADWATCH_AS_OF=world.today.isoformat())
    with serve(env, "--no-scheduler") as url:
        yield world, url


@pytest.fixture(scope="session")
def served_demo(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoWorld
) -> Iterator[tuple[DemoWorld, str]]:
    """The demo world served once per test process for the pages that only look at it
    (calendar, fitness, rehab): nothing may change it; a module that does takes
    ``served_copy``."""
    with served_copy(tmp_path_factory, demo_template, "served-demo") as served:
        yield served


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


@pytest.fixture
def visit(browser: Browser) -> Iterator[Callable[..., Visit]]:
    """``visit(base, viewport)`` opens a ``Visit``; each is checked and closed after the test."""
    opened: list[Visit] = []

    def open_(base: str, viewport: dict[str, int] = DESKTOP) -> Visit:
        v = Visit(browser, base, viewport)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.check_and_close()


# WCAG 2.1 relative luminance and contrast, computed in the page from the computed colours
# (the effective background is the first opaque one up the tree); the same as
# tests/api/test_dashboard_page.py's.
CONTRAST_JS = """
(selectors) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bg = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = {};
  for (const sel of selectors) {
    const el = document.querySelector(sel);
    if (!el) { out[sel] = null; continue; }
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(bg(el));
    out[sel] = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  return out;
}
"""


def low_contrast(page: Page, selectors: list[str]) -> dict[str, float | None]:
    """The selectors whose text is below WCAG AA (4.5:1), or missing (None)."""
    ratios: dict[str, float | None] = page.evaluate(CONTRAST_JS, selectors)
    return {
        k: (round(r, 2) if r is not None else None)
        for k, r in ratios.items()
        if r is None or r < 4.5
    }
