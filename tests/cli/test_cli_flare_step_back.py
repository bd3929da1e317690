"""After a pain flare the terminal offers the step back alone: ``loadwatch status`` and
``loadwatch report`` show no "Before an alert" line beside it (docs/rehab.md, "After a flare").
The API's status, the triage card and the check-in page: tests/api/test_flare_limit_surfaces.py.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.clock import local_today
from loadwatch.rules.messages import day_name

runner = CliRunner()
_BOX = re.compile(r"[\u2500-\u257f]")


def _prose(text: str) -> str:
    """Running text: the report's box lines gone and wrapped lines joined."""
    return " ".join(_BOX.sub(" ", text).split())


def _run(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.stdout + r.stderr
    return _prose(r.stdout)


def _import_log(tmp_path: Path) -> date:
    """Ana's log: five weeks of 10 km every other day (one pair as 19 km and 1 km), then 20 km
    yesterday (40 m of climbing each); returns yesterday.  The flaring run is no spike, which
    would cap the next run at 10 km (rules/spike_limit.py), and the usual week stays 35.0 km."""
    day = local_today("UTC") - timedelta(days=1)
    rows = ["date,sport,distance_km,duration,elevation_gain_m"]
    rows += [
        f"{day - timedelta(days=b)},Run,{ {12: 19.0, 14: 1.0}.get(b, 10.0) },0:55:00,40"
        for b in range(2, 36, 2)
    ]
    rows.append(f"{day},Run,20.0,1:50:00,40")
    log = tmp_path / "log.csv"
    log.write_text("\n".join(rows) + "\n")
    _run("import-log", str(log), "--athlete", "Ana", "--timezone", "UTC")
    return day


def test_status_and_report_offer_only_the_step_back_after_a_flare(
    data_dir: Path, tmp_path: Path
) -> None:
    day = _import_log(tmp_path)
    _run("evaluate")

    # Before the flare the alert line stands: the spike alerts at 2 x the 30-day longest 20 km.
    assert "Before an alert distance: next run up to 40.0 km" in _run("status", "--athlete", "Ana")

    _run("symptoms", "add", "--athlete", "Ana", "--date", str(day), "--next-morning", "6")
    _run("evaluate")
    name = day_name(day)
    step_back = (
        f"Distance: step back after the pain flare on {name} {day}: next run up to 15.0 km "
        f"(a quarter below {name}'s 20.0 km); up to 30.0 km more over the next 7 days."
    )
    for command in ("status", "report"):
        out = _run(command, "--athlete", "Ana")
        assert step_back in out, command
        assert "Before an alert" not in out, command
        assert "next run up to 40.0 km" not in out, command


def test_under_a_plan_the_step_back_is_named_and_still_alone(
    data_dir: Path, tmp_path: Path
) -> None:
    day = _import_log(tmp_path)
    _run("symptoms", "add", "--athlete", "Ana", "--date", str(day), "--next-morning", "6")
    # A plan from today that leaves more than the step back: 40 km a week, runs up to 18 km.
    today = str(local_today("UTC"))
    _run("plan", "start", "--athlete", "Ana", "--from", today, "--weekly-km", "40",
         "--longest-run-km", "18")  # fmt: skip
    _run("evaluate")
    out = _run("status", "--athlete", "Ana")
    # The step back (0.75 x 20 km = 15.0 km) binds, and the plan's sentence says it is that,
    # not "the rules' limit", with the plan's own figure beside it (trial F6).  The 7 days are
    # the step back's 37.5 km (0.75 x 50 km), within the plan's 40: the plan is the baseline
    # of what it caps, so the rules' own 30.0 km (which it quiets) no longer bind (trial F8b).
    step_back = f"the step back after the pain flare on {day_name(day)} {day}"
    assert (
        f"Distance: 0.0 km this plan week; 37.5 km left this week; next run up to 15.0 km "
        f"({step_back}; the plan allows 18.0 km)."
    ) in out
    assert "Before an alert" not in out


def test_a_pain_flag_shows_no_ratio_in_the_flags_table(data_dir: Path, tmp_path: Path) -> None:
    # F23: "alert ×1.17 pain" (7/10 over the flare's 6) meant nothing to a coach.  The spike
    # beside it keeps its ratio.
    day = _import_log(tmp_path)
    _run("symptoms", "add", "--athlete", "Ana", "--date", str(day), "--after", "7")
    _run("evaluate")
    out = _run("flags", "--athlete", "Ana")
    assert "Pain 7/10" in out
    assert "×1.17" not in out and "1.17" not in out
