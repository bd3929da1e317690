"""The CLI for people: tables and reports fit an 80-column terminal and a pipe, and say every
word of every flag sentence; help shows metavars and no value for flags; the data dir
defaults to the platform's user data dir.

The report and flags commands run as real processes (stdout a pipe, as in ``| less``) over a
copy of the demo world, so the width is rich's own decision, not a test harness's.  What the
checks compare them with (the same commands' ``--json``, where width plays no part) is read in
process, once per module."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from loadwatch.config import LEGACY_DATA_DIR, Settings
from loadwatch.rounding import fixed
from support.demo_world import OLD_NAME, DemoWorld, copy_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_BOX = re.compile(r"[\u2500-\u257f]")
# Athletes with flags whose sentences run long: Sara (spikes, ramps), Rosa (plan breaches).
FLAGGED = ("Spiky Sara", "Returning Rosa")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, demo_template: DemoWorld) -> DemoWorld:
    return copy_of(demo_template, tmp_path_factory.mktemp("cli-output") / "demo")


def loadwatch(
    world: DemoWorld, *args: str, columns: int | None, extra: dict[str, str] | None = None
) -> str:
    """``loadwatch ARGS`` with stdout and stderr pipes and no terminal at all."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env |= extra or {}
    env["LOADWATCH_DATA_DIR"] = str(world.data_dir)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    r = subprocess.run(
        [sys.executable, "-m", "loadwatch", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout


@cache
def loadwatch_json(data_dir: Path, *args: str) -> Any:
    """``loadwatch ARGS --json``, parsed: in process (typer's runner), read once per module
    (the module's world is only read)."""
    from typer.testing import CliRunner

    from loadwatch.cli import app
    from loadwatch.config import get_settings

    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, [*args, "--json"], env={"LOADWATCH_DATA_DIR": str(data_dir)})
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def words(text: str) -> list[str]:
    return _BOX.sub(" ", text).split()


def assert_fits_and_says(out: str, sentences: list[str], width: int) -> None:
    too_long = [line for line in out.splitlines() if len(line) > width]
    assert not too_long, too_long
    shown = set(words(out))
    for sentence in sentences:
        missing = [w for w in sentence.split() if w not in shown]
        assert not missing, (sentence, missing)


@pytest.mark.parametrize("columns", [80, None], ids=["COLUMNS=80", "piped"])
@pytest.mark.parametrize("athlete", FLAGGED)
def test_flags_table_says_every_word(world: DemoWorld, athlete: str, columns: int | None) -> None:
    listed = loadwatch_json(world.data_dir, "flags", "-a", athlete, "--all")["data"]
    sentences = [f["message"] for f in listed]
    assert len(sentences) >= 6 and max(map(len, sentences)) > 100  # long ones, to wrap
    out = loadwatch(world, "flags", "-a", athlete, "--all", columns=columns)
    # Piped with no terminal and no COLUMNS, rich lays out for 80 columns.
    assert_fits_and_says(out, sentences, 80)
    assert [int(w) for w in re.findall(r"^│ (\d+) ", out, re.M)] == [f["id"] for f in listed]


@pytest.mark.parametrize("columns", [80, None], ids=["COLUMNS=80", "piped"])
@pytest.mark.parametrize("athlete", FLAGGED)
def test_report_says_every_word(world: DemoWorld, athlete: str, columns: int | None) -> None:
    today = world.today.isoformat()
    status = loadwatch_json(world.data_dir, "status", "-a", athlete, "--today", today)
    sentences = [f["message"] for e in status["episodes"] for f in e["flags"]]
    assert sentences
    out = loadwatch(world, "report", "-a", athlete, "--today", today, columns=columns)
    assert_fits_and_says(out, sentences, 80)
    # Each sentence wraps under itself (a grid), so it reads whole once the lines are joined.
    joined = " ".join(words(out))
    for sentence in sentences:
        assert " ".join(sentence.split()) in joined


def test_wide_terminal_keeps_the_bars_and_the_wide_flags(world: DemoWorld) -> None:
    today = world.today.isoformat()
    report = loadwatch(world, "report", "-a", "Spiky Sara", "--today", today, columns=160)
    assert "distance km" in report and "█" in report
    narrow = loadwatch(world, "report", "-a", "Spiky Sara", "--today", today, columns=80)
    assert "█" not in narrow
    flags = loadwatch(world, "flags", "-a", "Spiky Sara", columns=160)
    assert "dimension" in flags.splitlines()[2]


# Sara's spike week as the report marks it (read off the widest layout, 160 columns).
SARA_SPIKE_WEEK_MARKS = [
    "△ Tue fast km spike",
    "▲ Thu climbing spike",
    "△ Thu climbing ramp",
    "△ Thu uphill km spike",
    "△ Sat fast km ramp",
    "△ Sun distance spike",
    "△ Sun uphill km ramp",
]


@pytest.mark.parametrize("columns", [30, 40, 50, 60, 64, 72, 80])
def test_narrow_report_cuts_no_number_and_hides_no_flag(world: DemoWorld, columns: int) -> None:
    """Narrower terminals give up the bars, the rules, the year, then columns, then the table
    itself, but every week keeps its distance, fast km and climbing, and the flags' words."""
    today = world.today.isoformat()
    doc = loadwatch_json(world.data_dir, "report", "-a", "Spiky Sara", "--today", today)
    out = loadwatch(world, "report", "-a", "Spiky Sara", "--today", today, columns=columns)
    assert "…" not in out
    assert not [line for line in out.splitlines() if len(line) > columns]
    said = words(out)
    weeks = doc["weeks"][-12:]
    labels = [w["week_start"][5:] if columns < 80 else w["week_start"] for w in weeks]
    starts = [said.index(label) for label in labels]
    for w, start, end in zip(weeks, starts, [*starts[1:], len(said)], strict=True):
        row = said[start:end]
        # Halves up, as a coach rounds: 444.5 m is "445" (trial 10 F9).
        for number in (
            fixed(w["distance_km"]),
            fixed(w["fast_km"]),
            fixed(w["elevation_gain_m"], 0, grouped=True),
        ):
            assert number in row, (w["week_start"], number, row)
    assert weeks[-1]["week_start"] == "2026-11-09" and round(weeks[-1]["distance_km"], 1) == 90.5
    joined = " ".join(said)
    assert " ".join(SARA_SPIKE_WEEK_MARKS) in joined


def test_loadwatch_as_of_pins_every_command_like_the_demo_server(world: DemoWorld) -> None:
    """The demo's hint sets LOADWATCH_AS_OF (as the demo server reads it): a command then reads
    the demo's day, where Sam ran 68.2 km in his last 7 days, not the real date's empty week."""
    day = world.today.isoformat()
    pinned = json.loads(
        loadwatch(
            world,
            "status",
            "-a",
            "Steady Sam",
            "--json",
            columns=None,
            extra={"LOADWATCH_AS_OF": day},
        )
    )
    assert pinned["today"] == day == "2026-11-15"
    out = loadwatch(
        world, "report", "-a", "Steady Sam", columns=100, extra={"LOADWATCH_AS_OF": day}
    )
    assert "as of Sun 2026-11-15" in out and "68.2 km" in out


def test_report_json_has_the_weeks_and_the_status(world: DemoWorld) -> None:
    today = world.today.isoformat()
    doc = loadwatch_json(world.data_dir, "report", "-a", OLD_NAME, "--weeks", "3", "--today", today)
    assert doc["status"]["athlete"] == OLD_NAME
    assert len(doc["weeks"]) == 3
    assert doc["weeks"][-1]["week_start"] <= today


# --- help and the data dir ----------------------------------------------------------------
def test_help_shows_metavars_and_no_value_for_flags() -> None:
    from typer.testing import CliRunner

    from loadwatch.cli import app

    runner = CliRunner()
    flags = runner.invoke(app, ["flags", "--help"], env={"COLUMNS": "100"}).stdout
    assert re.search(r"--athlete NAME\b", flags)
    assert "<bool>" not in flags and "<str>" not in flags
    assert re.search(r"^\s+--help\s+Show this message", flags, re.M)
    demo = " ".join(runner.invoke(app, ["demo", "--help"]).stdout.split())
    assert "three runners" in demo and "both" not in demo
    top = runner.invoke(app, ["--help"]).stdout
    assert "--install-completion" in top and "--show-completion" in top


def test_help_lists_what_a_new_runner_does_first() -> None:
    from typer.testing import CliRunner

    from loadwatch.cli import app

    top = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "100"}).stdout
    listed = re.findall(r"^  ([a-z][a-z-]*) ", top.split("Commands:")[1], re.M)
    assert listed[:5] == ["demo", "inspect", "import", "import-log", "sync"]
    assert listed.index("status") < listed.index("athletes") < listed.index("serve")
    assert listed.index("serve") < listed.index("backup")


