"""The fitness chart on the athlete page (docs/hr-load.md), in a real headless Chromium against
a real ``loadwatch serve`` on loopback over the demo world: drawn from TRIMP with its source
and heart rates said, labelled as performance context and not injury risk.  The 1400 px
screenshot goes to ``$LOADWATCH_ARTIFACTS``; with ``LOADWATCH_SCREENSHOTS=docs`` it replaces
``docs/fitness-desktop.png``."""

from __future__ import annotations

import contextlib
import os

import httpx
import pytest

from support.browser import ARTIFACTS, DESKTOP, SKIPS
from support.demo_world import DemoWorld
from support.paths import REPO

with contextlib.suppress(ImportError):  # the dev extra installs it (SKIPS skips the module)
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.e2e, *SKIPS]


@pytest.fixture
def demo(served_demo: tuple[DemoWorld, str]) -> tuple[DemoWorld, str]:
    return served_demo  # the shared read-only demo: this page only looks


def test_the_athlete_page_draws_fitness_as_performance_context(
    demo: tuple[DemoWorld, str], browser: Browser
) -> None:
    world, url = demo
    # What the chart is drawn from, as the API gives it.
    series = httpx.get(
        f"{url}/api/v1/athletes/{world.sam}/series",
        params={"period": "day"},
        headers={"Authorization": f"Bearer {world.coach_token}"},
    ).json()
    fit = series["fitness"]
    assert fit["source"] == "trimp" and fit["hr"]["hr_source"] == "estimated"
    last = series["data"][-1]
    assert last["fitness"] > 0 and last["form"] == pytest.approx(
        last["fitness"] - last["fatigue"], abs=1e-3
    )

    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(f"{url}/#token={world.coach_token}")
        page.wait_for_selector("#athletes .card")
        page.goto(f"{url}/#athlete={world.sam}")
        page.wait_for_selector("figure[data-chart='fitness'] path.fit-line")
        fig = page.locator("#fitness")
        assert page.locator("#fitness-title").inner_text() == "Fitness, fatigue and form"
        note = page.locator("#fitness-note").inner_text()
        assert "Performance context, not injury risk" in note
        assert "heart-rate load (Banister TRIMP)" in note and "estimated from the data" in note
        chart = fig.locator("figure[data-chart='fitness']")
        for cls in ("fit-line", "fat-line", "form-area"):
            assert chart.locator(f"svg[role='img'] path.{cls}").count() == 1, cls
        label = chart.locator("svg[role='img']").get_attribute("aria-label") or ""
        assert f"fitness {last['fitness']:.1f}" in label
        legend = chart.locator(".legend").inner_text()
        assert "fitness (42-day load)" in legend and "fatigue (7-day load)" in legend
        assert "form = fitness − fatigue" in legend
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        fig.scroll_into_view_if_needed()
        shot = ARTIFACTS / "fitness-desktop.png"
        # The load charts above it and the chart itself, as a coach sees them at 1400 px.
        page.locator("#athlete").screenshot(path=str(shot))
        if os.environ.get("LOADWATCH_SCREENSHOTS") == "docs":
            fig.screenshot(path=str(REPO / "docs" / "fitness-desktop.png"))
    finally:
        context.close()
    assert errors == []
