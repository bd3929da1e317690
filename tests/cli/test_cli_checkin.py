"""The CLI of the check-in (docs/checkin.md): a training log's ``rpe`` column becomes session
RPE load in ``series --csv`` (hand-computed sRPE = RPE x minutes), ``activity rpe`` sets one
run's RPE, and ``checkin-link`` creates, lists and revokes personal links."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.analytics.days import week_start
from loadwatch.cli import app
from loadwatch.clock import utcnow

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    assert "Traceback" not in r.stdout + r.stderr
    return r.exit_code, r.stdout, r.stderr


def _series(period: str, start: date) -> list[dict[str, str]]:
    code, out, err = run(
        "series", "--athlete", "Ana", "--period", period, "--from", start.isoformat(), "--csv"
    )
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def test_a_log_with_rpe_gives_hand_computed_srpe_in_series_csv(
    data_dir: Path, tmp_path: Path
) -> None:
    today = utcnow().date()
    d = [today - timedelta(days=n) for n in range(7)]
    log = tmp_path / "training.csv"
    log.write_text(
        "date,distance_km,duration,rpe\n"
        f"{d[6]},8,40:00,5\n"  # 5 x 40 min = 200
        f"{d[6]},4,20:00,3\n"  # 3 x 20 = 60: that day 260
        f"{d[4]},10,50:00,7\n"  # 7 x 50 = 350
        f"{d[3]},5,30:00,\n"  # no RPE: no session load
        f"{d[1]},12,1:05:00,6.5\n"  # 6.5 x 65 = 422.5
    )
    code, out, err = run("import-log", str(log), "--athlete", "Ana", "--json")
    assert code == 0, err
    assert json.loads(out)["columns"]["rpe"] == "rpe"
    want = {d[6]: 260.0, d[4]: 350.0, d[3]: 0.0, d[1]: 422.5, d[5]: 0.0, d[2]: 0.0, d[0]: 0.0}
    days = {date.fromisoformat(r["date"]): r for r in _series("day", d[6])}
    assert {k: float(r["srpe"]) for k, r in days.items()} == want
    assert int(days[d[6]]["srpe_sessions"]) == 2
    assert float(days[d[0]]["srpe_7d"]) == 260 + 350 + 422.5

    weeks: dict[date, float] = {}
    for day, au in want.items():
        weeks[week_start(day)] = weeks.get(week_start(day), 0.0) + au
    got = {date.fromisoformat(r["week_start"]): float(r["srpe"]) for r in _series("week", d[6])}
    assert got == weeks

    # The same log again, now with the missing RPE: no new runs, the run is completed.
    log.write_text(log.read_text().replace(f"{d[3]},5,30:00,\n", f"{d[3]},5,30:00,4\n"))
    code, out, err = run("import-log", str(log), "--athlete", "Ana", "--json")
    assert code == 0, err
    assert json.loads(out)["imported"] == 0
    days = {date.fromisoformat(r["date"]): r for r in _series("day", d[6])}
    assert float(days[d[3]]["srpe"]) == 4 * 30
    # Status says the 7 days' load as context: 260 + 350 + 120 + 422.5 = 1152.5 AU.
    code, out, err = run("status", "--athlete", "Ana")
    assert code == 0, err
    assert "session RPE load 1152 AU in 7 days" in " ".join(out.split())
    assert "never an alert" in " ".join(out.split())


def test_a_bad_rpe_is_a_row_error(data_dir: Path, tmp_path: Path) -> None:
    day = utcnow().date() - timedelta(days=1)
    log = tmp_path / "training.csv"
    log.write_text(f"date,distance_km,duration,rpe\n{day},8,40:00,11\n{day},4,20:00,6/10\n")
    code, out, err = run("import-log", str(log), "--athlete", "Ana", "--json")
    assert code == 0, err
    rep = json.loads(out)
    assert rep["imported"] == 1
    assert [e["line"] for e in rep["errors"]] == [2]
    assert "session RPE" in rep["errors"][0]["message"]


def test_activity_rpe_and_checkin_links(data_dir: Path, tmp_path: Path) -> None:
    day = utcnow().date() - timedelta(days=1)
    log = tmp_path / "training.csv"
    log.write_text(f"date,distance_km,duration\n{day},8,45:00\n")
    code, out, err = run("import-log", str(log), "--athlete", "Ana", "--json")
    assert code == 0, err
    (activity_id,) = json.loads(out)["activity_ids"]
    code, out, err = run("activity", "rpe", str(activity_id), "6", "--json")
    assert code == 0, err
    assert json.loads(out)["srpe"] == pytest.approx(6 * 45)
    code, _, err = run("activity", "rpe", str(activity_id), "12")
    assert code != 0 and "RPE" in err

    code, out, err = run("checkin-link", "create", "--athlete", "Ana", "--label", "phone")
    assert code == 0, err
    link = out.split()[-1]
    assert link.startswith("/checkin#athlete=") and "&token=lwc_" in link
    code, out, err = run("checkin-link", "list", "--athlete", "Ana", "--json")
    (listed,) = json.loads(out)["data"]
    assert listed["active"] and listed["label"] == "phone" and "token" not in listed
    code, out, err = run("checkin-link", "revoke", "--athlete", "Ana", str(listed["id"]))
    assert code == 0, err
    code, out, err = run("checkin-link", "list", "--athlete", "Ana", "--json")
    assert json.loads(out)["data"][0]["active"] is False
