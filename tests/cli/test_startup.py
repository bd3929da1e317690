"""Issue #9 item 4, lean start-up: building the CLI and running ``--help``, ``inspect`` and
``sync`` import none of the heavy libraries they do not use.  Checked in fresh interpreters
(a test process has them all loaded already) by what ends up in ``sys.modules``, never by a
clock; the seconds are ``benchmarks/startup.py``'s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from support.paths import REPO
from support.sprints import sprint_gpx

HEAVY = ("polars", "fastapi", "sqlalchemy", "uvicorn", "apscheduler", "fitparse", "alembic")

# Runs the CLI in-process (as the console script does), then writes which top-level packages
# got imported.
PROBE = """
import json, sys
from loadwatch.cli import app
try:
    app(sys.argv[2:], prog_name="loadwatch")
    code = 0
except SystemExit as e:
    code = e.code or 0
loaded = sorted({m.split(".")[0] for m in sys.modules})
with open(sys.argv[1], "w") as f:
    json.dump({"code": code, "loaded": loaded}, f)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "LOADWATCH_DATA_DIR": str(tmp_path)}
    env.pop("LOADWATCH_DATABASE_URL", None)
    return env


def _loaded(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    out = tmp_path / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(out), *args],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.exists(), done.stderr
    doc = json.loads(out.read_text())
    return int(doc["code"]), set(doc["loaded"])


def test_importing_the_entry_module_loads_nothing_heavy(tmp_path: Path) -> None:
    code = (
        "import sys, loadwatch.cli, loadwatch.cli.app, loadwatch.__main__; "
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True, check=True
    )
    loaded = set(json.loads(done.stdout.replace("'", '"')))
    assert "typer" in loaded  # the probe sees real imports
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
    # Nor the settings (pydantic-settings) or the store's HTTP client: commands import them.
    assert loaded.isdisjoint({"pydantic_settings", "httpx", "numpy"}), loaded


@pytest.mark.parametrize(
    "args", [["--help"], ["inspect", "--help"], ["sync", "--help"], ["activity", "--help"]]
)
def test_help_loads_nothing_heavy(tmp_path: Path, args: list[str]) -> None:
    code, loaded = _loaded(tmp_path, *args)
    assert code == 0
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_inspect_of_a_gpx_opens_no_database_and_no_fit_decoder(tmp_path: Path) -> None:
    gpx = tmp_path / "sprints.gpx"
    gpx.write_bytes(sprint_gpx())
    code, loaded = _loaded(tmp_path, "inspect", str(gpx), "--json")
    assert code == 0
    assert "polars" in loaded  # decoding needs it: imported when needed, not before
    assert loaded.isdisjoint({"sqlalchemy", "alembic", "fastapi", "uvicorn", "apscheduler"})
    assert "fitparse" not in loaded  # a GPX needs no FIT decoder


class _FakeServer(BaseHTTPRequestHandler):
    """Answers an upload as loadwatch does (one file imported)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(
            {"files": [{"file": "sprints.gpx", "status": "imported", "reason": None}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def fake_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_sync_uploads_without_any_server_side_library(tmp_path: Path, fake_server: str) -> None:
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "sprints.gpx").write_bytes(sprint_gpx(datetime(2026, 11, 10, 7, tzinfo=UTC)))
    code, loaded = _loaded(
        tmp_path, "sync", str(folder), "--server", fake_server, "--token", "t", "--athlete", "1",
        "--state", str(tmp_path / "state.json"),
    )  # fmt: skip
    assert code == 0
    state = json.loads((tmp_path / "state.json").read_text())
    assert [v["status"] for v in state["files"].values()] == ["imported"]  # it really uploaded
    assert "httpx" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
