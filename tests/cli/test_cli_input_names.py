"""Trial F4, F9, F10: each surface names its own inputs (the CLI its options, the API its query
and body fields, never each other's or a model's field names), and ``plan add`` says when a
day is already past, worded like ``symptoms add``'s refusal of a day to come."""

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
runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture
def ana(data_dir: Path, tmp_path: Path) -> Iterator[str]:
    pin_today(TODAY)
    log = tmp_path / "log.csv"
    log.write_text("date,distance_km,duration\n2026-12-01,8,45:00\n")
    assert runner.invoke(app, ["import-log", str(log), "--athlete", "Ana"]).exit_code == 0
    yield "Ana"
    pin_today(None)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["symptoms", "add", "--date", "2026-12-01", "--next-morning", "11"],
            "--next-morning must be 0-10, not 11",
        ),
        (
            ["symptoms", "add", "--date", "2026-12-01", "--sitting-hours", "30"],
            "--sitting-hours must be 0-24, not 30",
        ),
        (
            ["plan", "add", "--date", "2026-12-10", "--km", "-5"],
            "--km must be more than 0 and at most 300, not -5",
        ),
        (
            ["plan", "add", "--date", "2026-12-10", "--km", "5", "--fast-km", "6"],
            "--fast-km cannot be more than --km",
        ),
        (
            ["series", "--from", "2026-12-10", "--to", "2026-12-01"],
            "--from 2026-12-10 is after --to 2026-12-01",
        ),
        (
            ["plan", "list", "--from", "2026-12-10", "--to", "2026-12-01"],
            "--from 2026-12-10 is after --to 2026-12-01",
        ),
    ],
)
def test_cli_errors_name_the_option_typed(ana: str, args: list[str], said: str) -> None:
    r = runner.invoke(app, [*args, "--athlete", ana])
    assert (r.exit_code, r.stderr.strip()) == (1, f"error: {said}")


def test_plan_add_of_a_past_day_says_it_is_kept_not_checked(ana: str, tmp_path: Path) -> None:
    r = runner.invoke(app, ["plan", "add", "--athlete", ana, "--date", "2026-12-01", "--km", "5"])
    assert r.exit_code == 0
    assert r.stderr.strip() == (
        "note: 2026-12-01 is in the past (today is 2026-12-07 for the athlete):"
        " kept for the calendar, not checked"
    )
    week = tmp_path / "week.csv"
    week.write_text("date,distance_km\n2026-12-02,5\n2026-12-03,6\n2026-12-08,8\n")
    r = runner.invoke(app, ["plan", "import", str(week), "--athlete", ana, "--json"])
    assert r.exit_code == 0
    assert r.stderr.strip() == (
        "note: 2 sessions (from 2026-12-02) are in the past (today is 2026-12-07 for the"
        " athlete): kept for the calendar, not checked"
    )
    r = runner.invoke(app, ["plan", "add", "--athlete", ana, "--date", "2026-12-07", "--km", "5"])
    assert (r.exit_code, r.stderr) == (0, "")  # today is no past


def test_the_api_names_its_query_fields(env: Env) -> None:
    for what in ("series?period=week&", "flags?"):
        r = env.client.get(
            f"{API}/athletes/{env.athlete_id}/{what}from=2026-11-10&to=2026-11-01",
            headers=env.coach,
        )
        assert r.status_code == 422
        assert r.json()["detail"] == "from 2026-11-10 is after to 2026-11-01"
