"""``loadwatch sync`` exits as ``loadwatch import`` does (``cli.output.batch_failed``): one bad
file of four is reported and exits 0 unless ``--strict``; every file failing exits 1.  It used
to exit 1 for one failed file while ``import`` exited 0.  Against a local stand-in server that
answers uploads as the API does."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.cli.output import batch_failed

runner = CliRunner()


class _Uploads(BaseHTTPRequestHandler):
    """A file named broken* fails (as a corrupt FIT does), settings* is not an activity, any
    other is imported."""

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        name = data.split(b'filename="')[1].split(b'"')[0].decode()
        status = "failed" if name.startswith("broken") else "imported"
        if name.startswith("settings"):
            status = "not_activity"
        reason = {
            "failed": "corrupt FIT file: file CRC mismatch",
            "not_activity": "a FIT settings file, not a recorded activity",
        }.get(status)
        body = json.dumps({"files": [{"file": name, "status": status, "reason": reason}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Uploads)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _watch(tmp_path: Path, names: list[str]) -> Path:
    folder = tmp_path / "watch"
    folder.mkdir()
    for n in names:
        (folder / n).write_bytes(f"fit {n}".encode())  # different bytes: not one file twice
    return folder


def _sync(folder: Path, url: str, state: Path, *extra: str) -> tuple[int, str]:
    args = ["sync", str(folder), "--server", url, "--token", "t", "--athlete", "1"]
    r = runner.invoke(app, [*args, "--state", str(state), *extra])
    return r.exit_code, r.stdout


def test_one_failed_file_of_four_exits_0_and_1_with_strict(tmp_path: Path, server: str) -> None:
    folder = _watch(tmp_path, ["a.fit", "b.fit", "c.fit", "broken.fit"])
    code, out = _sync(folder, server, tmp_path / "one.json")
    assert (code, out.strip()) == (0, "3 imported, 1 failed; 0 already sent")
    code, out = _sync(folder, server, tmp_path / "two.json", "--strict")
    assert (code, out.strip()) == (1, "3 imported, 1 failed; 0 already sent")


def test_every_file_failing_exits_1_and_nothing_new_exits_0(tmp_path: Path, server: str) -> None:
    folder = _watch(tmp_path, ["broken1.fit", "broken2.fit"])
    code, out = _sync(folder, server, tmp_path / "state.json")
    assert (code, out.strip()) == (1, "2 failed; 0 already sent")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _sync(empty, server, tmp_path / "empty.json") == (0, "nothing new; 0 already sent\n")


def test_sync_counts_in_imports_words(tmp_path: Path, server: str) -> None:
    """trial11 F11: "1 not an activity" as ``import`` says it, never the key "not activity"."""
    folder = _watch(tmp_path, ["a.fit", "settings.fit"])
    code, out = _sync(folder, server, tmp_path / "state.json")
    assert (code, out.strip()) == (0, "1 imported, 1 not an activity; 0 already sent")


def test_the_rule_import_and_sync_share() -> None:
    assert [batch_failed(4, f, strict=False) for f in (0, 1, 3, 4)] == [False] * 3 + [True]
    assert [batch_failed(4, f, strict=True) for f in (0, 1, 4)] == [False, True, True]
    assert batch_failed(0, 0, strict=True) is False


@pytest.mark.parametrize("token", ["", "  ", "ab\tc"])
def test_an_unusable_token_is_said_before_any_request(tmp_path: Path, token: str) -> None:
    # Trial 10 F15: an empty token read as "http://… is unavailable: LocalProtocolError".
    folder = _watch(tmp_path, ["a.fit"])
    args = ["sync", str(folder), "--server", "http://127.0.0.1:9", "--token", token]
    r = runner.invoke(app, [*args, "--state", str(tmp_path / "s.json")])
    assert r.exit_code == 1
    assert r.stdout == ""
    assert "error: no usable token: pass --token or set LOADWATCH_TOKEN" in r.stderr
