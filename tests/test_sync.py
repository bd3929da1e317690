"""The sync client's bookkeeping: what is sent, what is remembered, retries and resuming.

The server side is an in-memory httpx transport that answers like the API, so each case can
make the server fail exactly when it wants to."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from loadwatch.errors import InvalidRequest, Unauthorized
from loadwatch.sync import SyncClient, candidate_files, sync_folder

Handler = Callable[[httpx.Request], httpx.Response]


def _client(handler: Handler) -> SyncClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return SyncClient("http://127.0.0.1:9", "tok", client=http, attempts=3, max_wait_s=0.0)


def _folder(tmp_path: Path, n: int) -> Path:
    watch = tmp_path / "GARMIN" / "Activity"
    watch.mkdir(parents=True)
    for i in range(n):
        (watch / f"run{i}.fit").write_bytes(f"fit-{i}".encode())
    (watch / "notes.txt").write_text("not an activity file")
    (watch / ".hidden.fit").write_bytes(b"hidden")
    return tmp_path / "GARMIN"


class FakeServer:
    """Answers uploads like the API; ``fail`` decides per call whether to answer 503."""

    def __init__(self, fail: Callable[[int, str], bool] = lambda n, name: False) -> None:
        self.fail, self.calls, self.uploaded = fail, 0, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer tok"
        if request.url.path == "/api/v1/me":
            return httpx.Response(200, json={"id": 1, "athlete_id": 7})
        assert request.url.path == "/api/v1/athletes/7/activities"
        name = request.content.split(b'filename="')[1].split(b'"')[0].decode()
        self.calls += 1
        if self.fail(self.calls, name):
            return httpx.Response(503)
        self.uploaded.append(name)
        status = "failed" if name == "run2.fit" else "imported"
        reason = "corrupt FIT file: file CRC mismatch" if status == "failed" else None
        return httpx.Response(
            200,
            json={
                "files": [{"file": name, "status": status, "reason": reason, "activity_ids": []}]
            },
        )


def test_candidates_skip_hidden_and_unknown(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 3)
    assert [p.name for p in candidate_files(folder)] == ["run0.fit", "run1.fit", "run2.fit"]


def test_sends_each_file_once_and_remembers_answers(tmp_path: Path) -> None:
    folder, state = _folder(tmp_path, 4), tmp_path / "state.json"
    server = FakeServer()
    first = sync_folder(folder, _client(server), state_path=state)
    assert server.uploaded == ["run0.fit", "run1.fit", "run2.fit", "run3.fit"]
    assert first.counts() == {"imported": 3, "failed": 1}
    saved = json.loads(state.read_text())["files"]
    assert sorted(v["status"] for v in saved.values()) == [
        "failed",
        "imported",
        "imported",
        "imported",
    ]
    # Nothing is sent again, not even the refused file, until its bytes change.
    second = sync_folder(folder, _client(server), state_path=state)
    assert (second.answers, second.already_sent) == ([], 4)
    (folder / "Activity" / "run2.fit").write_bytes(b"fixed bytes")
    third = sync_folder(folder, _client(server), state_path=state)
    assert server.uploaded[-1] == "run2.fit" and third.already_sent == 3
    # --retry-failed sends a refused file again without a change.
    fourth = sync_folder(folder, _client(server), state_path=state, retry_failed=True)
    assert [a.file for a in fourth.answers] == ["Activity/run2.fit"]


def test_transient_failures_are_retried(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 2)
    server = FakeServer(fail=lambda n, name: n in (1, 2))  # two 503s, then fine
    result = sync_folder(folder, _client(server), state_path=tmp_path / "s.json")
    assert result.stopped is None
    assert server.uploaded == ["run0.fit", "run1.fit"] and server.calls == 4


def test_interrupted_sync_resumes_where_it_stopped(tmp_path: Path) -> None:
    folder, state = _folder(tmp_path, 5), tmp_path / "s.json"
    down = FakeServer(fail=lambda n, name: name >= "run3.fit")  # the server dies at run3
    result = sync_folder(folder, _client(down), state_path=state)
    assert result.stopped is not None and "unavailable" in result.stopped
    assert down.uploaded == ["run0.fit", "run1.fit", "run2.fit"]
    up = FakeServer()
    resumed = sync_folder(folder, _client(up), state_path=state)
    assert up.uploaded == ["run3.fit", "run4.fit"] and resumed.already_sent == 3


def test_bad_token_and_non_athlete_token(tmp_path: Path) -> None:
    folder = _folder(tmp_path, 1)
    with pytest.raises(Unauthorized):
        sync_folder(folder, _client(lambda r: httpx.Response(401)), state_path=tmp_path / "a")
    coach = _client(lambda r: httpx.Response(200, json={"id": 2, "athlete_id": None}))
    with pytest.raises(InvalidRequest, match="--athlete"):
        sync_folder(folder, coach, state_path=tmp_path / "b")
