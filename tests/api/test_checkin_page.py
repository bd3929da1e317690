"""The athlete's check-in page on a 390 px phone, as an athlete uses it: a real headless
Chromium (Debian's, driven by Playwright) against a real ``loadwatch serve`` on loopback.

A check-in is three taps on the numbers and one on Save, every one of them on the first screen
(no scrolling), and stores the symptom entry the rules read plus the run's RPE; the personal
link opens its own athlete and nothing of any other.  The screenshot goes to
``$LOADWATCH_ARTIFACTS`` (default ``tmp/artifacts``; docs/checkin-phone.png is a copy).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from loadwatch import auth
from loadwatch.clock import local_today
from loadwatch.rounding import fixed
from loadwatch.services.checkin_links import create_link
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import drain_pending
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, SymptomEntry
from support.browser import ARTIFACTS, PHONE, SKIPS
from support.live import cli_env, serve

with contextlib.suppress(ImportError):  # the dev extra installs it (SKIPS skips the module)
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.e2e, *SKIPS]

TZ = "Europe/Vienna"


class World:
    def __init__(self, data: Path) -> None:
        self.data = data
        self.store = Store(f"sqlite:///{data / 'loadwatch.db'}", data)
        today = local_today(TZ)
        self.run_day = today - timedelta(days=2)
        rows = ["date,distance_km,duration"]
        # Six weeks of 8 km in 40:00 every other day, the last two days ago.
        for back in range(42, 1, -2):
            rows.append(f"{today - timedelta(days=back)},8,40:00")
        with self.store.transaction() as s:
            ann = get_or_create_athlete(s, "Ann Athlete", TZ)
            bea = get_or_create_athlete(s, "Bea Other", TZ)
            self.ann, self.bea = ann.id, bea.id
            self.link = create_link(s, ann, label="Ann's phone")
            # Cid ran yesterday: the morning's question and the run's three, all on one screen.
            cid = get_or_create_athlete(s, "Cid Morning", TZ)
            self.cid_link = create_link(s, cid, label="Cid's phone")
            self.cid = cid.id
            # Dee last ran six days ago: nothing to check in on, but pain between runs counts.
            dee = get_or_create_athlete(s, "Dee Rest", TZ)
            self.dee_link = create_link(s, dee, label="Dee's phone")
            self.dee = dee.id
            _, self.bea_user = auth.create_user(s, "bea", "athlete", athlete_id=bea.id)
        import_log(self.store, self.ann, ("\n".join(rows) + "\n").encode(), "log.csv")
        cid_rows = ["date,distance_km,duration"]
        cid_rows += [f"{today - timedelta(days=back)},8,40:00" for back in range(43, 0, -2)]
        import_log(self.store, self.cid, ("\n".join(cid_rows) + "\n").encode(), "log.csv")
        self.today = today
        dee_rows = ["date,distance_km,duration"]
        dee_rows += [f"{today - timedelta(days=back)},8,40:00" for back in range(44, 5, -2)]
        import_log(self.store, self.dee, ("\n".join(dee_rows) + "\n").encode(), "log.csv")
        drain_pending(self.store)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    w = World(tmp_path_factory.mktemp("checkin") / "data")
    with serve(cli_env(w.data), "--no-scheduler") as url:
        yield w, url
    w.store.close()


def _open(browser: Browser, url: str, requests: list[str], console: list[str]) -> Page:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)  # type: ignore[arg-type]
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.goto(url)
    return page


def _on_first_screen(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    assert box is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_the_morning_after_asks_four_questions_and_save_needs_no_scrolling(
    world: tuple[World, str], browser: Browser
) -> None:
    # At 390 x 844 four scales once pushed Save below the screen (docs/checkin.md promises no
    # scrolling): the morning's legend wrapped to two lines and every gap added up.  Room is
    # left for a next-run line that wraps (a longer one than Cid's).
    w, url = world
    page = _open(browser, url + w.cid_link.path, [], [])
    page.wait_for_selector("#ci:not([hidden])")
    fields = ("pain_next_morning", "pain_during", "pain_after", "rpe")
    for f in fields:
        assert page.locator(f"fieldset[data-field='{f}']").is_visible(), f
    taps = [f"fieldset[data-field='{f}'] .chip[data-v='10']" for f in fields] + ["#save"]
    assert [t for t in taps if not _on_first_screen(page, t)] == []
    save = page.locator("#save").bounding_box()
    assert save is not None and save["y"] + save["height"] <= PHONE["height"] - 24
    # Its numbers round as every other face does (``rounding.fixed``: halves up, trial 10 F9).
    got = page.evaluate("[dec(30.25, 1), dec(30.35, 1), dec(2.675, 2), dec(-0.04, 1)]")
    assert (
        got
        == ["30.3", "30.4", "2.68", "0.0"]
        == [
            fixed(30.25),
            fixed(30.35),
            fixed(2.675, 2),
            fixed(-0.04),
        ]
    )
    page.context.close()


def test_a_checkin_is_three_taps_plus_save_and_stores_the_entry(
    world: tuple[World, str], browser: Browser
) -> None:
    w, url = world
    requests: list[str] = []
    console: list[str] = []
    page = _open(browser, url + w.link.path, requests, console)
    page.wait_for_selector("#ci:not([hidden])")
    assert page.locator("#who").inner_text() == "Ann Athlete"
    run = page.locator("#run").inner_text()
    assert "8.0 km" in run and "5:00 /km" in run and "40 min" in run
    assert page.locator("#ci-title").inner_text() == "After your run"
    # The next-run limit at a glance: 10 % over the longest run of 30 days (8 km) is the
    # spike rule's caution line.
    assert page.locator("#next-run").inner_text().startswith("Next run: up to 8.8 km")
    # The questions of the morning after are not asked two days later.
    assert page.locator("fieldset[data-field='pain_next_morning']").is_hidden()

    taps = [
        "fieldset[data-field='pain_during'] .chip[data-v='2']",
        "fieldset[data-field='pain_after'] .chip[data-v='3']",
        "fieldset[data-field='rpe'] .chip[data-v='6']",
        "#save",
    ]
    # Every tap is on the first screen: no scrolling between them.
    assert all(_on_first_screen(page, t) for t in taps), "a tap needs scrolling"
    for t in taps[:3]:
        page.tap(t)
    assert page.locator(taps[2]).get_attribute("aria-pressed") == "true"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "checkin-phone.png"))
    page.tap(taps[3])  # the only tap besides the three numbers
    page.wait_for_selector("#status:has-text('Saved')")
    # 6 x 40 min = 240 AU.
    assert "Session load 240" in page.locator("#status").inner_text()

    with w.store.sessions() as s:
        entry = s.scalars(
            sa.select(SymptomEntry).where(
                SymptomEntry.athlete_id == w.ann, SymptomEntry.date == w.run_day
            )
        ).one()
        assert (entry.pain_during, entry.pain_after, entry.source) == (2, 3, "checkin")
        rpes = s.scalars(
            sa.select(Activity.rpe).where(Activity.athlete_id == w.ann, Activity.rpe.is_not(None))
        ).all()
        assert rpes == [6.0]
    foreign = [u for u in requests if not u.startswith((url + "/", "data:"))]
    assert foreign == []
    assert [m for m in console if "Content Security Policy" in m or "pageerror" in m] == []


def test_the_personal_link_gives_404_for_any_other_athlete(
    world: tuple[World, str], browser: Browser
) -> None:
    w, url = world
    requests: list[str] = []
    console: list[str] = []
    other = w.link.path.replace(f"athlete={w.ann}", f"athlete={w.bea}")
    page = _open(browser, url + other, requests, console)
    page.wait_for_selector("#gone:not([hidden])")
    assert "does not open a check-in" in page.locator("#gone-text").inner_text()
    assert "Bea" not in page.content()
    token = {"Authorization": f"Bearer {w.link.token}"}
    for athlete in (w.bea, 999_999):
        r = httpx.get(f"{url}/api/v1/athletes/{athlete}/checkin", headers=token)
        assert r.status_code == 404, r.text
    # Bea's own account opens Bea's check-in, not Ann's.
    bea = {"Authorization": f"Bearer {w.bea_user}"}
    assert httpx.get(f"{url}/api/v1/athletes/{w.bea}/checkin", headers=bea).status_code == 200
    assert httpx.get(f"{url}/api/v1/athletes/{w.ann}/checkin", headers=bea).status_code == 404


def test_pain_on_a_day_without_a_run_is_one_tap_plus_save(
    world: tuple[World, str], browser: Browser
) -> None:
    """Trial item 9: a runner in pain between runs once met only "No run in the last three
    days" and no scale, although the API takes a rest day's entry."""
    w, url = world
    requests: list[str] = []
    console: list[str] = []
    page = _open(browser, url + w.dee_link.path, requests, console)
    page.wait_for_selector("#ci:not([hidden])")
    assert page.locator("#norun").is_visible()
    assert page.locator("#run").is_hidden()
    fields = ("pain_today", "pain_next_morning", "pain_during", "pain_after", "rpe")
    shown = [f for f in fields if page.locator(f"fieldset[data-field='{f}']").is_visible()]
    assert shown == ["pain_today"]
    tap = "fieldset[data-field='pain_today'] .chip[data-v='6']"
    assert _on_first_screen(page, tap) and _on_first_screen(page, "#save")
    page.tap(tap)
    page.tap("#save")
    page.wait_for_selector("#status:has-text('Saved')")
    with w.store.sessions() as s:
        entry = s.scalars(
            sa.select(SymptomEntry).where(
                SymptomEntry.athlete_id == w.dee, SymptomEntry.date == w.today
            )
        ).one()
        assert (entry.pain_during, entry.pain_after, entry.pain_next_morning, entry.source) == (
            None,
            6,
            None,
            "checkin",
        )
    # Opened again, the page shows what was given, to correct it.
    page.reload()
    page.wait_for_selector("#ci:not([hidden])")
    assert page.locator(tap).get_attribute("aria-pressed") == "true"
    assert page.locator("#status").inner_text().startswith("Checked in ✓")
    assert [m for m in console if "Content Security Policy" in m or "pageerror" in m] == []
    page.context.close()
