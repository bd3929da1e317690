"""The parallel import: files decoded ahead in worker processes, one writer in input order.

Whatever the number of workers, an import must give the same outcomes (status, reason,
warnings, activities and the day evaluation restarts from) as the serial one; reading ahead
is bounded; small inputs never start the pool.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loadwatch.config import Settings
from loadwatch.ingest.containers.sources import Member
from loadwatch.services import decode_ahead
from loadwatch.services.import_report import FileOutcome, ImportReport
from loadwatch.services.importing import import_members
from loadwatch.store.activities import list_activities
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from support.api_env import gpx_run

START = datetime(2026, 3, 2, 6, tzinfo=UTC)


def _members() -> list[Member]:
    """40 runs on 40 days, every third one written twice (the same bytes, another name), a
    corrupt file, a GPX route and a gzip of an earlier run (the same activity again)."""
    out: list[Member] = []
    for i in range(40):
        data = gpx_run(START + timedelta(days=i), 3.0 + i % 5)
        out.append(Member(f"run{i:02d}.gpx", data))
        if i % 3 == 0:
            out.append(Member(f"copy/run{i:02d}.gpx", data))
    out.insert(10, Member("broken.fit", b".FIT but not a FIT file at all"))
    route = b'<gpx version="1.1" creator="t"><rte><rtept lat="1" lon="2"/></rte></gpx>'
    out.insert(20, Member("route.gpx", route))
    twin = gpx_run(START + timedelta(days=5), 3.0, step_s=10)  # other bytes, same run
    out.append(Member("again.gpx", gzip.decompress(gzip.compress(twin))))
    return out


def _import(tmp_path: Path, workers: int, members: list[Member]) -> tuple[ImportReport, Store]:
    settings = Settings(data_dir=tmp_path / f"w{workers}")
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        athlete_id = get_or_create_athlete(s, "Ann", "UTC").id
    report = import_members(store, athlete_id, iter(members), workers=workers)
    return report, store


def _facts(report: ImportReport) -> list[tuple[str, str, str | None, list[str], int]]:
    return [(o.file, o.status, o.reason, o.warnings, len(o.activity_ids)) for o in report.outcomes]


def test_two_workers_give_the_serial_outcomes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    members = _members()
    serial, s1 = _import(tmp_path, 1, members)
    _pool, started = decode_ahead.get_pool(2)
    assert all(f.result(timeout=120) for f in started)  # both workers up: the pool is used
    with caplog.at_level("DEBUG", logger="loadwatch.services.decode_ahead"):
        parallel, s2 = _import(tmp_path, 2, members)
    handed = [r.getMessage() for r in caplog.records if "worker processes" in r.getMessage()]
    # 57 members: the first is decoded in-process (the pool starts once a batch of 32 is
    # read); the rest are handed out but for the 14 copies, whose bytes come earlier.
    assert handed == ["42 of 57 files handed to 2 worker processes"]
    try:
        assert _facts(parallel) == _facts(serial)
        assert parallel.touched == serial.touched
        counts = serial.counts()
        assert counts == {"imported": 40, "duplicate": 15, "not_activity": 1, "failed": 1}
        assert [o.file for o in serial.outcomes if o.status == "duplicate"][-1] == "again.gpx"
        with s1.sessions() as a, s2.sessions() as b:
            one = [(x.start_time, x.distance_m, x.sport) for x in list_activities(a, 1, 100)[0]]
            two = [(x.start_time, x.distance_m, x.sport) for x in list_activities(b, 1, 100)[0]]
        assert one == two and len(one) == 40
    finally:
        s1.close()
        s2.close()


def _most_read_ahead(tmp_path: Path) -> int:
    """Import every member with 2 workers in batches of 4: the most members the input had
    given up beyond those already written, at any point."""
    members = _members()
    pulled = 0

    def source() -> Iterator[Member]:
        nonlocal pulled
        for m in members:
            pulled += 1
            yield m

    done = 0
    most_ahead = 0

    def progress(_o: FileOutcome) -> None:
        nonlocal done, most_ahead
        done += 1
        most_ahead = max(most_ahead, pulled - done)

    settings = Settings(data_dir=tmp_path / "d")
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        athlete_id = get_or_create_athlete(s, "Ann", "UTC").id
    report = import_members(store, athlete_id, source(), workers=2, progress=progress, batch=4)
    store.close()
    assert done == len(members) == len(report.outcomes)
    return most_ahead


def test_reading_ahead_is_bounded(tmp_path: Path) -> None:
    """However long the input, at most a batch and ``AHEAD_PER_WORKER * workers`` members are
    read beyond the one being written (an archive is expanded member by member)."""
    # The batch being gathered (4), and the rest of the next batch (3) and 2 per worker read.
    assert _most_read_ahead(tmp_path) <= 4 + decode_ahead.read_ahead(2, 4)


def test_reading_ahead_stops_at_its_byte_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large files: once ``READ_AHEAD_BYTES`` wait, no more is read ahead whatever the count
    allows; here the budget is under one member, so one waits at a time beyond the batch
    being gathered."""
    monkeypatch.setattr(decode_ahead, "READ_AHEAD_BYTES", 1)
    # The batch being gathered (4) and the one member read beyond it.
    assert _most_read_ahead(tmp_path) <= 4 + 1 < 4 + decode_ahead.read_ahead(2, 4)


def test_small_inputs_stay_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    monkeypatch.setattr(decode_ahead, "get_pool", lambda n: started.append(n))
    members = _members()[: decode_ahead.POOL_MIN_FILES - 1]
    report, store = _import(tmp_path, 2, members)
    store.close()
    assert len(report.outcomes) == len(members)
    assert started == []


def test_workers_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOADWATCH_IMPORT_WORKERS", "3")
    assert Settings(data_dir=tmp_path).import_workers == 3
    monkeypatch.delenv("LOADWATCH_IMPORT_WORKERS")
    assert Settings(data_dir=tmp_path).import_workers == (os.cpu_count() or 1)
    assert decode_ahead.import_workers(1) == 1
