"""``loadwatch plan add | import | list | delete | check`` (docs/planning.md), and the demo's
returning runner with her planned next week."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.clock import utcnow
from loadwatch.config import get_settings
from support.demo_world import DemoWorld, copy_of
from support.planning import history_csv

runner = CliRunner()
_BOX = re.compile(r"[\u2500-\u257f]")


def prose(text: str) -> str:
    return " ".join(_BOX.sub(" ", text).split())


def run(data: Path, *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()  # the settings are read once per process
    try:
        r = runner.invoke(app, list(args), env={"LOADWATCH_DATA_DIR": str(data)})
    finally:
        get_settings.cache_clear()
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def ann(tmp_path: Path) -> Path:
    """A store with Ann's six weeks (a 15.3 km long run two days ago)."""
    data = tmp_path / "data"
    log = tmp_path / "log.csv"
    log.write_bytes(history_csv(utcnow().date() - timedelta(days=2)))
    code, _, err = run(data, "import-log", "--athlete", "Ann", "--timezone", "UTC", str(log))
    assert code == 0, err
    return data


def test_add_import_list_delete_and_check(ann: Path, tmp_path: Path) -> None:
    today = utcnow().date()
    d = [today + timedelta(days=k) for k in range(1, 8)]
    code, out, err = run(
        ann, "plan", "add", "--athlete", "Ann", "--date", str(d[0]), "--km", "8", "--type", "easy"
    )
    assert code == 0, err
    week = tmp_path / "week.csv"
    week.write_text(
        "date,distance_km,fast_km,climb_m,type\n"
        f"{d[1]},10,,,intervals\n"
        f"{d[3]},12,0,300,\n"
        f"{d[5]},21.4,,,long\n"
    )
    code, out, err = run(ann, "plan", "import", "--athlete", "Ann", str(week), "--json")
    assert code == 0, err
    rows = json.loads(out)["data"]
    assert [(r["distance_km"], r["fast_km"], r["climb_m"], r["type"]) for r in rows] == [
        (10.0, 4.0, 0.0, "intervals"),
        (12.0, 0.0, 300.0, None),
        (21.4, 0.0, 0.0, "long"),
    ]
    code, out, _ = run(ann, "plan", "list", "--athlete", "Ann", "--json")
    assert [r["date"] for r in json.loads(out)["data"]] == [
        str(d[0]),
        str(d[1]),
        str(d[3]),
        str(d[5]),
    ]

    code, out, err = run(ann, "plan", "check", "--athlete", "Ann", "--json")
    assert code == 0, err
    by_day = {s["date"]: s for s in json.loads(out)["sessions"]}
    assert by_day[str(d[0])]["verdict"] == "ok"
    long_run = by_day[str(d[5])]
    assert long_run["verdict"] == "caution"
    assert long_run["suggestion"]["distance_km"] == 16.8
    code, out, err = run(ann, "plan", "check", "--athlete", "Ann")
    assert code == 0, err
    text = prose(out)
    assert "21.4 km long run: caution, 40 % over your longest run in 30 days (15.3 km)" in text
    assert "up to 16.8 km raises nothing." in text
    assert "The plan's 7-day windows" in text

    code, _, err = run(ann, "plan", "delete", "--athlete", "Ann", str(long_run["id"]))
    assert code == 0, err
    code, out, _ = run(ann, "plan", "list", "--athlete", "Ann", "--json")
    assert len(json.loads(out)["data"]) == 3


def test_a_proposal_from_a_file_is_checked_and_not_stored(ann: Path, tmp_path: Path) -> None:
    tomorrow = utcnow().date() + timedelta(days=1)
    week = tmp_path / "week.csv"
    week.write_text(f"date,distance_km,fast_km,climb_m\n{tomorrow},21.4,0,0\n")
    code, out, err = run(ann, "plan", "check", "--athlete", "Ann", "--file", str(week), "--json")
    assert code == 0, err
    (s,) = json.loads(out)["sessions"]
    assert (s["id"], s["verdict"], s["suggestion"]["distance_km"]) == (None, "caution", 16.8)
    code, out, _ = run(ann, "plan", "list", "--athlete", "Ann", "--json")
    assert json.loads(out)["data"] == []


def test_a_bad_plan_file_is_one_line_naming_the_row(ann: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,distance_km\n2026-13-01,5\n2026-12-01,-3\n")
    code, _, err = run(ann, "plan", "import", "--athlete", "Ann", str(bad))
    assert code == 1
    assert "line 2: date" in err and "line 3: distance_km" in err
    code, _, err = run(ann, "plan", "import", "--athlete", "Ann", str(tmp_path / "none.csv"))
    assert code == 1 and "cannot read" in err
    odd = tmp_path / "odd.csv"
    odd.write_text("day,km\n2026-12-01,5\n")
    code, _, err = run(ann, "plan", "check", "--athlete", "Ann", "--file", str(odd))
    assert code == 1 and "date,distance_km" in err


def test_the_demo_returning_runner_and_her_planned_week(
    demo_template: DemoWorld, tmp_path: Path
) -> None:
    """sample_data/returning-rosa/planned.json: the week after her history, on a plan that
    avoids hills with a 6.6 km longest run from Monday (raised after a settled week)."""
    world = copy_of(demo_template, tmp_path / "demo")
    args = ("plan", "check", "--athlete", "Returning Rosa", "--today", "2026-11-15")
    code, out, err = run(world.data_dir, *args, "--json")
    assert code == 0, err
    sessions = json.loads(out)["sessions"]
    assert [(s["date"], s["verdict"]) for s in sessions] == [
        ("2026-11-17", "ok"),
        ("2026-11-19", "alert"),
        ("2026-11-21", "ok"),
        ("2026-11-22", "caution"),
    ]
    hills, long_run = sessions[1], sessions[3]
    # Thursday is within the 14 days of her flare on Saturday 2026-11-07: 125 m is over the
    # plan's flat 50 m (an alert) and over the step back status offers, "6.0 km flat" (60 m).
    assert [(f["rule"], f["dimension"]) for f in hills["findings"]] == [
        ("plan_breach", "hills"),
        ("flare_step_back", "hills"),
    ]
    assert hills["suggestion"] == {
        "how": "climb",
        "distance_km": 5.0,
        "fast_km": 0.0,
        "climb_m": 50.0,
    }
    assert [(f["rule"], f["dimension"]) for f in long_run["findings"]] == [
        ("plan_breach", "distance")
    ]
    # 5 + 5 + 4 km before it: the week's 19.9 km cap leaves 5.9 km, under the 6.6 km longest.
    assert long_run["suggestion"]["distance_km"] == 5.9
    code, out, err = run(world.data_dir, *args)
    assert code == 0, err
    assert "Sunday's 7.5 km is over the plan's 6.6 km longest run" in prose(out)


def test_the_plan_checks_table_names_a_rule_in_words() -> None:
    # Trial 10 F13: "caution (plan_breach)" in a table a coach reads.
    from loadwatch.cli.planned_cmds import _verdict

    assert _verdict("alert", "plan_breach") == "alert (over plan)"
    assert _verdict("caution", "session_spike") == "caution (a run's spike)"
    assert _verdict("caution", "weekly_ramp") == "caution"
    assert _verdict(None, None) == "ok"
