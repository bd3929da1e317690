"""The fitness chart on the athlete page (docs/hr-load.md), in a real headless Chromium against
a real ``loadwatch serve`` on loopback over the demo world: drawn from TRIMP with its source
and heart rates said, labelled as performance context and not injury risk.  The 1400 px
screenshot goes to ``$LOADWATCH_ARTIFACTS``; with ``LOADWATCH_SCREENSHOTS=docs`` it replaces
``docs/fitness-desktop.png``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.demo_world import DemoWorld, copy_of, have_sample_data
from support.live import cli_env, serve
from support.paths import REPO

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
try:
    from playwright.sync_api import Browser, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt-get install chromium)"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright not installed (dev extra)"),
]

ARTIFACTS = Path(os.environ.get("LOADWATCH_ARTIFACTS", REPO / "tmp" / "artifacts"))
DESKTOP = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoWorld
) -> Iterator[tuple[DemoWorld, str]]:
    if not have_sample_data():
        pytest.skip("sample_data/ not generated")
    world = copy_of(demo_template, tmp_path_factory.mktemp("fitness") / "demo")
    env = cli_env(world.data_dir, LOADWATCH_AS_OF=world.today.isoformat())
    with serve(env, "--no-scheduler") as url:
        yield world, url


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
