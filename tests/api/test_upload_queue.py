"""Uploads answer before evaluation (issue 19): the answer says the evaluation is pending, and
status, series and the dashboard say "evaluating" until the queue has run it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.api.routers.series import EVALUATING_HEADER
from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.services.jobs import InProcessJobs
from loadwatch.store.db import Store
from support.api_env import API, gpx_run


@dataclass
class World:
    client: TestClient
    queue: InProcessJobs
    headers: dict[str, str]
    athlete_id: int


def _world(tmp_path: Path, *, autostart: bool) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path / "data", jobs="inprocess", job_settle_s=0)
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        _, token = auth.create_user(s, "coach", "coach")
    headers = {"Authorization": f"Bearer {token}"}
    queue = InProcessJobs(store, settings, settle_s=0, autostart=autostart)
    with TestClient(create_app(store, settings=settings, jobs=queue)) as client:
        r = client.post(f"{API}/athletes", json={"name": "Ann", "timezone": "UTC"}, headers=headers)
        assert r.status_code == 201, r.text
        yield World(client, queue, headers, r.json()["id"])
    queue.close()
    store.close()


@pytest.fixture
def held(tmp_path: Path) -> Iterator[World]:
    """The queue runs only when the test says so."""
    yield from _world(tmp_path, autostart=False)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[World]:
    """The queue's background thread runs, as in ``loadwatch serve``."""
    yield from _world(tmp_path, autostart=True)


def _upload(w: World, km: float, days_ago: int) -> dict[str, object]:
    start = utcnow().replace(hour=7, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
    r = w.client.post(
        f"{API}/athletes/{w.athlete_id}/activities",
        files=[("files", (f"run-{days_ago}.gpx", gpx_run(start, km), "application/gpx+xml"))],
        headers=w.headers,
    )
    assert r.status_code == 200, r.text
    body: dict[str, object] = r.json()
    return body


def _evaluating(w: World) -> tuple[bool, bool, bool, str, bool]:
    aid = w.athlete_id
    status = w.client.get(f"{API}/athletes/{aid}/status", headers=w.headers).json()
    series = w.client.get(f"{API}/athletes/{aid}/series?period=day", headers=w.headers).json()
    csv = w.client.get(
        f"{API}/athletes/{aid}/series", headers={**w.headers, "Accept": "text/csv"}
    ).headers[EVALUATING_HEADER]
    rows = w.client.get(f"{API}/dashboard", headers=w.headers).json()["data"]
    (row,) = [r for r in rows if r["athlete_id"] == aid]
    return (
        status["evaluating"],
        series["evaluating"],
        row["evaluating"],
        csv,
        bool(status["open_flags"]),
    )


def test_an_upload_answers_pending_and_the_views_say_evaluating_until_the_job_runs(
    held: World,
) -> None:
    # Five weeks of 5 km every third day, then 10 km yesterday: a single-run spike once
    # evaluated (as in test_api.py).
    for i in range(13):
        assert _upload(held, 5.0, 40 - 3 * i)["evaluation_pending"] is True
    answer = _upload(held, 10.0, 1)
    assert answer["evaluation_pending"] is True
    assert answer["totals"]["imported"] == 1  # type: ignore[index]
    # Stored and answered; not evaluated: every face says so, and no flag is shown as current.
    assert _evaluating(held) == (True, True, True, "true", False)
    # The burst of 14 uploads is one evaluation.
    assert held.queue.run_due(force=True) == [held.athlete_id]
    assert _evaluating(held) == (False, False, False, "false", True)


def test_the_background_queue_evaluates_the_burst_once_and_the_views_settle(
    running: World,
) -> None:
    for days_ago in (9, 7, 5, 3):
        _upload(running, 6.0, days_ago)
    assert running.queue.wait_idle(timeout=120)  # a condition with a deadline, not a sleep
    status = running.client.get(
        f"{API}/athletes/{running.athlete_id}/status", headers=running.headers
    ).json()
    assert status["evaluating"] is False
    assert status["last_activity_date"] == (utcnow() - timedelta(days=3)).date().isoformat()
    # Each evaluation drained everything uploaded before it: never more runs than uploads, and
    # nothing is left pending.
    assert 1 <= len(running.queue.runs) <= 4
    assert set(running.queue.runs) == {running.athlete_id}


def test_a_training_log_upload_answers_pending(held: World) -> None:
    day = (utcnow() - timedelta(days=2)).date().isoformat()
    log = f"date,distance,duration\n{day},8,45:00\n".encode()
    r = held.client.post(
        f"{API}/athletes/{held.athlete_id}/logs",
        files=[("files", ("log.csv", log, "text/csv"))],
        headers=held.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["evaluation_pending"] is True
    assert held.queue.run_due(force=True) == [held.athlete_id]
    assert _evaluating(held)[:3] == (False, False, False)
