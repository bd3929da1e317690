"""A moved maximum heart rate is said, not silent (docs/hr-load.md, "When the numbers change"):
a new hardest run re-estimates it and status (API and CLI), the report, the series and the
athlete view say from what to what, when and from which run; a coach's maximum is never
replaced by an estimate, and setting one is said the same way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from loadwatch import auth
from loadwatch.analytics.trimp import profile, trimp
from loadwatch.api.app import create_app
from loadwatch.cli import app
from loadwatch.clock import pin_today
from loadwatch.config import get_settings
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import open_store
from loadwatch.store.models import Activity
from support.paths import REPO

API = "/api/v1"
SAM = REPO / "sample_data" / "steady-sam"
TODAY = date(2026, 7, 29)
runner = CliRunner()
# Held a minute (hr_peak_bpm): the easy run 151, the hills 154, each intervals session 169.
EASY, HILLS = "2026-07-22-easy.fit", "2026-07-23-hills.fit"
INTERVALS, LATER_INTERVALS = "2026-07-21-intervals.fit", "2026-07-28-intervals.fit"


def _cli(*args: str) -> str:
    done = runner.invoke(app, list(args))
    assert done.exit_code == 0, done.output
    return " ".join(done.stdout.split())


def _import(*names: str) -> None:
    _cli("import", *(str(SAM / n) for n in names), "--athlete", "Sam")
    _cli("evaluate")


@pytest.fixture
def sam(data_dir: Path) -> Iterator[tuple[TestClient, dict[str, str], int]]:
    if not (SAM / EASY).exists():
        pytest.skip(f"sample data not generated ({SAM})")
    pin_today(TODAY)
    _import(EASY, HILLS)
    settings = get_settings()
    store = open_store(settings)
    with store.transaction() as s:
        _, token = auth.create_user(s, "admin", "admin")
        aid = athlete_store.get_athlete_by_name(s, "Sam").id
    try:
        with TestClient(create_app(store, settings=settings)) as client:
            yield client, {"Authorization": f"Bearer {token}"}, aid
    finally:
        pin_today(None)
        store.close()


def _get(sam: tuple[TestClient, dict[str, str], int], path: str) -> Any:
    client, headers, aid = sam
    r = client.get(f"{API}/athletes/{aid}{path}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _loads_and_hists() -> dict[str, tuple[float, list[float]]]:
    store = open_store(get_settings())
    try:
        with store.sessions() as s:
            rows = s.query(Activity).all()
            return {
                r.start_time.date().isoformat(): (r.hr_load, list(r.hr_time_hist_s or []))
                for r in rows
            }
    finally:
        store.close()


def test_a_new_hardest_run_is_said_everywhere_and_a_coachs_max_stands(
    sam: tuple[TestClient, dict[str, str], int],
) -> None:
    first = _get(sam, "/status")["fitness"]
    assert first["hr"]["max_hr"] == 154.0 and first["hr"]["max_source"] == "estimated"
    assert first["hr_change"] is None  # the first basis: nothing moved
    easy_before = _loads_and_hists()["2026-07-22"][0]

    _import(INTERVALS)  # held 169 bpm: the estimate moves from 154 to 169
    sentence = (
        "maximum heart rate re-estimated from 154 to 169 bpm on 2026-07-29 (from the run of "
        "2026-07-21): heart-rate load recomputed"
    )
    fit = _get(sam, "/status")["fitness"]
    assert fit["hr"]["max_hr"] == 169.0
    change = fit["hr_change"]
    assert (change["from_max_hr"], change["to_max_hr"], change["max_source"]) == (
        154.0,
        169.0,
        "estimated",
    )
    assert (change["on"], change["run_day"]) == ("2026-07-29", "2026-07-21")
    assert change["sentence"].replace(f" {change['run_name']!r}", "") == sentence
    # The past moved with it: the easy run's TRIMP is now the one at 60-169 bpm.
    easy_after, hist = _loads_and_hists()["2026-07-22"]
    want = trimp([hist], profile(rest_bpm=None, max_bpm=None, sex=None, peak_bpm=169.0))[0]
    assert easy_after == pytest.approx(want, rel=1e-12) and easy_after != easy_before
    # Every face says it.
    assert _get(sam, "/series?period=day")["fitness"]["hr_change"] == change
    assert _get(sam, "")["hr_change"] == change
    client, headers, _ = sam
    (easy,) = [a for a in _get(sam, "/activities")["data"] if a["start_time"] < "2026-07-23"
               and a["start_time"] >= "2026-07-22"]  # fmt: skip
    detail = client.get(f"{API}/activities/{easy['id']}/detail", headers=headers).json()
    assert (detail["hr_profile"]["max_hr"], detail["hr_change"]) == (169.0, change)
    loads = {n["field"]: n["value"] for n in detail["numbers"]}
    assert loads["hr_load"] == pytest.approx(want, abs=1e-3)
    said = f"Heart rates {change['sentence']}"
    assert said in _cli("status", "--athlete", "Sam")
    assert said in " ".join(_cli("report", "--athlete", "Sam").replace("│", " ").split())

    # The coach sets 160 bpm: said as the coach's; a later 169 bpm session never replaces it.
    _cli("athlete", "set", "Sam", "--max-hr", "160")
    _import(LATER_INTERVALS)
    fit = _get(sam, "/status")["fitness"]
    assert (fit["hr"]["max_hr"], fit["hr"]["max_source"]) == (160.0, "settings")
    assert fit["hr_change"]["sentence"] == (
        "maximum heart rate set by the coach from 169 to 160 bpm on 2026-07-29: heart-rate load "
        "recomputed"
    )
    later = _loads_and_hists()["2026-07-28"]
    assert later[0] == pytest.approx(
        trimp([later[1]], profile(rest_bpm=None, max_bpm=160.0, sex=None, peak_bpm=None))[0],
        rel=1e-12,
    )
