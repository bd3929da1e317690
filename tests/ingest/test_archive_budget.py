"""Bounded archives through the API: issue #7's 339 KB zip of 300 unique 1 MiB members no longer
writes 300 MB, a variant that hides its size from the zip directory is stopped by the whole-input
budget and the cap on kept bytes, the athlete's quota is a clear refusal, and the CPU budget
refuses the files past it without undoing those accepted."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.config import Settings
from loadwatch.ingest.containers.sources import iter_upload
from loadwatch.services.import_report import FileOutcome
from loadwatch.services.importing import import_members
from loadwatch.services.upload_budget import UploadBudget
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, SourceFile
from support.api_env import gpx_run
from support.bombs import MiB, bomb_zip, hidden_bomb_zip, tree_bytes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

API = "/api/v1"


@dataclass
class Env:
    client: TestClient
    store: Store
    settings: Settings
    headers: dict[str, str]
    athlete_id: int

    def upload(self, *files: tuple[str, bytes]) -> httpx.Response:
        r: httpx.Response = self.client.post(
            f"{API}/athletes/{self.athlete_id}/activities",
            files=[("files", (n, d, "application/octet-stream")) for n, d in files],
            headers=self.headers,
        )
        return r

    def stored(self) -> dict[str, int]:
        with self.store.sessions() as s:
            rows = s.execute(select(SourceFile.status, func.count()).group_by(SourceFile.status))
            return {status: int(n) for status, n in rows}


def _env(tmp_path: Path, **overrides: Any) -> Iterator[Env]:
    settings = Settings(data_dir=tmp_path / "data", **overrides)
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        ann = get_or_create_athlete(s, "Ann", "UTC")
        _, token = auth.create_user(s, "ann", "athlete", athlete_id=ann.id)
    with TestClient(create_app(store, settings=settings)) as client:
        yield Env(client, store, settings, {"Authorization": f"Bearer {token}"}, ann.id)
    store.close()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from _env(tmp_path)  # the shipped defaults


def test_issue_zip_is_refused_before_inflating_anything(env: Env) -> None:
    data = bomb_zip()
    assert 330_000 < len(data) < 350_000  # the issue's 339 KB
    before = tree_bytes(env.settings.data_dir)
    r = env.upload(("export.zip", data))
    assert r.status_code == 200, r.text
    [f] = r.json()["files"]
    assert f["file"] == "export.zip" and f["status"] == "failed"
    assert f["reason"] == (
        "archive declares 300.0 MiB unpacked, over 66.0 MiB "
        "(200× the input's size, limit max_compression_ratio; a zip bomb?)"
    )
    grew = tree_bytes(env.settings.data_dir) - before
    assert grew < 1 * MiB, grew  # a database row, no blob (was 301 MB)
    assert env.stored() == {"failed": 1}


def test_hidden_sizes_are_stopped_by_the_whole_input_budget_and_the_kept_cap(env: Env) -> None:
    data = hidden_bomb_zip()
    budget_bytes = env.settings.max_compression_ratio * len(data)
    before = tree_bytes(env.settings.data_dir)
    r = env.upload(("export.zip", data))
    assert r.status_code == 200, r.text
    files = r.json()["files"]
    # Every member read is reported; reading stops once the input has inflated ~200× its size.
    inflated = len(files) - 1
    assert 0 < inflated <= budget_bytes / MiB < 300
    assert all(f["status"] == "failed" for f in files)
    assert files[-1]["file"] == "export.zip"
    assert "archive expands past" in files[-1]["reason"]
    assert "limit max_compression_ratio" in files[-1]["reason"]
    kept_cap = env.settings.max_failed_kept_bytes
    kept = [f for f in files[:-1] if "raw bytes not kept" not in f["reason"]]
    assert len(kept) == kept_cap // MiB  # 32 of them, then the rest are only recorded
    assert "limit max_failed_kept_bytes" in files[-2]["reason"]
    grew = tree_bytes(env.settings.data_dir) - before
    assert kept_cap <= grew <= kept_cap + 2 * MiB, grew  # the kept cap, plus database rows


def test_the_athletes_quota_refuses_files_then_whole_uploads(tmp_path: Path) -> None:
    start = datetime(2026, 1, 5, 7, tzinfo=UTC)
    runs = [gpx_run(start + timedelta(days=i), 1.0 + i) for i in range(3)]
    quota = len(runs[0]) + len(runs[1]) + len(runs[2]) // 2  # room for two runs, not three
    for env in _env(tmp_path, athlete_quota_bytes=quota):
        r = env.upload(*((f"run{i}.gpx", run) for i, run in enumerate(runs)))
        assert r.status_code == 200, r.text
        statuses = [(f["status"], f["reason"]) for f in r.json()["files"]]
        assert [s for s, _ in statuses] == ["imported", "imported", "failed"]
        reason = statuses[2][1]
        assert (
            reason.startswith("athlete storage quota reached") and "athlete_quota_bytes" in reason
        )
        with env.store.sessions() as s:
            assert s.scalar(select(func.count()).select_from(Activity)) == 2
            used = s.scalar(select(func.sum(SourceFile.size)))
        assert used == len(runs[0]) + len(runs[1])  # the refused file's bytes were not kept
        # Fill it to the last byte: then a whole request is refused before its body is read.
        with env.store.transaction() as s:
            row = s.execute(select(SourceFile).where(SourceFile.status == "failed")).scalar_one()
            row.size = quota - used
        r = env.upload(("run9.gpx", runs[2]))
        assert r.status_code == 413
        assert r.json()["detail"].startswith("athlete storage quota reached")


def test_cpu_budget_refuses_later_files_and_keeps_the_accepted(tmp_path: Path) -> None:
    """Deterministic: the budget is declared spent after the first file (as if it had taken
    all of it); the next member is refused with the reason and the rest is not read."""
    settings = Settings(data_dir=tmp_path / "data")
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        athlete_id = get_or_create_athlete(s, "Ann", "UTC").id
    start = datetime(2026, 1, 5, 7, tzinfo=UTC)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(4):
            zf.writestr(f"run{i}.gpx", gpx_run(start + timedelta(days=i), 2.0))
    budget = UploadBudget(cpu_s=30.0, failed_kept_bytes=MiB)

    def spend(_outcome: FileOutcome) -> None:
        budget.cpu_used = budget.cpu_s

    members = iter_upload(archive.getvalue(), "week.zip", settings)
    report = import_members(store, athlete_id, members, budget=budget, progress=spend)
    assert [(o.file, o.status) for o in report.outcomes] == [
        ("week.zip/run0.gpx", "imported"),
        ("week.zip/run1.gpx", "failed"),
    ]
    assert report.outcomes[1].reason == (
        "not read: this upload used its 30 s of CPU (limit max_upload_cpu_s); "
        "send the remaining files in another request"
    )
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Activity)) == 1
    store.close()
    # Through the API, a spent budget refuses every file of the request and reads none.
    for env in _env(tmp_path / "api", max_upload_cpu_s=0.0):
        r = env.upload(("a.gpx", gpx_run(start, 2.0)), ("b.gpx", gpx_run(start, 3.0)))
        assert r.status_code == 200
        assert [f["status"] for f in r.json()["files"]] == ["failed", "failed"]
        assert "limit max_upload_cpu_s" in r.json()["files"][0]["reason"]
        assert env.stored() == {}  # not read, so nothing is recorded or kept
