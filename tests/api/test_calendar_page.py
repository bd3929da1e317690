"""The calendar on the athlete page (docs/planning.md), in a real headless Chromium against a
real ``loadwatch serve`` of the demo as of its last day: Rosa's planned week after her history
is drawn, and the two sessions the pre-flight check flags (a hill session on a no-hills plan,
a long run over her longest-run cap) are marked at risk before the day.  Screenshots of both
sizes go to ``$LOADWATCH_ARTIFACTS`` (``calendar-desktop.png``, ``calendar-phone.png``)."""

from __future__ import annotations

import contextlib

import pytest

from loadwatch.rounding import fixed
from support.browser import ARTIFACTS, DESKTOP, PHONE, SKIPS
from support.demo_world import DemoWorld

with contextlib.suppress(ImportError):  # the dev extra installs it (SKIPS skips the module)
    from playwright.sync_api import Browser, Page, expect

pytestmark = [pytest.mark.e2e, *SKIPS]


@pytest.fixture
def demo(served_demo: tuple[DemoWorld, str]) -> tuple[DemoWorld, str]:
    return served_demo  # the shared read-only demo: this page only looks and navigates


def _open(browser: Browser, url: str, world: DemoWorld, viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{url}/#token={world.coach_token}&athlete={world.rosa}")
    page.wait_for_selector("#cal-grid .cal-day")
    page.wait_for_selector("#charts .chart")
    page.problems = problems  # type: ignore[attr-defined]
    return page


def test_the_month_shows_plan_against_actual_and_the_days_at_risk(
    demo: tuple[DemoWorld, str], browser: Browser
) -> None:
    world, url = demo
    page = _open(browser, url, world, DESKTOP)
    assert page.locator("#cal-title").inner_text() == "Nov 2026"
    thursday = page.locator('#cal-grid .cal-day[data-date="2026-11-19"]')
    assert "at-risk" in (thursday.get_attribute("class") or "")
    assert "Plan: 5.0 km hills (125 m climbing)" in thursday.inner_text()
    assert "⚠ at risk" in thursday.inner_text()
    assert "climbed 125 m on a plan that avoids hills" in (thursday.get_attribute("title") or "")
    sunday = page.locator('#cal-grid .cal-day[data-date="2026-11-22"]')
    assert "at-risk" in (sunday.get_attribute("class") or "")
    for safe in ("2026-11-17", "2026-11-21"):
        cell = page.locator(f'#cal-grid .cal-day[data-date="{safe}"]')
        assert "at-risk" not in (cell.get_attribute("class") or ""), safe
        assert "c-planned" in (cell.get_attribute("class") or ""), safe
    # Her hilly 9 km on the 7th: run without a plan, with its two alerts and the flare's pain.
    seventh = page.locator('#cal-grid .cal-day[data-date="2026-11-07"]')
    assert "c-unplanned" in (seventh.get_attribute("class") or "")
    assert seventh.locator(".cal-flag.alert").count() >= 2
    assert "pain 6/10" in seventh.inner_text()
    # A month grid at desktop width: seven columns side by side, not a list of days (an
    # unclosed phone @media block once kept every calendar rule from applying above 760 px).
    grid = page.evaluate(
        "() => { const s = getComputedStyle(document.getElementById('cal-grid'));"
        " return [s.display, s.gridTemplateColumns.split(' ').length]; }"
    )
    assert grid == ["grid", 7]
    monday, tuesday = page.locator("#cal-grid .cal-day").all()[:2]
    assert monday.bounding_box()["y"] == tuesday.bounding_box()["y"]  # type: ignore[index]
    risks = page.locator("#cal-risks li").all_inner_texts()
    assert len(risks) == 2 and "Thursday 5.0 km hill session (125 m climbing): alert" in risks[0]
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#calendar").screenshot(path=str(ARTIFACTS / "calendar-desktop.png"))
    page.click("#cal-views button[data-view=week]")
    expect(page.locator("#cal-title")).to_have_text("Week of 9 Nov 2026")
    assert page.locator("#cal-title").inner_text() == "Week of 9 Nov 2026"
    page.click("#cal-next")
    expect(page.locator("#cal-title")).to_contain_text("16 Nov")
    assert page.locator("#cal-grid .cal-day.at-risk").count() == 2
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_the_phone_shows_a_week_as_rows_and_the_next_weeks_risks(
    demo: tuple[DemoWorld, str], browser: Browser
) -> None:
    world, url = demo
    page = _open(browser, url, world, PHONE)
    assert "week" in (page.locator("#cal-grid").get_attribute("class") or "")
    page.click("#cal-next")
    expect(page.locator("#cal-title")).to_contain_text("16 Nov")
    days = page.locator("#cal-grid .cal-day")
    assert days.count() == 7
    assert [
        d.get_attribute("data-date") for d in page.locator("#cal-grid .cal-day.at-risk").all()
    ] == ["2026-11-19", "2026-11-22"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator("#calendar").screenshot(path=str(ARTIFACTS / "calendar-phone.png"))
    assert page.problems == []  # type: ignore[attr-defined]
    page.context.close()


def test_page_numbers_round_as_the_cli_does_and_never_read_minus_zero(
    demo: tuple[DemoWorld, str], browser: Browser
) -> None:
    # The page's one number format (app.js fmt): -0.04 once read "-0.0" on /dashboard.
    world, url = demo
    page = _open(browser, url, world, DESKTOP)
    assert page.evaluate("[fmt(-0.04, 1), fmt(-0.5, 1), fmt(0, 2)]") == ["0.0", "-0.5", "0.00"]
    # One rounding rule with the CLI and the server's sentences (``rounding.fixed``, halves
    # up: trial 10 F9): 30.25 km once read "30.2" there and "30.3" on the triage page.
    values = [30.25, 30.15, 30.35, 2.675, 1234.5, -30.25, 0.125, 7.0, 1.005]
    js = page.evaluate("(vs) => vs.map((v) => fmt(v, 1) + ' ' + fmt(v, 2))", values)
    assert js == [f"{fixed(v, 1, grouped=True)} {fixed(v, 2, grouped=True)}" for v in values]
    assert js[0] == "30.3 30.25" and js[3] == "2.7 2.68"
    # trial9 F21: a zero speed has no pace ("Infinity:NaN:NaN /km" before, activity.js).
    zero = "[numberText({unit: 'm/s', value: 0}), paceText(0), paceText(NaN), paceText(312)]"
    assert page.evaluate(zero) == ["0.00 m/s (–)", "–", "–", "5:12 /km"]
    # Minutes rounded once (trial 12 F6): a 1:59:30 run read "1 h 60".
    assert page.evaluate("[7170, 3590, 3600, 5400, 89].map(duration)") == [
        "2 h 00",
        "1 h 00",
        "1 h 00",
        "1 h 30",
        "1 min",
    ]
    # A chart's unit once: "Weekly fast km (km)" said it twice.
    assert page.evaluate("CHARTS.map(chartHeading)") == [
        "Weekly distance (km)",
        "Weekly fast km",
        "Weekly climbing (m)",
        "Weekly uphill km",
    ]
    page.context.close()
