"""A return-to-run plan gets one answer (trial F8b, F12, F16): the plan view, status, the
check-in page and the plan check agree on the next run, because the plan is the baseline of
what it caps (docs/rules.md): running within its caps quiets the rules whose limits the
headroom used to offer as well ("5.0 km left this week; next run up to 3.3 km" beside a plan
check that rightly raised nothing for 15 km)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.clock import pin_today
from loadwatch.services.checkin import checkin_view
from loadwatch.store.athletes import get_athlete_by_name
from loadwatch.store.db import open_store

runner = CliRunner()
_BOX = re.compile(r"[\u2500-\u257f]")
TODAY = date(2026, 12, 7)  # a Monday: the plan starts today


def _run(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.stdout + r.stderr
    return " ".join(_BOX.sub(" ", r.stdout).split())


@pytest.fixture
def pinned() -> Iterator[None]:
    pin_today(TODAY)
    try:
        yield
    finally:
        pin_today(None)


def test_the_plan_view_status_checkin_and_check_agree_on_a_flat_plan(
    data_dir: Path, tmp_path: Path, pinned: None
) -> None:
    # Five weeks of flat 10 km every other day, the last a year before: a long injury break.
    last = TODAY - timedelta(days=365)
    rows = ["date,sport,distance_km,duration,elevation_gain_m"]
    rows += [f"{last - timedelta(days=b)},Run,10.0,0:55:00,0" for b in range(0, 36, 2)]
    log = tmp_path / "log.csv"
    log.write_text("\n".join(rows) + "\n")
    _run("import-log", str(log), "--athlete", "Ana", "--timezone", "UTC")
    _run("symptoms", "add", "--athlete", "Ana", "--date", str(TODAY - timedelta(days=1)),
         "--after", "3", "--location", "achilles")  # fmt: skip
    _run("plan", "start", "--athlete", "Ana", "--from", str(TODAY), "--weekly-km", "15",
         "--longest-run-km", "6", "--climb-m", "0")  # fmt: skip
    _run("evaluate")

    # The plan's caps are what is offered: 15 km this plan week, runs up to 6.0 km, and the
    # flat allowance of the 6.0 km run offered (10 m per km: 60 m).  Before: "5.0 km left
    # this week; next run up to 3.3 km (the rules' limit is lower)" (return_after_break's
    # half of a 10 km floor, the spike's 1.1 x a 3 km floor: rules the plan quiets).
    for command in ("plan", "status"):
        out = _run(command, "--athlete", "Ana")
        assert (
            "Distance: 0.0 km this plan week; 15.0 km left this week; next run up to 6.0 km."
        ) in out, command
        assert (
            "Climbing: the plan avoids hills: keep runs flat (up to 10 m per km); next run up "
            "to 60 m."
        ) in out, command

    # The check of that week: every run within the plan's caps raises nothing.
    week = tmp_path / "week.csv"
    week.write_text("date,distance_km\n2026-12-08,6\n2026-12-10,4\n2026-12-12,5\n")
    out = _run("plan", "check", "--athlete", "Ana", "--file", str(week))
    assert out.count("raises nothing") == 3

    # The check-in page's line: the limits in force, flat named as flat (not "Plan caps").
    store = open_store()
    try:
        with store.sessions() as s:
            ana = get_athlete_by_name(s, "Ana")
            assert ana is not None
            v = checkin_view(s, ana)
    finally:
        store.close()
    limits = {lim.dimension: lim for lim in v.limits}
    assert (limits["distance"].next_run, limits["distance"].binding) == (6.0, "plan")
    assert (limits["hills"].next_run, limits["hills"].flat) == (60.0, True)
