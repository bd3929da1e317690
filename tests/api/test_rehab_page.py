"""Rehab on the athlete page (issue 17 item 4) as a coach sees it: a real headless Chromium
against a real ``loadwatch serve`` on loopback, on the demo's Returning Rosa as of the sample
history's last day (2026-11-15, her plan week 5).

While her plan is in force the load charts draw its caps instead of the pre-injury usual week;
the pain chart sits under them on the same weeks; the page shows the caps in force, her
tolerated load and the plan's timeline; and it works at 390 px without scrolling sideways.
The screenshots are ``docs/rehab-desktop.png`` and ``docs/rehab-phone.png``
(``tmp/artifacts/`` first; copy them over when they change)."""

from __future__ import annotations

from typing import Any

import pytest

from support.browser import ARTIFACTS, DESKTOP, PHONE, SKIPS, Visit, low_contrast
from support.demo_world import DemoWorld

pytestmark = [pytest.mark.e2e, *SKIPS]

REHAB_TEXT = [
    "#rehab-title",
    "#rehab-summary",
    "#rehab-caps [data-cap='distance']",
    "#rehab-since",
    "#rehab-tolerance td",
    "#rehab-timeline .badge.held",
    "#rehab-timeline .badge.raised",
    "#rehab-timeline .badge.stepped_back",
    "#rehab-timeline .badge.start",
    "#rehab-timeline .t-why",
    "figure.chart.pain .legend li",
]
PLAN_WEEKS = ["2026-10-12", "2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]


@pytest.fixture
def demo(served_demo: tuple[DemoWorld, str]) -> tuple[DemoWorld, str]:
    return served_demo  # the shared read-only demo: this page only looks


def _texts(locator: Any) -> list[str]:
    # SVG text has no innerText: read textContent.
    return list(locator.evaluate_all("els => els.map(e => e.textContent)"))


@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_rosas_page_draws_her_plans_caps_and_her_pain(
    demo: tuple[DemoWorld, str], browser: Any, viewport: dict[str, int], name: str
) -> None:
    world, url = demo
    v = Visit(browser, url, viewport)
    page = v.page
    page.goto(f"{url}/#token={world.coach_token}&athlete={world.rosa}")
    page.wait_for_selector("svg[data-chart='pain'] .pain-point", state="attached")

    # The plan, the caps in force and why.
    assert page.locator("#rehab").is_visible()
    assert page.locator("#rehab-title").inner_text() == (
        "Return-to-run plan: proximal hamstring tendinopathy"
    )
    caps = {
        k: page.locator(f"#rehab-caps [data-cap='{k}']").inner_text().split("\n")[-1]
        for k in ("distance", "longest", "speed", "pace", "hills")
    }
    assert caps == {
        "distance": "18.1 km",
        "longest": "6.0 km",
        "speed": "none",
        "pace": "6:15/km or slower",
        "hills": "flat (up to 10 m per km)",
    }
    assert (
        page.locator("#rehab-since")
        .inner_text()
        .startswith("In force since 9 Nov 2026 (plan week 5): held: a flare on Saturday 2026-11-07")
    )
    # Her tolerated and provoking load (docs/rehab.md).
    row = page.locator("#rehab-tolerance tr[data-dimension='distance'] td").all_inner_texts()
    assert row == ["5.9 km", "14.9 km", "5.5 km", "17.4 km"]
    # The timeline, newest first, each step with its reason.
    steps = page.locator("#rehab-timeline li").evaluate_all("els => els.map(e => e.className)")
    assert steps == [
        "step held",
        "step stepped_back",
        "step held",
        "step raised",
        "step raised",
        "step start",
    ]
    back = page.locator("#rehab-timeline li.stepped_back").inner_text()
    assert "Plan week 4" in back and "to the last load tolerated" in back
    assert "18.1 km a week · longest 6.0 km · fast none · climbing flat" in back

    # The headroom never offers fast km on a 6:15/km plan.
    speed_room = page.locator("#headroom div", has_text="Fast km").inner_text()
    assert "none on this plan" in speed_room and "left" not in speed_room

    # The distance chart: the plan's caps in its weeks, no usual-week bands there.
    distance = page.locator("svg[data-dimension='distance']")
    assert distance.locator("path.plan-cap").count() == 1
    titles = _texts(distance.locator(".bar title"))
    by_week = dict(zip(_texts_attr(distance.locator(".bar"), "data-week"), titles, strict=True))
    assert "(plan: 18.1 km a week, longest run 6.0 km)" in by_week["2026-11-09"]
    assert "(plan: 15.0 km a week, longest run 6.0 km)" in by_week["2026-10-12"]
    assert "usual" not in by_week["2026-11-09"]
    band_x = [float(x) for x in _texts_attr(distance.locator(".band-caution"), "x")]
    plan_x = [
        float(distance.locator(f".bar[data-week='{w}']").get_attribute("x") or 0)
        for w in PLAN_WEEKS
    ]
    assert band_x and max(band_x) < min(plan_x) - 1, "a usual-week band in a plan week"
    legend = page.locator("figure.chart", has=distance).locator(".legend").inner_text()
    assert "plan: 18.1 km a week, longest run 6.0 km; while the plan is in force" in legend
    speed_legend = page.locator("figure.chart", has=page.locator("svg[data-dimension='speed']"))
    assert "plan: no fast running (6:15/km or slower)" in speed_legend.inner_text()
    hills_legend = page.locator("figure.chart", has=page.locator("svg[data-dimension='hills']"))
    assert "plan: flat (up to 10 m per km: 181 m a week)" in hills_legend.inner_text()

    # The pain chart, under the load charts, on the same weeks.
    pain = page.locator("svg[data-chart='pain']")
    figures = page.locator("#charts > figure")
    assert figures.last.locator("svg[data-chart='pain']").count() == 1
    assert pain.locator("line.pain-limit").count() == 1
    assert "4/10" in _texts(pain.locator("text"))
    # 18 entries in her 12 weeks: 18 "after", 17 "next morning" (none yet for today), and one
    # "during" (2026-09-27); 4 points at 4/10 or more (5 and 6 after the hilly long run, 4 on
    # 2026-10-29, 6 the morning after the 9 km loop).
    assert pain.locator(".pain-point.after").count() == 18
    assert pain.locator(".pain-point.morning").count() == 17
    assert pain.locator(".pain-point.during").count() == 1
    assert pain.locator(".pain-point.over").count() == 4
    # Same x: Tuesday 10 Nov's pain lies over the bar of the week of 9 Nov.
    bar = distance.locator(".bar[data-week='2026-11-09']").bounding_box()
    dot = pain.locator(".pain-point.after[data-date='2026-11-10']").bounding_box()
    assert bar is not None and dot is not None
    centre = dot["x"] + dot["width"] / 2
    assert bar["x"] <= centre <= bar["x"] + bar["width"]
    morning = pain.locator(".pain-point.morning[data-date='2026-11-08']")
    tip = " ".join(_texts(morning.locator("title")))
    assert "6/10 next morning (the morning after 7 Nov 2026) — flare" in tip

    assert low_contrast(page, REHAB_TEXT) == {}, "below WCAG AA 4.5:1 (or missing)"

    # A phone: no sideways scrolling.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"page is {width} px wide"

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    top = page.locator("#a-name").bounding_box()
    end = page.locator("svg[data-chart='pain']").bounding_box()
    rehab = page.locator("#rehab").bounding_box()
    assert top is not None and end is not None and rehab is not None
    scroll = page.evaluate("window.scrollY")
    bottom = max(end["y"] + end["height"], rehab["y"] + rehab["height"]) + scroll + 60
    page.screenshot(
        path=str(ARTIFACTS / f"rehab-{name}.png"),
        full_page=True,
        clip={"x": 0, "y": 0, "width": viewport["width"], "height": bottom},
    )
    v.check_and_close()


def _texts_attr(locator: Any, attr: str) -> list[str]:
    return list(locator.evaluate_all(f"els => els.map(e => e.getAttribute('{attr}'))"))
