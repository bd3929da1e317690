"""A return-to-run plan's week is the baseline of the plan check's 7-day table (trial 10 F13):
while the plan caps a dimension, its row reads the plan week's running against the plan's week
cap, not against the usual week from before the injury."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.clock import pin_today

runner = CliRunner(env={"COLUMNS": "200"})
TODAY = date(2026, 12, 7)  # a Monday: the plan starts today


def _run(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture
def pinned() -> Iterator[None]:
    pin_today(TODAY)
    try:
        yield
    finally:
        pin_today(None)


def _windows(tmp_path: Path, rows: str) -> dict[str, dict[str, Any]]:
    week = tmp_path / "week.csv"
    week.write_text("date,distance_km,fast_km,climb_m\n" + rows)
    out = json.loads(_run("plan", "check", "--athlete", "Ana", "--file", str(week), "--json"))
    return {w["dimension"]: w for w in out["windows"]}


def test_the_plan_week_is_the_baseline_while_a_plan_caps_it(
    data_dir: Path, tmp_path: Path, pinned: None
) -> None:
    # 10 km every other day for five weeks (35 km a week before the injury), up to 60 days
    # before today; a plan from today of 15 km a week, runs up to 6 km, flat.
    last = TODAY - timedelta(days=60)
    rows = ["date,sport,distance_km,duration,elevation_gain_m"]
    rows += [f"{last - timedelta(days=b)},Run,10.0,0:55:00,0" for b in range(0, 36, 2)]
    log = tmp_path / "log.csv"
    log.write_text("\n".join(rows) + "\n")
    _run("import-log", str(log), "--athlete", "Ana", "--timezone", "UTC")
    _run("plan", "start", "--athlete", "Ana", "--from", str(TODAY), "--weekly-km", "15",
         "--longest-run-km", "6", "--climb-m", "0")  # fmt: skip
    _run("evaluate")

    # 6 + 4 + 5 = 15.0 km by Saturday 12-12: on the cap, 1.00; nothing said.  Climbing: 30 m
    # by Thursday 12-10 against the flat allowance of 10 m per km run so far (10 km), 100 m:
    # 0.30, nearer its cap than on Saturday (30 m of 150 m).
    w = _windows(tmp_path, "2026-12-08,6,0,0\n2026-12-10,4,0,30\n2026-12-12,5,0,0\n")
    assert (w["distance"]["basis"], w["distance"]["usual_week"]) == ("plan week", 15.0)
    assert (w["distance"]["peak_7d"], w["distance"]["ratio"]) == (15.0, 1.0)
    assert (w["distance"]["severity"], w["distance"]["caution"]) == (None, 1.0)
    assert w["distance"]["span"] == "plan week 1, 7–12 Dec: all planned"
    assert (w["hills"]["basis"], w["hills"]["usual_week"], w["hills"]["ratio"]) == (
        "plan week",
        100.0,
        0.3,
    )

    # Uphill km, which the climbing cap holds (the ramp is quiet in them within it): no usual
    # week from before the injury, the climbing row's day and verdict.
    u = w["uphill"]
    assert (u["basis"], u["usual_week"], u["ratio"], u["peak_date"], u["severity"]) == (
        "plan week",
        None,
        None,
        "2026-12-10",
        None,
    )

    # 3 km more on Sunday: 18.0 km, 1.20 of the cap: a caution, the plan's (plan_breach);
    # the pre-injury 35 km week would have read 0.51 and "ok".
    w = _windows(
        tmp_path, "2026-12-08,6,0,0\n2026-12-10,4,0,0\n2026-12-12,5,0,0\n2026-12-13,3,0,0\n"
    )
    d = w["distance"]
    assert (d["peak_7d"], d["usual_week"], d["ratio"]) == (18.0, 15.0, 1.2)
    assert (d["severity"], d["rule"], d["peak_date"]) == ("caution", "plan_breach", "2026-12-13")
    text = _run("plan", "check", "--athlete", "Ana", "--file", str(tmp_path / "week.csv"))
    out = " ".join(re.sub(r"[\u2500-\u257f]", " ", text).split())
    assert (
        "distance 18.0 km plan week 1, 7–13 Dec: all planned plan week: 15.0 km 1.20 1.00 "
        "caution (over plan)"
    ) in out
