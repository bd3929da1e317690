"""Issue #19 item 5, lean data commands: ``athletes``, ``status``, ``flags`` and ``report`` read a
store whose view is current without loading polars, numpy or any other heavy library, and only
the SQL dialect in use.  Checked in fresh interpreters by what ends up in ``sys.modules``, never
by a clock; the seconds are ``benchmarks/startup.py``'s.  The day is pinned through the clock
seam (``clock.pin_today``) in the seeding process and in every probe alike."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.paths import REPO

DAY = "2026-11-15"  # the sample runner's last day: her view is evaluated as of it
HEAVY = (
    "polars",
    "numpy",
    "alembic",
    "mako",
    "httpx",
    "fastapi",
    "apscheduler",
    "fitparse",
    "lxml",
    "scipy",
    "pyarrow",
    # The settings are a pydantic model read from the environment (config.py), no longer
    # pydantic-settings with its sources (dotenv, argparse): ~50 ms of every command.
    "pydantic_settings",
    "dotenv",
    "argparse",
)
# Modules of ours a data command has no use for (each a few ms): the webhook address checks,
# and the check-in's and the rehab's request and list models (a pydantic model costs its
# schema at import; the status builds only the ones it validates).
# And the ORM's models: the data commands read Core tables (store/tables.py), ~80 ms less
# (the declarative classes and their mapper configuration).
UNUSED_OURS = (
    "loadwatch.netguard",
    "loadwatch.schemas.checkin",
    "loadwatch.schemas.rehab",
    "loadwatch.store.models",
    "loadwatch.services.episodes",
)

# Runs the CLI in-process (as the console script does) on the pinned day, then writes which
# modules got imported.
# And how many passes the cycle collector made while the CLI's modules were imported or typer
# ran the command: a frame of either on the stack, not only the code around them that turns
# the collector off and back on (a pass just before or after is not the command's).
PROBE = """
import gc, json, os, sys
from datetime import date
from loadwatch import clock
clock.pin_today(date.fromisoformat(sys.argv[2]))
gc_passes = 0
def in_cli():
    f = sys._getframe()
    while f is not None:
        name = f.f_code.co_filename.replace(os.sep, "/")
        if "/typer/" in name or (
            "/loadwatch/cli/" in name
            and not name.endswith(("/cli/__init__.py", "/cli/context.py"))
            and f.f_code.co_name != "__call__"
        ):
            return True
        f = f.f_back
    return False
def count(phase, info):
    global gc_passes
    if phase == "start" and in_cli():
        gc_passes += 1
gc.callbacks.append(count)
from loadwatch.cli import app
try:
    app(sys.argv[3:], prog_name="loadwatch")
    code = 0
except SystemExit as e:
    code = e.code or 0
gc.callbacks.remove(count)
loader = sys.modules.get("pydantic.plugin._loader")
with open(sys.argv[1], "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules),
               "plugins_scanned": getattr(loader, "_plugins", None) is not None,
               "plugins_switch": os.environ.get("PYDANTIC_DISABLE_PLUGINS"),
               "gc_passes": gc_passes, "gc_enabled": gc.isenabled()}, f)
"""


def _probe(data: Path, *args: str, day: str = DAY) -> dict[str, Any]:
    out = data.parent / "probe.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "LOADWATCH_DATA_DIR": str(data)}
    env.pop("LOADWATCH_DATABASE_URL", None)
    env["COLUMNS"] = "200"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), day, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.exists(), done.stderr
    doc: dict[str, Any] = json.loads(out.read_text())
    doc["stdout"] = done.stdout
    return doc


def _run(data: Path, *args: str, day: str = DAY) -> tuple[int, set[str], str]:
    doc = _probe(data, *args, day=day)
    return int(doc["code"]), set(doc["modules"]), str(doc["stdout"])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Spiky Sara's last two weeks imported and evaluated as of DAY (``evaluate``: the first
    read would otherwise evaluate them, with the rules, as the embedded setup does)."""
    base = tmp_path_factory.mktemp("lean")
    files = base / "files"
    files.mkdir()
    for f in sorted((REPO / "sample_data" / "spiky-sara").glob("2026-11-*.fit")):
        shutil.copy(f, files / f.name)
    data = base / "data"
    doc = _probe(data, "import", "--athlete", "Sara", str(files))
    assert doc["code"] == 0
    # The control for the collector's test below: a command that runs long keeps it, and
    # the probe sees its passes.
    assert doc["gc_enabled"] is True and doc["gc_passes"] > 0
    code, modules, _ = _run(data, "evaluate")
    assert code == 0 and "polars" in modules
    return data


