"""The coach dashboard page, in a real headless Chromium against a real server on loopback."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from live import cli_env, serve
from loadwatch import auth
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import drain_pending
from loadwatch.store.db import Store
from loadwatch.store.repo import get_or_create_athlete

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH (apt-get install chromium)"),
]


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


def _dom(url: str, tmp: Path) -> str:
    out = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp / 'chrome'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def test_dashboard_shows_athletes_charts_and_flags(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'loadwatch.db'}", data)
    tz = "Europe/Vienna"
    today = datetime.now(ZoneInfo(tz)).date()
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
        dom = _dom(f"{url}/#token={token}", tmp_path)

    # The overview lists both athletes, the one with an alert first.
    names = re.findall(r'<tr data-athlete="\d+"[^>]*><td>([^<]+)</td>', dom)
    assert names == ["Rita Runner", "Quinn Quiet"], dom[:2000]
    assert 'class="badge alert"' in dom
    # Three charts for the selected athlete, with the spike week's distance bar marked.
    assert len(re.findall(r'<svg [^>]*data-dimension="(distance|speed|hills)"', dom)) == 3
    spike_week = (today - timedelta(days=4)) - timedelta(days=(today - timedelta(days=4)).weekday())
    distance_chart = dom.split('data-dimension="distance"')[1].split("</svg>")[0]
    marked = re.findall(r'class="bar (alert|caution)" data-week="([\d-]+)"', distance_chart)
    assert ("alert", spike_week.isoformat()) in marked
    # The flag's sentence, with its numbers, is on the page.
    assert re.search(r"20\.0 km run is 67 % longer than your longest run of the last 30 days", dom)
    assert "Acknowledge" in dom
