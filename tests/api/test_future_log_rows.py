"""Trial F15: a training-log row dated after the athlete's local today is a bad row named by
its line, through the API and the CLI alike (one check, in ``services/csv_import``); the rows
around it are imported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.clock import pin_today
from support.api_env import API, Env

TODAY = date(2026, 12, 7)
LOG = (
    b"date,distance_km,duration,climb_m\n"
    b"2026-12-01,8,45:00,50\n"
    b"2026-12-31,10,50:00,0\n"
    b"2026-12-07,6,33:00,0\n"
    b"2026-12-08,12,1:05:00,120\n"
)
FUTURE = [
    {
        "line": 3,
        "message": "2026-12-31 is in the future (today is 2026-12-07 for the athlete);"
        " planned runs go to plan add or plan import",
    },
    {
        "line": 5,
        "message": "2026-12-08 is in the future (today is 2026-12-07 for the athlete);"
        " planned runs go to plan add or plan import",
    },
]


@pytest.fixture
def pinned() -> Iterator[None]:
    pin_today(TODAY)
    yield
    pin_today(None)


def test_the_api_names_future_rows_and_imports_the_rest(pinned: None, env: Env) -> None:
    r = env.client.post(
        f"{API}/athletes/{env.athlete_id}/logs",
        files=[("files", ("log.csv", LOG, "text/csv"))],
        headers=env.coach,
    )
    assert r.status_code == 200, r.text
    [result] = r.json()["files"]
    assert result["imported"] == 2 and result["errors"] == FUTURE
    got = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach)
    assert sorted(a["distance_m"] for a in got.json()["data"]) == [6000.0, 8000.0]


def test_the_cli_names_future_rows_by_line(pinned: None, data_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_bytes(LOG)
    r = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["import-log", str(log), "--athlete", "Ana"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines() == [
        *(f"log.csv: line {e['line']}: {e['message']}" for e in FUTURE),
        "log.csv: 2 imported, 0 already stored, 2 bad row(s)",
    ]
