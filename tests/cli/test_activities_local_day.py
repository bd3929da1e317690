"""Trial 11 F13: every list of activities shows a run on the day its flags, series and reports
count it on (``analytics.days.local_start``: the activity's own UTC offset, else the athlete's
zone), with ``local_date``/``local_start`` beside the UTC ``start_time`` in the JSON.

The runs are GPX tracks made here, whose first fix dates them: one in Madrid for an athlete
whose zone is Pacific/Auckland (18:00 UTC on 12 November is 19:00 in Madrid, UTC+1, and
07:00 on the 13th in Auckland, UTC+13), one at 45° N 7° E (Europe/Rome, UTC+1) for an athlete
in UTC (23:30 UTC on the 12th is 00:30 on the 13th in Rome).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from support.api_env import API, Env, upload
from support.api_env import gpx_run as api_gpx_run
from support.archives import gpx_run

runner = CliRunner()


@pytest.mark.usefixtures("data_dir")
def test_cli_lists_a_run_on_the_day_the_series_counts_it(tmp_path: Path) -> None:
    run = tmp_path / "madrid.gpx"
    run.write_bytes(gpx_run(datetime(2026, 11, 12, 18, 0, tzinfo=UTC)))
    out = runner.invoke(
        app, ["import", str(run), "--athlete", "Bea", "--timezone", "Pacific/Auckland"]
    )
    assert out.exit_code == 0, out.output
    series = runner.invoke(
        app, ["series", "--athlete", "Bea", "--period", "day", "--from", "2026-11-12",
              "--to", "2026-11-13", "--json"],
    )  # fmt: skip
    assert series.exit_code == 0, series.output
    runs = {row["date"]: row["runs"] for row in json.loads(series.stdout)["data"]}
    assert runs == {"2026-11-12": 1, "2026-11-13": 0}
    listed = runner.invoke(app, ["activities", "--athlete", "Bea"], env={"COLUMNS": "160"})
    assert listed.exit_code == 0, listed.output
    assert "2026-11-12 19:00" in listed.stdout and "2026-11-13" not in listed.stdout
    doc = json.loads(runner.invoke(app, ["activities", "--athlete", "Bea", "--json"]).stdout)
    [a] = doc["data"]
    assert a["start_time"].startswith("2026-11-12T18:00:00")
    assert (a["local_date"], a["local_start"]) == ("2026-11-12", "19:00")
    assert a["start_local"] == "2026-11-12T19:00:00+01:00"


def test_api_list_and_item_carry_the_local_day_the_rules_count(env: Env) -> None:
    start = datetime(2026, 11, 12, 23, 30, tzinfo=UTC)
    r = upload(env, [("rome.gpx", api_gpx_run(start, 5.0))])
    assert r.status_code in (200, 201), r.text
    listed = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach)
    assert listed.status_code == 200, listed.text
    [a] = listed.json()["data"]
    assert a["start_time"].startswith("2026-11-12T23:30:00")
    assert (a["local_date"], a["local_start"]) == ("2026-11-13", "00:30")
    one = env.client.get(f"{API}/activities/{a['id']}", headers=env.coach).json()
    detail = env.client.get(f"{API}/activities/{a['id']}/detail", headers=env.coach).json()
    assert (one["local_date"], one["local_start"]) == (detail["local_date"], detail["local_start"])
    assert detail["local_date"] == "2026-11-13"
