"""``loadwatch sync``: upload a watch's activity folder (or an export folder) to a server.

Each file goes up in its own request, and the server's answer is written to a state file before
the next one, so an interrupted sync resumes where it stopped and a file the server already
accepted (imported, duplicate, not an activity) is never sent again.  Transient failures
(connection errors, 5xx, 429) are retried with back-off; if the server stays unreachable the
sync stops cleanly and the next run carries on.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from loadwatch.errors import InvalidRequest, ServerUnavailable, Unauthorized
from loadwatch.ingest.containers.folders import visible_files
from loadwatch.ingest.containers.sources import CONTAINER_SUFFIXES
from loadwatch.ingest.formats.registry import ACTIVITY_SUFFIXES

UPLOAD_SUFFIXES = (*sorted(ACTIVITY_SUFFIXES), *CONTAINER_SUFFIXES)
ACCEPTED = frozenset({"imported", "duplicate", "not_activity"})
API = "/api/v1"


class _Transient(Exception):
    pass


@dataclass
class FileAnswer:
    file: str
    status: str  # imported | duplicate | not_activity | failed | skipped
    reason: str | None = None
    activity_ids: list[int] = field(default_factory=list)


@dataclass
class SyncResult:
    answers: list[FileAnswer] = field(default_factory=list)
    already_sent: int = 0
    stopped: str | None = None  # why the sync stopped early

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for a in self.answers:
            out[a.status] = out.get(a.status, 0) + 1
        return out


def default_state_path(folder: Path, server: str) -> Path:
    """Outside the watch's own folder: we never write onto the device."""
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    key = sha256(f"{folder.resolve()}|{server.rstrip('/')}".encode()).hexdigest()[:16]
    return base / "loadwatch" / f"sync-{key}.json"


def _load_state(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise InvalidRequest(
            f"sync state {path} is unreadable ({e}); delete it to start over"
        ) from e
    return dict(data.get("files", {}))


def _save_state(path: Path, files: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".sync-")
    with os.fdopen(fd, "w") as f:
        json.dump({"version": 1, "files": files}, f, indent=1, sort_keys=True)
    Path(tmp).replace(path)


def candidate_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InvalidRequest(f"not a folder: {folder}")
    return [p for p in visible_files(folder) if p.name.lower().endswith(UPLOAD_SUFFIXES)]


def _answers(body: Any, fallback_name: str) -> list[FileAnswer]:
    items = body.get("files", []) if isinstance(body, dict) else []
    out = [
        FileAnswer(
            file=str(i.get("file", fallback_name)),
            status=str(i.get("status", "failed")),
            reason=i.get("reason"),
            activity_ids=list(i.get("activity_ids") or []),
        )
        for i in items
        if isinstance(i, dict)
    ]
    return out or [FileAnswer(fallback_name, "failed", "the server gave no per-file answer")]


class SyncClient:
    def __init__(
        self,
        server: str,
        token: str,
        *,
        client: httpx.Client | None = None,
        attempts: int = 5,
        max_wait_s: float = 20.0,
    ) -> None:
        token = token.strip()
        if not token or not token.isprintable():
            # Said before any request: an empty header is no outage (trial 10 F15).
            raise InvalidRequest("no usable token: pass --token or set LOADWATCH_TOKEN")
        self.server = server.rstrip("/")
        self.http = client or httpx.Client(timeout=httpx.Timeout(120.0, connect=10.0))
        self.http.headers["Authorization"] = f"Bearer {token}"
        self._retrying = retry(
            retry=retry_if_exception_type(_Transient),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=0.5, max=max_wait_s),
            reraise=True,
        )

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        def once() -> httpx.Response:
            try:
                r = self.http.request(method, self.server + path, **kw)
            except httpx.TransportError as e:
                raise _Transient(f"{type(e).__name__}: {e}") from e
            if r.status_code >= 500 or r.status_code == 429:
                raise _Transient(f"HTTP {r.status_code}")
            return r

        try:
            r: httpx.Response = self._retrying(once)()
        except _Transient as e:
            raise ServerUnavailable(f"{self.server} is unavailable: {e}") from e
        if r.status_code == 401:
            raise Unauthorized("the server rejected the token")
        return r

    def my_athlete_id(self) -> int:
        r = self._request("GET", f"{API}/me")
        athlete_id = r.json().get("athlete_id") if r.is_success else None
        if athlete_id is None:
            raise InvalidRequest("this token is not an athlete's: pass --athlete ID")
        return int(athlete_id)

    def upload(self, athlete_id: int, path: Path, display: str) -> list[FileAnswer]:
        r = self._request(
            "POST",
            f"{API}/athletes/{athlete_id}/activities",
            files=[("files", (path.name, path.read_bytes(), "application/octet-stream"))],
        )
        if r.status_code == 404:
            raise InvalidRequest(f"athlete {athlete_id} not found on the server (or not yours)")
        if not r.is_success:
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            return [FileAnswer(display, "failed", f"HTTP {r.status_code}: {detail}")]
        return [
            FileAnswer(display, a.status, a.reason, a.activity_ids)
            for a in _answers(r.json(), display)
        ]

    def close(self) -> None:
        self.http.close()


def sync_folder(
    folder: Path,
    client: SyncClient,
    *,
    athlete_id: int | None = None,
    state_path: Path | None = None,
    on_file: Callable[[Path, list[FileAnswer] | None], None] | None = None,
    retry_failed: bool = False,
) -> SyncResult:
    """Upload what the server has not answered yet.  A file the server refused (corrupt, too
    large) is not sent again until its bytes change, or with ``retry_failed`` after a fix on
    the server.  ``on_file`` is called once per candidate (answers None when skipped) so a
    caller can show progress."""
    state_path = state_path or default_state_path(folder, client.server)
    state = _load_state(state_path)
    athlete = athlete_id if athlete_id is not None else client.my_athlete_id()
    result = SyncResult()
    for path in candidate_files(folder):
        rel = path.relative_to(folder).as_posix()
        digest = sha256(path.read_bytes()).hexdigest()
        known = state.get(digest)
        if known is not None and (known["status"] in ACCEPTED or not retry_failed):
            result.already_sent += 1
            if on_file:
                on_file(path, None)
            continue
        try:
            answers = client.upload(athlete, path, rel)
        except ServerUnavailable as e:
            result.stopped = str(e)
            break
        result.answers.extend(answers)
        statuses = {a.status for a in answers}
        status = "imported" if "imported" in statuses else sorted(statuses)[0]
        state[digest] = {
            "file": rel,
            "status": status,
            "reason": "; ".join(a.reason for a in answers if a.reason) or None,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        _save_state(state_path, state)
        if on_file:
            on_file(path, answers)
    return result
