"""The coach dashboard as a coach uses it: a real headless Chromium (Debian's, driven by
Playwright) against a real ``loadwatch serve`` on loopback.

The world is the demo data (``sample_data/`` through ``loadwatch demo``'s import path), served
as of the sample history's last day (``LOADWATCH_AS_OF=2026-11-15``) so Spiky Sara's final-week
flags are current, plus an athlete whose runs are all from 2021.  Every page load records each
request the browser makes and each console message: nothing may go to another host, and the
strict CSP must never have to block anything.  Screenshots of both sizes go to
``$LOADWATCH_ARTIFACTS`` (default ``tmp/artifacts`` in the repo).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadwatch import auth
from loadwatch.clock import local_today
from loadwatch.rules.messages import amount
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import drain_pending
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from support.browser import ARTIFACTS, CONTRAST_JS, DESKTOP, PHONE, SKIPS, Visit, served_copy
from support.demo_world import OLD_NAME, SARA_REASON, DemoWorld
from support.live import cli_env, serve

with contextlib.suppress(ImportError):  # the dev extra installs it (SKIPS skips the module)
    from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.e2e, *SKIPS]


@pytest.fixture
def demo(served_demo: tuple[DemoWorld, str]) -> tuple[DemoWorld, str]:
    return served_demo  # the shared read-only demo: these tests only look and navigate


@pytest.fixture
def own_demo(
    tmp_path_factory: pytest.TempPathFactory, demo_template: DemoWorld
) -> Iterator[tuple[DemoWorld, str]]:
    """A served copy of the demo of the test's own: acknowledging flags changes what every
    other page test would see, whichever order they run in."""
    with served_copy(tmp_path_factory, demo_template, "acks") as served:
        yield served


def _signed_in(v: Visit, world: DemoWorld, url: str) -> Page:
    page = v.page
    page.goto(f"{url}/#token={world.coach_token}")
    page.wait_for_selector("#athletes .card")
    return page


def _in_viewport(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0


@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_triage_shows_sara_first_with_her_reason_without_scrolling(
    demo: tuple[DemoWorld, str], visit: Any, viewport: dict[str, int], name: str
) -> None:
    world, url = demo
    v = visit(url, viewport)
    page = _signed_in(v, world, url)
    names = page.locator("#athletes .card .c-name a").all_inner_texts()
    # Rosa has the most current alerts (her plan's breach and flare), then Sara (one alert:
    # her hill session, since severity follows the evidence); Olga's flags are from 2021 and
    # her watch went quiet two weeks ago (stale, listed before the quiet athlete who synced
    # today).
    assert names == ["Returning Rosa", "Spiky Sara", OLD_NAME, "Steady Sam"]
    rosa = page.locator("#athletes .card", has_text="Returning Rosa")
    assert rosa.locator(".tag.plan").inner_text() == "plan week 5"
    assert rosa.locator(".tag.pain").inner_text() == "pain 2/10 (settled)"
    first = "#athletes .card:nth-child(2)"
    assert page.locator(f"{first} .c-reason").inner_text() == SARA_REASON
    assert _in_viewport(page, f"{first} .c-reason"), "the reason needs scrolling"
    assert page.locator(f"{first} .sev").inner_text() == "▲ Alert"
    assert page.locator(f"{first} .c-dims").inner_text().split("\n") == [
        "distance",
        "fast km",
        "climbing",
        "uphill km",
    ]
    # Her fast running and climbing are over their (contested) ramps' caution for any run
    # tomorrow; distance is bounded by Sunday's spike: no more than the 22.0 km it was judged
    # against (rules.spike_limit; the rules alone said 1.1 x the 30.8 km spike, 33.9 km).
    sara_next = page.locator(f"{first} .headroom-run").inner_text()
    # (The label shows on the phone's cards; on the desktop the column header says it.)
    words = ["up", "to", "22.0", "km", "·", "no", "fast", "running", "·", "no", "climbing"]
    assert sara_next.split() in (words, ["Next", "run", *words]), sara_next
    sam_next = page.locator("#athletes .card:nth-child(4) .headroom-run").inner_text()
    # Each amount says its dimension: a bare "351 m" beside "4.9 fast km" reads as a distance
    # (trial 11 F6).
    assert re.fullmatch(
        r"(Next run\s+)?up to \d+\.\d km · \d+\.\d fast km · [\d,]+ m climbing", sam_next
    ), sam_next
    olga = page.locator("#athletes .card:nth-child(3)")
    assert "Quiet" in olga.locator(".sev").inner_text()
    assert "Stale" in olga.locator(".last-upload").inner_text()
    assert "14 days ago" in olga.locator(".last-upload").inner_text()
    assert "older open flag" in olga.inner_text()
    # Cards, not a table wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"page is {width} px wide"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"))
    # The token lives in this tab's session storage only, and left the address bar.
    assert page.evaluate("sessionStorage.getItem('loadwatch.token')") == world.coach_token
    assert page.evaluate("localStorage.length") == 0
    assert "token" not in page.url


def test_keyboard_reaches_the_athlete_page_and_its_charts(
    demo: tuple[DemoWorld, str], visit: Any
) -> None:
    world, url = demo
    v = visit(url)
    page = _signed_in(v, world, url)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Spiky Sara":
            break
    else:
        pytest.fail("Tab never reached Spiky Sara's link")
    page.keyboard.press("Enter")
    page.wait_for_selector("figure.chart svg[data-dimension='distance'] .bar")
    assert page.locator("#a-reason").inner_text() == SARA_REASON
    dims = page.locator("figure.chart > svg").evaluate_all(
        "els => els.map(e => e.dataset.dimension)"
    )
    # Sara's series has uphill km, so its chart is there too.
    assert dims == ["distance", "speed", "hills", "uphill"]
    distance = page.locator("svg[data-dimension='distance']")
    # SVG text has no innerText: read textContent.
    ticks = distance.locator("text").evaluate_all("els => els.map(e => e.textContent)")
    assert "0" in ticks, "the y-axis starts at zero"
    assert "km per week" in ticks and "week starting (Monday)" in ticks
    # Twelve weeks by default, ending with the spike week; the dates carry their year.
    weeks = distance.locator(".bar").evaluate_all("els => els.map(e => e.dataset.week)")
    assert len(weeks) == 12 and weeks[-1] == "2026-11-09" and weeks[0] == "2026-08-24"
    assert "24 Aug 2026" in ticks
    assert distance.locator(".grid").count() >= 3
    assert distance.locator("path.chronic").count() == 1
    assert distance.locator(".band-caution").count() >= 10
    # The contested ramp never alerts: no alert band; her distance week is a caution.
    assert distance.locator(".band-alert").count() == 0
    assert distance.locator(".bar.caution[data-week='2026-11-09']").count() == 1

    # Focus a flag marker from the keyboard: its sentence appears.
    marks = distance.locator(".flag-mark")
    assert marks.count() == 1  # Sunday's long-run spike
    hills_marks = page.locator("svg[data-dimension='hills'] .flag-mark")
    labels = hills_marks.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    spike = next(i for i, label in enumerate(labels) if SARA_REASON in label)
    assert "strong evidence" in labels[spike] or "moderate evidence" in labels[spike]
    hills_marks.nth(spike).focus()
    tip = page.locator("#tip")
    assert tip.is_visible() and SARA_REASON in tip.inner_text()
    page.keyboard.press("Escape")
    assert not tip.is_visible()
    # Hover shows it too.
    hills = page.locator("svg[data-dimension='hills'] .flag-mark.alert").first
    hills.hover()
    assert tip.is_visible() and "climbed 1,190 m" in tip.inner_text()

    # Enter on a marker (or a click on a bar) lists that week's activities.
    marks.nth(spike).focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#week:not([hidden]) #week-table tbody tr")
    assert page.locator("#week-title").inner_text().startswith("Activities in the week of 9 Nov")
    rows = page.locator("#week-table tbody tr").all_inner_texts()
    assert any("Sun, 15 Nov 2026" in r and "30.8" in r for r in rows), rows

    # Any range back to the first run.
    page.select_option("#range-preset", "all")
    # Waiting polls from Python (expect), not with page-side eval, which the CSP forbids.
    expect(distance.locator(".bar")).to_have_count(17)
    first = distance.locator(".bar").first.get_attribute("data-week")
    assert first == "2026-07-20"
    page.fill("#range-from", "2026-10-01")
    page.fill("#range-to", "2026-10-31")
    page.click("#range button[type=submit]")
    expect(distance.locator(".bar")).to_have_count(5)


TEXT = [
    ".card .c-name a",
    ".card .c-reason",
    ".card.alert .sev.alert",
    ".card .sev.quiet",
    ".card .stale",
    ".card .older",
    ".card .tag",
    "#triage-sub",
    ".triage-head",
]
ATHLETE_TEXT = [
    "#a-reason",
    "#a-facts",
    "#flags li .meta",
    "#flags li.caution .meta",
    ".legend li",
    "#flags li button",
]


def test_text_meets_wcag_aa_contrast(demo: tuple[DemoWorld, str], visit: Any) -> None:
    world, url = demo
    v = visit(url)
    page = _signed_in(v, world, url)
    ratios = page.evaluate(CONTRAST_JS, TEXT)
    page.click("#athletes .card:first-child .c-name a")
    page.wait_for_selector("#flags li[data-flag]")
    ratios |= page.evaluate(CONTRAST_JS, ATHLETE_TEXT)
    assert None not in ratios.values(), ratios
    low = {k: round(r, 2) for k, r in ratios.items() if r < 4.5}
    assert low == {}, f"below WCAG AA 4.5:1: {low}"


def test_acknowledging_one_then_many_removes_them(
    own_demo: tuple[DemoWorld, str], visit: Any
) -> None:
    world, url = own_demo
    v = visit(url, PHONE)
    page = _signed_in(v, world, url)
    page.click("#athletes .card:nth-child(2) .c-name a")  # Sara
    page.wait_for_selector("#flags li[data-flag]")
    open_before = page.locator("#flags li.open").count()
    assert open_before == 7  # 5 on distance, speed and climbing, 2 on uphill km
    # Every flag says what it rests on.
    assert page.locator("#flags li.open .evidence").count() == 7
    # The athlete page fits the phone too: charts redraw to its width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    spike = page.locator("#flags li.open", has_text=SARA_REASON)
    flag_id = spike.get_attribute("data-flag")
    spike.locator("button", has_text="Acknowledge").click()
    expect(page.locator(f"#flags li.open[data-flag='{flag_id}']")).to_have_count(0)
    assert page.locator("#flags li.open").count() == open_before - 1
    expect(page.locator(f"svg .flag-mark[data-flag='{flag_id}']")).to_have_count(0)
    # The athlete's reason moves on to the next most important current flag.
    expect(page.locator("#a-reason")).not_to_have_text(SARA_REASON)
    page.check("#show-closed")
    assert page.locator(f"#flags li.acknowledged[data-flag='{flag_id}']").count() == 1
    page.uncheck("#show-closed")

    page.check("#select-all")
    assert page.locator("#ack-selected").inner_text() == "Acknowledge selected (6)"
    page.click("#ack-selected")
    page.wait_for_selector("#flags li.none")
    assert page.locator("#flags li.open").count() == 0
    page.click("#back")
    page.wait_for_selector("#athletes .card")
    sara = page.locator("#athletes .card", has_text="Spiky Sara")
    assert "Quiet" in sara.locator(".sev").inner_text()


def test_docs_work_offline_under_the_csp(demo: tuple[DemoWorld, str], visit: Any) -> None:
    _world, url = demo
    v = visit(url)
    v.page.goto(f"{url}/docs")
    v.page.wait_for_selector(".swagger-ui .info .title")
    assert "loadwatch" in v.page.locator(".swagger-ui .info .title").inner_text()
    v.page.locator(".opblock-summary-path", has_text="/api/v1/dashboard").first.wait_for()
    assert v.page.locator(".opblock").count() > 10


# --- a self-made history, evaluated on the real date ----------------------------------------
def _history(today: date) -> bytes:
    """Twelve steady weeks (6/8/6/12 km), then a 20 km long run four days ago."""
    rows = ["date,distance_km,duration,climbing_m"]
    start = today - timedelta(days=7 * 12 + today.weekday())
    for week in range(12):
        for dow, km in ((0, 6.0), (2, 8.0), (4, 6.0), (6, 12.0)):
            d = start + timedelta(days=7 * week + dow)
            if d < today - timedelta(days=4):
                rows.append(f"{d.isoformat()},{km},{int(km * 330)},{int(km * 8)}")
    rows.append(f"{(today - timedelta(days=4)).isoformat()},20.0,6600,160")
    return ("\n".join(rows) + "\n").encode()


def test_dashboard_on_the_real_date(tmp_path: Path, visit: Any) -> None:
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'loadwatch.db'}", data)
    tz = "Europe/Vienna"
    today = local_today(tz)
    with store.transaction() as s:
        runner = get_or_create_athlete(s, "Rita Runner", tz)
        quiet = get_or_create_athlete(s, "Quinn Quiet", tz)
        coach, token = auth.create_user(s, "coach", "coach")
        auth.link_coach(s, coach, runner)
        auth.link_coach(s, coach, quiet)
    import_log(store, runner.id, _history(today), "log.csv")
    drain_pending(store)
    store.close()

    with serve(cli_env(data), "--no-scheduler") as url:
        v = visit(url)
        page = v.page
        page.goto(f"{url}/#token={token}")
        page.wait_for_selector("#athletes .card")
        assert page.locator(".card .c-name a").all_inner_texts() == ["Rita Runner", "Quinn Quiet"]
        reason = page.locator(".card:first-child .c-reason").inner_text()
        assert re.search(
            r"20\.0 km run is 67 % longer than your longest run of the last 30", reason
        )
        page.click(".card:first-child .c-name a")
        page.wait_for_selector("svg[data-dimension='distance'] .bar")
        spike = today - timedelta(days=4)
        week = (spike - timedelta(days=spike.weekday())).isoformat()
        bar = page.locator(f"svg[data-dimension='distance'] .bar[data-week='{week}']")
        # 67 % over the 30-day longest: Frandsen's 30–100 % band, a caution.
        assert bar.get_attribute("class") == "bar caution"
        assert page.locator("#flags li.open button", has_text="Acknowledge").count() >= 1


def _with_a_break(today: date) -> bytes:
    """Eight weeks of 6/8/6/12 km (8 m of climbing a km: 256 m a week, under the 300 m floor;
    no fast km), three weeks off, then back at the same runs up to yesterday."""
    rows = ["date,distance_km,duration,climbing_m"]
    start = today - timedelta(days=7 * 13 + today.weekday())
    for week in [*range(8), *range(11, 14)]:
        for dow, km in ((0, 6.0), (2, 8.0), (4, 6.0), (6, 12.0)):
            d = start + timedelta(days=7 * week + dow)
            if d < today:
                rows.append(f"{d.isoformat()},{km},{int(km * 330)},{int(km * 8)}")
    return ("\n".join(rows) + "\n").encode()


def test_the_charts_usual_week_is_the_one_status_gives(tmp_path: Path, visit: Any) -> None:
    """The week holding today is read on today: its bar says status's usual week (the weekly
    ramp's: break days left out), in status's words where a floor stands in, and the floor
    is drawn where the bands sit."""
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'loadwatch.db'}", data)
    today = local_today("UTC")
    with store.transaction() as s:
        runner = get_or_create_athlete(s, "Rita Runner", "UTC")
        coach, token = auth.create_user(s, "coach", "coach")
        auth.link_coach(s, coach, runner)
    import_log(store, runner.id, _with_a_break(today), "log.csv")
    drain_pending(store)
    store.close()

    with serve(cli_env(data), "--no-scheduler") as url:
        status = httpx.get(
            f"{url}/api/v1/athletes/{runner.id}/status",
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        days = httpx.get(
            f"{url}/api/v1/athletes/{runner.id}/series?period=day&from={today}",
            headers={"Authorization": f"Bearer {token}"},
        ).json()["data"]
        dims = {d["dimension"]: d for d in status["dimensions"]}
        # The break: the ramp's usual week is not the plain mean week of the 28 days before.
        assert dims["distance"]["chronic_week"] != days[-1]["distance_chronic_week"]
        # Climbing (256 m a week) and fast km (none) are judged against their floors.
        assert (dims["hills"]["judged_week"], dims["speed"]["judged_week"]) == (300.0, 3.0)
        assert (dims["speed"]["chronic_week"], days[-1]["speed_usual_week"]) == (0.0, 0.0)
        page = visit(url).page
        page.goto(f"{url}/#token={token}")
        page.wait_for_selector("#athletes .card")
        page.click(".card:first-child .c-name a")
        page.wait_for_selector("svg[data-dimension='distance'] .bar")
        for dim in ("distance", "speed", "hills"):
            d = dims[dim]
            chart = page.locator(f"svg[data-dimension='{dim}']")
            words = f"usual {amount(d['chronic_week'], d['unit'])}"
            if d["chronic_week"] < d["judged_week"]:
                words += f", judged against at least {amount(d['judged_week'], d['unit'])}"
                assert chart.locator("path.judged").count() == 1, dim
            title = chart.locator(".bar").last.locator("title").text_content()
            assert title is not None and f"({words})" in title, (dim, title)
        legend = page.locator("svg[data-dimension='hills'] + ul.legend").inner_text()
        assert "judged against at least (the floor)" in legend


# --- one activity, deep links, dates, axes (issue 22, item 7) -------------------------------
ACTIVITY_TEXT = [
    "#act-facts",
    "#act-stretches",
    "#act-flags li .meta",
    "#act-numbers .src.device",
    "#act-numbers .src.computed",
    "#act-threshold",
    "#act-charts .legend li",
]
ISO_OR_US_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{4}\b")


def _detail(url: str, token: str, activity_id: int) -> dict[str, Any]:
    r = httpx.get(
        f"{url}/api/v1/activities/{activity_id}/detail",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.mark.parametrize(("viewport", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_activity_page_draws_its_run_from_the_week_list(
    demo: tuple[DemoWorld, str], visit: Any, viewport: dict[str, int], name: str
) -> None:
    world, url = demo
    v = visit(url, viewport)
    page = _signed_in(v, world, url)
    # (By name: an earlier test may have acknowledged her flags, and she is no longer first.)
    page.locator("#athletes .card .c-name a", has_text="Spiky Sara").click()
    page.wait_for_selector("svg[data-dimension='distance'] .bar", state="attached")
    page.locator("svg[data-dimension='distance'] .bar[data-week='2026-11-09']").click()
    row = page.locator("#week-table tbody tr", has_text="Sun, 15 Nov 2026")
    row.locator("a").click()
    page.wait_for_selector("#act-charts svg[data-series='heart_rate'] path.line")
    activity_id = int(page.url.rsplit("#activity=", 1)[1])
    d = _detail(url, world.coach_token, activity_id)

    assert page.locator("#act-name").inner_text() == "Running, Sun, 15 Nov 2026"
    series = page.locator("#act-charts figure > svg").evaluate_all(
        "els => els.map(e => e.dataset.series)"
    )
    assert series == ["pace_s_per_km", "elevation_m", "heart_rate"]
    # Every chart shades every stretch the API found: on the long run, its 7 climbs and no
    # fast stretch (it was run easy, 6:08 /km against a 4:56 /km threshold).
    kinds = [s["kind"] for s in d["stretches"]]
    assert kinds.count("uphill") == 7 and kinds.count("fast") == 0
    for key in series:
        chart = page.locator(f"svg[data-series='{key}']")
        assert chart.locator("rect.stretch.uphill").count() == 7
        assert chart.locator("path.line").count() == 1
    # The sentence gives the run's own uphill km (its Numbers row) and how much of it the
    # bands hold, not the bands' length end to end (which spans dips and once read 3.59 km of
    # "fast" beside 3.45 km in the Numbers).
    uphill_km = page.locator("#act-numbers tr[data-field='uphill_distance_m'] td").first
    assert uphill_km.inner_text() == "6.83 km"
    assert page.locator("#act-stretches").inner_text() == (
        "No fast running · uphill 6.83 km, 6.71 km of it in 7 shaded stretches. Bits shorter "
        "than 100 m are not shaded. Hover over a shaded band for its numbers."
    )
    # The numbers, each with where it came from.
    distance = page.locator("#act-numbers tr[data-field='distance_m']")
    assert distance.locator("td").all_inner_texts() == ["30.80 km", "device"]
    gap = page.locator("#act-numbers tr[data-field='gap_distance_m'] td").all_inner_texts()
    assert gap[1] == "computed from the samples"
    # The flags it fed: its 40 % distance spike and the week's uphill ramp, both cautions
    # since severity follows the evidence (her alert that week is Thursday's climb).
    flags = page.locator("#act-flags li").all_inner_texts()
    assert len(flags) == 2
    assert "Sunday's 30.8 km run is 40 % longer than your longest run" in flags[0]
    assert page.locator("#act-back").get_attribute("href") == f"#athlete={world.sara}"
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    if name == "phone":
        flags_box = page.locator("#act-flags").bounding_box()
        charts_box = page.locator("#act-charts").bounding_box()
        assert flags_box is not None and charts_box is not None
        assert flags_box["y"] < charts_box["y"], "on a phone the flags come first"
    assert ISO_OR_US_DATE.search(page.locator("#activity").inner_text()) is None
    ratios = page.evaluate(CONTRAST_JS, ACTIVITY_TEXT)
    assert None not in ratios.values(), ratios
    low = {k: round(r, 2) for k, r in ratios.items() if r < 4.5}
    assert low == {}, f"below WCAG AA 4.5:1: {low}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"activity-{name}.png"), full_page=True)


def test_deep_links_open_their_view_after_sign_in(demo: tuple[DemoWorld, str], visit: Any) -> None:
    world, url = demo
    v = visit(url, PHONE)
    page = v.page
    page.goto(f"{url}/#token={world.coach_token}&athlete={world.sara}")
    page.wait_for_selector("svg[data-dimension='distance'] .bar", state="attached")
    assert page.locator("#athlete").is_visible() and page.locator("#triage").is_hidden()
    assert page.locator("#a-name").inner_text().startswith("Spiky Sara")
    assert page.url.endswith(f"/#athlete={world.sara}")  # the token left the address bar
    # On a phone the athlete's flags come before the charts.
    flags_box = page.locator("#flags").bounding_box()
    charts_box = page.locator("#charts").bounding_box()
    assert flags_box is not None and charts_box is not None
    assert flags_box["y"] < charts_box["y"]
    # The token in the fragment may come after the view, and may name an activity.
    runs = httpx.get(
        f"{url}/api/v1/athletes/{world.sara}/activities?limit=1",
        headers={"Authorization": f"Bearer {world.coach_token}"},
    ).json()["data"]
    page.goto(f"{url}/#activity={runs[0]['id']}&token={world.coach_token}")
    page.wait_for_selector("#act-numbers tbody tr")
    assert page.locator("#activity").is_visible()
    assert page.url.endswith(f"/#activity={runs[0]['id']}")


def test_one_date_style_and_sane_axes_on_an_empty_range(
    demo: tuple[DemoWorld, str], visit: Any
) -> None:
    world, url = demo
    v = visit(url)
    page = v.page
    # Olga's runs are all from 2021: the last 12 weeks are all zero.  Her usual week is 0,
    # judged against the weekly ramp's floors (10 km, 3 km fast, 300 m), as status says: the
    # axis reaches the floor's caution band (2 x the floor) in round, distinct steps.
    page.goto(f"{url}/#token={world.coach_token}&athlete={world.old}")
    page.wait_for_selector("svg[data-dimension='distance'] .bar", state="attached")
    for dim, top in (("distance", "25"), ("speed", "8"), ("hills", "800")):
        chart = page.locator(f"svg[data-dimension='{dim}']")
        ticks = chart.locator("text[text-anchor='end']").all_text_contents()
        assert ticks[0] == "0" and ticks[-1] == top and len(set(ticks)) == len(ticks), dim
        assert chart.locator("path.judged").count() == 1, dim
    assert page.locator("#range-from").input_value() == "24 Aug 2026"
    assert page.locator("#range-to").input_value() == "15 Nov 2026"
    assert ISO_OR_US_DATE.search(page.locator("#athlete").inner_text()) is None
    # The range fields read the page's own style back (and ISO); anything else is refused.
    page.fill("#range-from", "2 Jun 2021")
    page.fill("#range-to", "2021-06-27")
    page.click("#range button[type=submit]")
    distance = page.locator("svg[data-dimension='distance']")
    expect(distance.locator(".bar")).to_have_count(4)
    assert page.locator("#range-from").input_value() == "2 Jun 2021"
    assert page.locator("#range-to").input_value() == "27 Jun 2021"
    page.fill("#range-from", "06/02/2021")
    page.click("#range button[type=submit]")
    expect(page.locator("#error")).to_have_text(
        '"06/02/2021" is not a date: write it like 15 Nov 2026'
    )


def test_the_week_list_dates_a_run_as_the_api_does(
    own_demo: tuple[DemoWorld, str], visit: Any
) -> None:
    """The week's activities are the API's, on their ``local_date`` at their ``local_start``:
    a log row stamped in UTC has no offset of its own, so it counts in Sara's zone (Vienna,
    UTC+1), where Sunday 23:30 UTC is Monday 00:30; the page read it as UTC, a week early."""
    world, url = own_demo
    log = b"date,sport,distance_km,duration\n2026-11-08T23:30:00Z,walking,1.0,15:00\n"
    r = httpx.post(
        f"{url}/api/v1/athletes/{world.sara}/logs",
        files=[("files", ("late.csv", log, "text/csv"))],
        headers={"Authorization": f"Bearer {world.coach_token}"},
    )
    assert r.status_code == 200, r.text
    v = visit(url)
    page = v.page
    page.goto(f"{url}/#token={world.coach_token}&athlete={world.sara}")
    page.wait_for_selector("svg[data-dimension='distance'] .bar", state="attached")
    page.locator("svg[data-dimension='distance'] .bar[data-week='2026-11-09']").click()
    page.wait_for_selector("#week:not([hidden]) #week-table tbody tr")
    rows = page.locator("#week-table tbody tr").all_inner_texts()
    assert rows[0].startswith("Mon, 9 Nov 2026 00:30"), rows
    assert any("Sun, 15 Nov 2026" in r and "30.8" in r for r in rows), rows
