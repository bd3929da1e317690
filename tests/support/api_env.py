"""The API world most API tests share: an app over a fresh store (SQLite and PostgreSQL),
an admin, a coach and one athlete, and GPX runs whose distance is known by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import gpxpy.gpx
import httpx
import pytest
from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.api.routers.webhooks import get_resolver
from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.store.db import Store
from support.databases import from_template
from support.fake_dns import resolver

API = "/api/v1"


M_PER_DEG_LAT_45 = 111_132.0


MAX_FILE = 1024 * 1024


MAX_UPLOAD = 3 * 1024 * 1024


MAX_FILES = 20


def gpx_run(start: datetime, km: float, *, speed: float = 3.0, step_s: int = 5) -> bytes:
    """A flat run due north from 45° N at ``speed`` m/s, one point every ``step_s``."""
    doc = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack(name="morning run")
    track.type = "running"  # type: ignore[assignment]  # gpxpy annotates it as None
    doc.tracks.append(track)
    seg = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(seg)
    n = round(km * 1000 / speed / step_s)
    for i in range(n + 1):
        seg.points.append(
            gpxpy.gpx.GPXTrackPoint(
                45.0 + i * speed * step_s / M_PER_DEG_LAT_45,
                7.0,
                elevation=300.0,
                time=start + timedelta(seconds=i * step_s),
            )
        )
    return doc.to_xml().encode()


@dataclass
class Env:
    client: TestClient
    store: Store
    settings: Settings
    admin: dict[str, str]
    coach: dict[str, str]
    athlete_user: dict[str, str]
    athlete_id: int


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def env(db_url: str, tmp_path: Path, migrated_sqlite: Path) -> Iterator[Env]:
    url = db_url
    from_template(url, migrated_sqlite)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        max_file_bytes=MAX_FILE,
        max_upload_bytes=MAX_UPLOAD,
        max_files_per_upload=MAX_FILES,
    )
    store = Store(url, settings.data_dir)
    with store.transaction() as s:
        _, admin = auth.create_user(s, "admin", "admin")
        _, coach = auth.create_user(s, "coach", "coach")
    app = create_app(store, settings=settings)
    app.dependency_overrides[get_resolver] = lambda: (
        resolver()
    )  # webhook hosts: no real DNS in tests
    client = TestClient(app)
    with client:
        r = client.post(
            f"{API}/athletes",
            json={"name": "Ann", "timezone": "UTC", "fast_threshold": "4:30"},
            headers=_bearer(coach),
        )
        assert r.status_code == 201, r.text
        athlete_id = r.json()["id"]
        with store.transaction() as s:
            _, own = auth.create_user(s, "ann", "athlete", athlete_id=athlete_id)
        yield Env(client, store, settings, _bearer(admin), _bearer(coach), _bearer(own), athlete_id)
    store.close()


def upload(
    env: Env, files: list[tuple[str, bytes]], headers: dict[str, str] | None = None
) -> httpx.Response:
    r: httpx.Response = env.client.post(
        f"{API}/athletes/{env.athlete_id}/activities",
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
        headers=headers or env.coach,
    )
    return r


def _today_7am() -> datetime:
    return utcnow().replace(hour=7, minute=0, second=0, microsecond=0)
