"""Issue 16, "the past told honestly": a report as of a past day shows the flags as they stood
on it, history included (muted, marked historic); nothing says load is fine about a runner who
has not run for two weeks or more.  Through the CLI, on an old archive imported today."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from support.demo_world import OLD_LAST_DAY, old_history

runner = CliRunner(env={"COLUMNS": "200"})


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def olga(data_dir: Path, tmp_path: Path) -> str:
    """Eight weeks of 2021 (6/8/6/12 km) ending with a 20 km Sunday, imported today: its flag
    is history (first raised years after its day)."""
    log = tmp_path / "2021.csv"
    log.write_bytes(old_history())
    code, _, err = run("import-log", str(log), "--athlete", "Olga")
    assert code == 0, err
    return "Olga"


def test_the_old_spike_is_history_now_and_not_open(olga: str) -> None:
    code, out, _ = run("flags", "--athlete", olga, "--all", "--json")
    assert code == 0
    flags = {f["dimension"]: f for f in json.loads(out)["data"]}
    # 20 km vs her 12 km longest: 1.67, Frandsen's 30–100 % band; its 160 m climb vs 96 m
    # (1.67, over the 1.3 caution of climbing).
    assert set(flags) == {"distance", "hills"}
    flag = flags["distance"]
    assert (flag["date"], flag["rule"], flag["severity"], flag["status"]) == (
        OLD_LAST_DAY.isoformat(),
        "session_spike",
        "caution",
        "historic",
    )
    assert flag["evidence"]["grade"] == "strong"
    assert flags["hills"]["evidence"]["grade"] == "moderate"
    assert json.loads(run("flags", "--athlete", olga, "--json")[1])["data"] == []


def test_a_report_as_of_the_past_day_shows_the_flag_as_it_stood(olga: str) -> None:
    code, out, _ = run("report", "--athlete", olga, "--today", OLD_LAST_DAY.isoformat())
    assert code == 0
    # On its week's row, marked history; and the line under the table does not contradict it
    # with an all-clear.
    assert "Sun distance spike (historic)" in out
    assert "nothing too much" not in out
    assert (
        "No open flags now; the 2 historic flags in the weeks above were raised long after the "
        "day (runs imported late): a record, not a warning." in out
    )
    code, out, _ = run("status", "--athlete", olga, "--today", OLD_LAST_DAY.isoformat(), "--json")
    st = json.loads(out)
    assert {(f["date"], f["dimension"], f["status"]) for f in st["flags_on_day"]} == {
        (OLD_LAST_DAY.isoformat(), "distance", "historic"),
        (OLD_LAST_DAY.isoformat(), "hills", "historic"),
    }
    assert st["open_flags"] == [] and st["idle_note"] is None


def test_no_all_clear_for_a_runner_who_stopped(olga: str) -> None:
    later = "2021-07-25"  # 28 days after her last run
    code, out, _ = run("report", "--athlete", olga, "--today", later)
    assert code == 0
    assert "no runs for 28 days" in out
    assert "nothing too much" not in out and "safe" not in out
    st = json.loads(run("status", "--athlete", olga, "--today", later, "--json")[1])
    assert st["idle_note"] == "no runs for 28 days"
    # Thirteen days off is still ordinary rest: no such note.
    st = json.loads(run("status", "--athlete", olga, "--today", "2021-07-10", "--json")[1])
    assert st["idle_note"] is None
