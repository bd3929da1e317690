"""End to end on loopback: a real ``loadwatch serve`` (API + scheduler), a runner's watch folder
synced with ``loadwatch sync``, and a coach's webhook receiving each new flag exactly once."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadwatch import auth
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from support.databases import at_head
from support.live import cli_env, run_cli, serve
from support.paths import REPO
from support.receiver import webhook_receiver

SAMPLE = REPO / "sample_data" / "spiky-sara"
pytestmark = pytest.mark.e2e
# The delivery timer's interval: after the quiet window it announces, and retries, on its next
# tick, so the test waits about a tick per step instead of a second (production: 15 s).
TICK_S = 0.2


def test_sync_watch_folder_evaluates_and_notifies(tmp_path: Path) -> None:
    if not SAMPLE.is_dir():
        pytest.fail(f"{SAMPLE} is missing: regenerate with scripts/make_sample_data.py")
    data = tmp_path / "data"
    store = Store(at_head(f"sqlite:///{data / 'loadwatch.db'}"), data)
    with store.transaction() as s:
        sara = get_or_create_athlete(s, "Spiky Sara", "Europe/Vienna")
        coach, coach_token = auth.create_user(s, "coach", "coach")
        auth.link_coach(s, coach, sara)
        _, runner_token = auth.create_user(s, "sara", "athlete", athlete_id=sara.id)
    store.close()

    # The watch: every demo run, plus one file that is broken.
    watch = tmp_path / "watch" / "Activity"
    shutil.copytree(SAMPLE, watch, ignore=shutil.ignore_patterns("*.md"))
    n_files = len(list(watch.iterdir()))
    (watch / "broken.fit").write_bytes(b"\x0e\x10\x98\x08\x00\x10\x00\x00.FIT" + b"\x00" * 40)

    env = cli_env(
        data,
        LOADWATCH_EVALUATE_INTERVAL_S="1",
        LOADWATCH_DELIVER_INTERVAL_S=str(TICK_S),
        LOADWATCH_WEBHOOK_BASE_DELAY_S="0.2",
        LOADWATCH_WEBHOOK_QUIET_S="10",
        # The day after the sample history ends: its flags are news, not history.
        LOADWATCH_AS_OF="2026-11-16",
        # The coach's receiver is plain http on loopback: an admin's explicit allowance.
        LOADWATCH_WEBHOOK_ALLOW_HTTP="1",
        LOADWATCH_WEBHOOK_ALLOW_HOSTS="127.0.0.1",
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    with webhook_receiver(fail_first=2) as rx, serve(env) as url:
        coach_api = httpx.Client(
            base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {coach_token}"}
        )
        assert coach_api.post("/webhooks", json={"url": rx.url}).status_code == 201

        first = run_cli(
            "sync",
            str(watch.parent),
            "--server",
            url,
            "--token",
            runner_token,
            env=env,
            timeout=600,
        )
        # One file failed of the batch: reported, and exit 0 as `import` does (1 with --strict).
        assert first.returncode == 0, first.stderr
        assert "Traceback" not in first.stdout + first.stderr
        assert f"{n_files} imported, 1 failed" in first.stdout
        assert "failed  Activity/broken.fit" in first.stderr

        # The scheduler evaluates after the uploads and announces every live episode once.
        # The receiver is read every half tick (in this process, free); the server only once
        # something has arrived, so the wait costs the server no requests.
        deadline = time.monotonic() + 180
        live: list[dict[str, Any]] = []
        while True:
            got = [r["body"]["episode"]["id"] for r in rx.accepted]
            if got:
                live = coach_api.get(f"/athletes/{sara.id}/episodes").json()["data"]
                if live and sorted(got) == sorted(e["id"] for e in live):
                    break
            assert time.monotonic() < deadline, f"{len(got)} deliveries for {len(live)} episodes"
            time.sleep(TICK_S / 2)
        time.sleep(5 * TICK_S)  # five more delivery ticks: nothing is delivered twice
        told = [(r["body"]["event"], r["body"]["episode"]["id"]) for r in rx.accepted]
        # Exactly one announcement per episode of the settled history: evaluations that ran
        # while the sync was still uploading saw part of it (the derived fast threshold moves
        # as runs arrive), and nothing is sent until uploads go quiet.  Sara's spike week,
        # with its distance, hills and speed flags, is one episode.
        assert told == [("episode.created", live[0]["id"])]
        assert [r["answered"] for r in rx.requests[:2]] == [500, 500]
        flags = coach_api.get(f"/athletes/{sara.id}/flags", params={"status": "all"}).json()
        assert {f["dimension"] for f in flags["data"]} >= {"distance", "hills", "speed"}
        assert set(live[0]["dimensions"]) >= {"distance", "hills", "speed"}

        activities = coach_api.get(f"/athletes/{sara.id}/activities", params={"limit": 1}).json()
        assert activities["count"] == n_files

        again = run_cli(
            "sync", str(watch.parent), "--server", url, "--token", runner_token, env=env
        )
        assert again.returncode == 0, again.stderr
        assert f"nothing new; {n_files + 1} already sent" in again.stdout
