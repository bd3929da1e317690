"""One ratio, one meaning (docs/rules.md, "Headroom: a promise"): status, the dashboard and
the CLI show the weekly ramp's ratio, floors included; the series' unfloored 7:28 ratio is
named apart.  A flat runner: 10 km with 20 m of climbing every other day."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.clock import local_today
from support.api_env import API, Env


def _log() -> bytes:
    today = local_today("UTC")
    rows = ["date,sport,distance_km,duration,elevation_gain_m"]
    rows += [f"{today - timedelta(days=k)},Run,10.0,0:55:00,20" for k in range(40, -1, -2)]
    return ("\n".join(rows) + "\n").encode()


# The 7 days to today: 4 runs, 40 km and 80 m; the 28 days before: 14 runs, a mean week of
# 35 km and 70 m.  Distance 40 / 35 = 1.1429 either way; climbing 80 / 70 = 1.1429 unfloored,
# but the ramp judges it against its 300 m floor: 80 / 300 = 0.2667.  No fast km and no
# uphill km (a log): 0 / 3 km floor = 0.0 for the rules, no ratio (0 / 0) unfloored.
RULES = {"distance": 1.1429, "speed": 0.0, "hills": 0.2667, "uphill": 0.0}


def test_status_dashboard_and_series_say_which_ratio(env: Env) -> None:
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/logs",
        files=[("files", ("log.csv", _log(), "text/csv"))],
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    st = env.client.get(f"{API}/athletes/{env.athlete_id}/status", headers=env.coach).json()
    dims = {d["dimension"]: d for d in st["dimensions"]}
    assert {k: d["ratio_7_28"] for k, d in dims.items()} == RULES
    assert (dims["hills"]["chronic_week"], dims["hills"]["judged_week"]) == (70.0, 300.0)
    board = env.client.get(f"{API}/dashboard", headers=env.coach).json()["data"]
    (row,) = [x for x in board if x["athlete_id"] == env.athlete_id]
    assert row["ratios"] == RULES and row["max_ratio"] == 1.1429
    day = env.client.get(
        f"{API}/athletes/{env.athlete_id}/series?period=day", headers=env.coach
    ).json()["data"][-1]
    assert "hills_ratio" not in day
    assert (day["hills_ratio_unfloored"], day["speed_ratio_unfloored"]) == (1.1429, None)


def test_cli_status_says_the_floor_it_judges_by(data_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes(_log())
    runner = CliRunner()
    r = runner.invoke(app, ["import-log", str(log), "--athlete", "Ann"])
    assert r.exit_code == 0, r.stdout
    r = runner.invoke(app, ["status", "--athlete", "Ann", "--json"])
    dims = {d["dimension"]: d for d in json.loads(r.stdout)["dimensions"]}
    assert {k: d["ratio_7_28"] for k, d in dims.items()} == RULES
    r = runner.invoke(app, ["status", "--athlete", "Ann"])
    text = " ".join(r.stdout.split())
    assert "climbing: 80 m (usual week 70 m, judged against at least 300 m, ratio 0.27;" in text
    assert "distance: 40.0 km (usual week 35.0 km, ratio 1.14;" in text
