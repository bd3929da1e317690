"""Trial item 3: "last run" and "no runs for N days" count runs only, with one definition on
every surface.  A runner whose last run is three weeks old and who rode a bike five days ago
has not run for 21 days: the report, status, the check-in's note and the dashboard all say so
(the report and the check-in used to count the ride)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from loadwatch import auth
from loadwatch.cli import app
from loadwatch.clock import local_today
from loadwatch.services.checkin import checkin_view
from loadwatch.services.dashboard import dashboard
from loadwatch.store.athletes import get_athlete_by_name
from loadwatch.store.db import open_store

runner = CliRunner(env={"COLUMNS": "200"})


def _run(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.stdout + r.stderr
    return r.stdout


def test_a_ride_is_not_a_run_on_any_surface(data_dir: Path, tmp_path: Path) -> None:
    today = local_today("UTC")
    last_run, ride = today - timedelta(days=21), today - timedelta(days=5)
    log = tmp_path / "log.csv"
    log.write_text(
        "date,distance_km,duration,sport\n"
        f"{today - timedelta(days=24)},8.0,2640,running\n"
        f"{last_run},10.0,3300,running\n"
        f"{ride},40.0,5400,cycling\n"
    )
    _run("import-log", str(log), "--athlete", "Ida")

    st = json.loads(_run("status", "--athlete", "Ida", "--json"))
    assert (st["last_activity_date"], st["last_run_date"]) == (str(ride), str(last_run))
    assert st["idle_note"] == "no runs for 21 days"
    report = _run("report", "--athlete", "Ida")
    assert f"last run {last_run}" in report
    assert "No open flags; no runs for 21 days." in report

    store = open_store()
    try:
        with store.transaction() as s:
            admin, _ = auth.create_user(s, "admin", "admin")
        with store.sessions() as s:
            ida = get_athlete_by_name(s, "Ida")
            assert checkin_view(s, ida).limits_note == "no runs for 21 days"
            (row,) = dashboard(s, admin).data
            assert (row.last_run_date, row.days_since_last_run) == (last_run, 21)
    finally:
        store.close()
