"""Heart-rate load kept per activity (docs/hr-load.md): estimated heart rates until a coach
sets them, recomputed at once when they change (API PATCH and CLI ``athlete set`` alike),
listed by the API and the CLI, and the fitness series built on it."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from loadwatch import auth
from loadwatch.analytics.trimp import estimated_peak, profile, trimp
from loadwatch.api.app import create_app
from loadwatch.cli import app
from loadwatch.clock import pin_today
from loadwatch.config import get_settings
from loadwatch.ingest.formats.fit import decode
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import Activity
from support.paths import REPO

API = "/api/v1"
SAM = REPO / "sample_data" / "steady-sam"
FILES = ["2026-07-21-intervals.fit", "2026-07-22-easy.fit", "2026-07-23-hills.fit"]
TODAY = date(2026, 7, 25)
runner = CliRunner()


@dataclass
class World:
    store: Store
    client: TestClient
    headers: dict[str, str]
    athlete_id: int

    def hists(self) -> dict[int, list[float]]:
        with self.store.sessions() as s:
            rows = s.query(Activity).filter(Activity.athlete_id == self.athlete_id).all()
            return {r.id: list(r.hr_time_hist_s or []) for r in rows}

    def listed(self) -> dict[int, float | None]:
        r = self.client.get(f"{API}/athletes/{self.athlete_id}/activities", headers=self.headers)
        assert r.status_code == 200, r.text
        return {a["id"]: a["hr_load"] for a in r.json()["data"]}


@pytest.fixture
def world(data_dir: Path) -> Iterator[World]:
    if not (SAM / FILES[0]).exists():
        pytest.skip(f"sample data not generated ({SAM})")
    done = runner.invoke(app, ["import", *(str(SAM / f) for f in FILES), "--athlete", "Sam"])
    assert done.exit_code == 0, done.output
    settings = get_settings()
    store = open_store(settings)
    with store.transaction() as s:
        _, token = auth.create_user(s, "admin", "admin")
        aid = athlete_store.get_athlete_by_name(s, "Sam").id
    pin_today(TODAY)
    try:
        with TestClient(create_app(store, settings=settings)) as client:
            yield World(store, client, {"Authorization": f"Bearer {token}"}, aid)
    finally:
        pin_today(None)
        store.close()


def _by_hand(path: Path, rest: float, peak: float, male: bool) -> float:
    """TRIMP with numpy from the decoded stream (steps at the first sample's rate)."""
    (track,) = decode(path.read_bytes(), path.name)
    t = track.samples["time"].dt.epoch("us").to_numpy().astype(np.float64) / 1e6
    hr = track.samples["heart_rate"].cast(float).fill_null(np.nan).to_numpy()
    dt, h = np.diff(t), hr[:-1]
    ok = (dt > 0) & (dt <= 30.0) & np.isfinite(h)
    x = np.clip((h[ok] - rest) / (peak - rest), 0.0, 1.0)
    a, b = (0.64, 1.92) if male else (0.86, 1.67)
    return float(np.sum(dt[ok] / 60.0 * x * a * np.exp(b * x)))


def test_estimated_then_set_then_estimated_again(world: World) -> None:
    hists = world.hists()
    assert len(hists) == 3 and all(len(h) == 226 for h in hists.values())
    peak = estimated_peak(list(hists.values()))
    assert peak is not None and 150 < peak < 200

    # Nothing set: rest 60 (the default), max the highest rate held a minute, said so.
    got = world.client.get(f"{API}/athletes/{world.athlete_id}", headers=world.headers).json()
    assert got["resting_hr"] is None and got["max_hr"] is None and got["sex"] is None
    assert got["hr_profile"] == {
        "resting_hr": 60.0,
        "max_hr": peak,
        "sex": None,
        "hr_source": "estimated",
        "rest_source": "estimated",
        "max_source": "estimated",
    }
    est = profile(rest_bpm=None, max_bpm=None, sex=None, peak_bpm=peak)
    assert est is not None
    listed = world.listed()
    ids = sorted(listed)
    assert [listed[i] for i in ids] == pytest.approx(trimp([hists[i] for i in ids], est))

    # The coach sets them: every activity's load is recomputed in the same request.
    r = world.client.patch(
        f"{API}/athletes/{world.athlete_id}",
        json={"resting_hr": 48, "max_hr": 188, "sex": "male"},
        headers=world.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["hr_profile"]["hr_source"] == "settings"
    listed = world.listed()
    by_start = sorted(ids)  # imported in file order: ids follow the dates
    for aid, name in zip(by_start, FILES, strict=True):
        assert listed[aid] == pytest.approx(_by_hand(SAM / name, 48, 188, male=True), rel=0.01)

    # The CLI shows the same and goes back to the estimate.
    done = runner.invoke(app, ["activities", "--athlete", "Sam", "--json"])
    assert done.exit_code == 0, done.output
    cli = {a["id"]: a["hr_load"] for a in json.loads(done.stdout)["data"]}
    assert cli == pytest.approx(listed)
    done = runner.invoke(app, ["athlete", "set", "Sam", "--estimated-hr"])
    assert done.exit_code == 0, done.output
    assert "resting estimated, maximum estimated, sex unspecified" in done.stdout
    assert world.listed() == pytest.approx(
        dict(zip(ids, trimp([hists[i] for i in ids], est), strict=True))
    )


def test_impossible_heart_rates_are_refused(world: World) -> None:
    url = f"{API}/athletes/{world.athlete_id}"
    r = world.client.patch(url, json={"resting_hr": 70, "max_hr": 85}, headers=world.headers)
    assert r.status_code in (400, 422) and r.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert "at least 20 bpm above" in r.text or "max_hr" in r.text
    r = world.client.patch(url, json={"sex": "other"}, headers=world.headers)
    assert r.status_code == 422
    done = runner.invoke(app, ["athlete", "set", "Sam", "--sex", "robot"])
    assert done.exit_code != 0 and "robot" in done.output


def test_series_carries_fitness_from_trimp(world: World) -> None:
    runner.invoke(app, ["evaluate"])
    r = world.client.get(
        f"{API}/athletes/{world.athlete_id}/series",
        params={"period": "day"},
        headers=world.headers,
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert {"fitness_load", "fitness", "fatigue", "form"} <= set(body["columns"])
    fit = body["fitness"]
    assert fit["source"] == "trimp" and fit["unit"] == "TRIMP" and fit["imputed"] == 0
    assert "not injury risk" in fit["note"]
    assert fit["hr"]["hr_source"] == "estimated"
    # The closed form over the days' impulses, by hand.
    w = [row["fitness_load"] for row in body["data"]]
    assert sum(w) == pytest.approx(sum(v for v in world.listed().values() if v), rel=1e-3)
    k42, k7 = 1 - math.exp(-1 / 42), 1 - math.exp(-1 / 7)
    n = len(w) - 1
    fitness = k42 * sum(math.exp(-(n - i) / 42) * w[i] for i in range(n + 1))
    fatigue = k7 * sum(math.exp(-(n - i) / 7) * w[i] for i in range(n + 1))
    last = body["data"][-1]
    assert last["date"] == TODAY.isoformat()
    assert last["fitness"] == pytest.approx(fitness, abs=1e-3)
    assert last["fatigue"] == pytest.approx(fatigue, abs=1e-3)
    assert last["form"] == pytest.approx(fitness - fatigue, abs=1e-3)
    assert fit["fitness"] == pytest.approx(fitness, abs=1e-3)


def test_status_says_fitness_is_context(world: World) -> None:
    r = world.client.get(f"{API}/athletes/{world.athlete_id}/status", headers=world.headers)
    assert r.status_code == 200, r.text
    fit = r.json()["fitness"]
    assert fit["source"] == "trimp" and fit["fitness"] > 0
    done = runner.invoke(app, ["status", "--athlete", "Sam", "--today", TODAY.isoformat()])
    assert done.exit_code == 0, done.output
    text = " ".join(done.stdout.split())
    assert f"Fitness {fit['fitness']:.0f} · fatigue {fit['fatigue']:.0f}" in text
    assert "heart-rate TRIMP" in text and "performance context, not injury risk" in text


def test_the_activity_detail_lists_its_hr_load(world: World) -> None:
    listed = world.listed()
    aid = min(listed)
    r = world.client.get(f"{API}/activities/{aid}/detail", headers=world.headers)
    assert r.status_code == 200, r.text
    numbers = {n["field"]: n for n in r.json()["numbers"]}
    assert numbers["hr_load"]["unit"] == "TRIMP"
    assert numbers["hr_load"]["value"] == pytest.approx(listed[aid], abs=1e-3)


def test_evaluation_follows_a_new_estimated_maximum_and_skips_otherwise(world: World) -> None:
    from loadwatch.services import hr_load

    with world.store.transaction() as s:
        assert hr_load.refresh_athlete(s, world.athlete_id) == 0  # nothing moved
        # A new hardest run: its held peak raises the estimated maximum to 200 bpm.
        newest = max(world.hists())
        s.get(Activity, newest).hr_peak_bpm = 200.0  # type: ignore[union-attr]
        s.flush()
        assert hr_load.refresh_athlete(s, world.athlete_id) == 3
        assert hr_load.refresh_athlete(s, world.athlete_id) == 0
    est = profile(rest_bpm=None, max_bpm=None, sex=None, peak_bpm=200.0)
    assert est is not None
    hists = world.hists()
    ids = sorted(hists)
    want = trimp([hists[i] for i in ids], est)
    listed = world.listed()
    assert [listed[i] for i in ids] == pytest.approx(want)