def test_data_dir_defaults_to_the_platform_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LOADWATCH_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # platformdirs on Linux
    monkeypatch.chdir(tmp_path)
    default = Settings()
    if sys.platform.startswith("linux"):
        assert default.data_dir == (tmp_path / "xdg" / "loadwatch").resolve()
    assert not default.data_dir_chosen
    # An existing ./loadwatch-data is kept (a store made there earlier).
    (tmp_path / LEGACY_DATA_DIR).mkdir()
    assert Settings().data_dir == (tmp_path / LEGACY_DATA_DIR).resolve()
    # LOADWATCH_DATA_DIR beats both.
    monkeypatch.setenv("LOADWATCH_DATA_DIR", str(tmp_path / "mine"))
    named = Settings()
    assert (named.data_dir, named.data_dir_chosen) == ((tmp_path / "mine").resolve(), True)


def test_the_demo_never_builds_in_the_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loadwatch.config import default_demo_base

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LOADWATCH_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    if sys.platform.startswith("linux"):
        assert default_demo_base() == tmp_path / "cache" / "loadwatch"
    assert not default_demo_base().resolve().is_relative_to(Settings().data_dir)


def test_a_new_store_in_the_default_place_says_where(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LOADWATCH_DATA_DIR"}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    where = (tmp_path / "xdg" / "loadwatch").resolve()

    def athletes() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "loadwatch", "athletes", "--json"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    first = athletes()
    assert json.loads(first.stdout) == {"data": [], "count": 0, "limit": 0, "offset": 0}
    assert f"created a new loadwatch store in {where}" in first.stderr
    assert (where / "loadwatch.db").is_file()
    assert athletes().stderr == ""  # said once, when created


def test_start_up_logs_no_alembic_chatter(tmp_path: Path) -> None:
    """``serve`` logs at INFO: opening a store (new, then again) says only the upgrade."""
    code = (
        "import logging, sys\n"
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout,\n"
        "                    format='%(name)s: %(message)s')\n"
        "from loadwatch.config import Settings\n"
        "from loadwatch.store.db import open_store\n"
        f"for _ in range(2): open_store(Settings(data_dir={str(tmp_path)!r})).close()\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    alembic = [line for line in r.stdout.splitlines() if line.startswith("alembic")]
    assert alembic, r.stdout  # the new store's upgrade is said...
    upgrade = "alembic.runtime.migration: Running upgrade "
    assert all(line.startswith(upgrade) for line in alembic), alembic  # ...and nothing else


def _lines(out: str) -> list[str]:
    return [" ".join(words(line)) for line in out.splitlines()]


@pytest.mark.parametrize("columns", [30, 50, 64, 80, 100, 120, 160])
def test_a_flag_marker_stays_on_the_line_of_its_label(world: DemoWorld, columns: int) -> None:
    """F10: "▲ Thu climbing spike" is never split: no line ends with a marker whose day and
    label are on the next line, at any width."""
    today = world.today.isoformat()
    out = loadwatch(world, "report", "-a", "Spiky Sara", "--today", today, columns=columns)
    lines = _lines(out)
    for mark in SARA_SPIKE_WEEK_MARKS:
        assert any(mark in line for line in lines), (mark, out)
    # A marker alone at a line's end is only the narrow table's sign column, never a flag's.
    for line in lines:
        if line.endswith(("▲", "△")):
            assert re.search(r"\d [▲△]$", line), (line, out)


# Each activities column that holds one token a cell, with its value as --json gives it.
_ACTIVITY_TOKENS = {
    "km": lambda a: f"{a['distance_m'] / 1000:.2f}",
    "moving": lambda a: _clock(a["moving_time_s"]),
    "pace": lambda a: _clock(a["avg_pace_s_per_km"]) + "/km",
    "climb": lambda a: f"{a['elevation_gain_m']:.0f}",
    "TRIMP": lambda a: f"{a['hr_load']:.0f}",
}


def _clock(seconds: float) -> str:
    h, rem = divmod(round(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@pytest.mark.parametrize("columns", [40, 50, 60, 72, 80, 100, 120])
def test_activities_table_never_splits_a_number(world: DemoWorld, columns: int) -> None:
    """F9: at any width every number, duration and pace shown is whole (compared with
    --json); the table fits; columns that do not fit are named in a caption instead."""
    doc = loadwatch_json(world.data_dir, "activities", "-a", "Spiky Sara", "--limit", "20")
    out = loadwatch(world, "activities", "-a", "Spiky Sara", "--limit", "20", columns=columns)
    assert not [line for line in out.splitlines() if len(line) > columns], out
    header = next(line for line in _lines(out) if line.startswith("id start"))
    rows: dict[int, list[str]] = {}
    current: list[str] = []
    for line in _lines(out):
        first = line.split(" ", 1)[0]
        if re.fullmatch(r"\d{2,}", first) and re.search(r"\d{4}-\d\d-\d\d", line):
            current = rows.setdefault(int(first), [])
        current.extend(line.split())
    acts = doc["data"]
    assert list(rows) == [a["id"] for a in acts]
    for a in acts:
        said = rows[a["id"]]
        assert (a["start_local"][:10] in said and a["sport"] in said) or "sport" not in header
        for column, token in _ACTIVITY_TOKENS.items():
            if column in header.split() or columns >= 120:
                assert token(a) in said, (column, token(a), said, out)
    if columns < 100:
        assert "not shown at this width" in out


def test_table_numbers_and_durations_round_halves_up() -> None:
    from loadwatch.cli.output import fmt_duration, fmt_num
    from loadwatch.status_lines import fmt

    # Trial 10 F9: "20.2" for 20.25 km; a 2.5 s remainder is 3 s, not the even 2.
    assert [fmt_num(20.25), fmt_num(2675.0, 2, 1000.0), fmt(1234.5, 0)] == [
        "20.3",
        "2.68",
        "1,235",
    ]
    assert fmt_duration(62.5) == "1:03"
