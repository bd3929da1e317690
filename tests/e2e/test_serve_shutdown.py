"""trial9 F29: SIGTERM to a real ``loadwatch serve`` (``kill``, a supervisor, ``docker stop``)
leaves none of its processes behind: the import pool's spawned workers and multiprocessing's
resource tracker, started by an upload, go with the server."""

from __future__ import annotations

import io
import os
import signal
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from loadwatch import auth
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from support.archives import gpx_run
from support.databases import at_head
from support.live import cli_env, serving

pytestmark = pytest.mark.e2e


def _children() -> dict[int, list[int]]:
    """Every process's children, read from /proc."""
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        kids = tree.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_sigterm_leaves_no_worker_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(at_head(f"sqlite:///{data / 'loadwatch.db'}"), data)
    with store.transaction() as s:
        ana = get_or_create_athlete(s, "Ana", "Europe/Madrid")
        _, token = auth.create_user(s, "ana", "athlete", athlete_id=ana.id)
    store.close()
    # 40 files: over the 32 (POOL_MIN_FILES) after which an import starts its pool.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(40):
            start = datetime(2026, 10, 1, 7, 0, tzinfo=UTC) + timedelta(days=i)
            zf.writestr(f"runs/{i}.gpx", gpx_run(start, seconds=300))
    env = cli_env(data, LOADWATCH_IMPORT_WORKERS="2", XDG_STATE_HOME=str(tmp_path / "state"))
    with serving(env) as (url, proc):
        r = httpx.post(
            f"{url}/api/v1/athletes/{ana.id}/activities",
            files=[("files", ("runs.zip", buf.getvalue(), "application/zip"))],
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
        assert r.status_code == 200, r.text
        assert r.json()["totals"]["imported"] == 40
        kids = _descendants(proc.pid)
        workers = [p for p in kids if "multiprocessing" in _cmdline(p)]
        # The pool's two workers and the resource tracker: the upload started the pool.
        assert len(workers) >= 3, [_cmdline(p) for p in kids]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    # The server has exited; its processes follow within a few seconds (a worker left alone
    # sees its parent gone within PARENT_CHECK_S).
    deadline = time.monotonic() + 30
    while any(_alive(p) for p in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [(p, _cmdline(p)) for p in kids if _alive(p)]
    for p, _ in left:  # not to leave them running on the machine if the test fails
        os.kill(p, signal.SIGKILL)
    assert left == []