def _heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


@pytest.mark.parametrize(
    "args",
    [
        ["athletes"],
        ["athletes", "--json"],
        ["status", "--athlete", "Sara"],
        ["status", "--athlete", "Sara", "--json"],
        ["flags", "--athlete", "Sara"],
        ["flags", "--athlete", "Sara", "--all", "--json"],
        ["report", "--athlete", "Sara"],
    ],
)
def test_a_data_command_loads_no_heavy_library(store: Path, args: list[str]) -> None:
    code, modules, _ = _run(store, *args)
    assert code == 0
    assert "sqlalchemy" in modules  # the probe sees the real imports
    # They read Core tables on a plain connection (Store.reading): no ORM at all, ~35 ms.
    assert not {m for m in modules if m.startswith("sqlalchemy.orm")}
    assert not _heavy(modules), sorted(_heavy(modules))
    assert not modules.intersection(UNUSED_OURS), sorted(modules.intersection(UNUSED_OURS))
    # Only the dialect in use: SQLite's, never PostgreSQL's (a quarter of a second).
    assert "sqlalchemy.dialects.sqlite" in modules
    assert not {m for m in modules if m.startswith("sqlalchemy.dialects.postgresql")}


def test_status_reads_the_stored_view_and_says_so(store: Path) -> None:
    code, _, out = _run(store, "status", "--athlete", "Sara", "--json")
    st = json.loads(out)
    assert code == 0 and st["athlete"] == "Sara" and st["today"] == DAY
    assert st["last_activity_date"] == DAY and st["evaluating"] is False
    # Two weeks are no usual week to hold the last 7 days against: no ratio, no limit, no flag.
    (dist,) = [d for d in st["dimensions"] if d["dimension"] == "distance"]
    assert dist["ratio_7_28"] is None and dist["week_limit"] is None
    assert "not enough history yet" in dist["headroom_note"]
    assert st["open_flags"] == []


def test_a_day_without_a_stored_view_is_computed_live(store: Path) -> None:
    # The control: the day before has no stored view, so status computes it, with polars.
    code, modules, out = _run(store, "status", "--athlete", "Sara", "--today", "2026-11-14")
    assert code == 0 and "Sara as of 2026-11-14" in out
    assert "polars" in modules


@pytest.mark.parametrize(
    "args",
    [
        ["athletes"],
        ["status", "--athlete", "Sara"],
        ["flags", "--athlete", "Sara"],
        ["report", "--athlete", "Sara"],
    ],
)
def test_a_data_command_never_looks_for_pydantic_plugins(store: Path, args: list[str]) -> None:
    # Looking for them reads the metadata of every installed distribution (~30 ms); the
    # switch that spares it is put back after the command (a test run's process runs many).
    doc = _probe(store, *args)
    assert doc["code"] == 0
    assert "pydantic" in {m.split(".")[0] for m in doc["modules"]}  # models were built
    assert doc["plugins_scanned"] is False
    assert doc["plugins_switch"] is None


@pytest.mark.parametrize(
    "args",
    [
        ["athletes"],
        ["status", "--athlete", "Sara"],
        ["status", "--athlete", "Sara", "--json"],
        ["flags", "--athlete", "Sara", "--all"],
        ["report", "--athlete", "Sara"],
    ],
)
def test_a_data_command_runs_without_the_cycle_collector(store: Path, args: list[str]) -> None:
    # Its ~115 passes over what typer, rich, SQLAlchemy and pydantic allocate cost 20-50 ms and
    # find nothing to free (cli/context.no_cycle_collector); it is switched back on after.
    doc = _probe(store, *args)
    assert doc["code"] == 0
    assert doc["gc_passes"] == 0
    assert doc["gc_enabled"] is True
