"""Issue #12 "nothing silent" through the API and the watch-folder inbox: an archive's Strava
manual entries (``activities.csv`` rows without a file) are imported from their rows and
reported, and every skipped member and recovered file is listed with its reason, as the CLI
reports them (tests/services/test_import_identity.py).  The archive is built in the test."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from loadwatch.config import Settings
from loadwatch.services.inbox import scan_inbox
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, Athlete, InboxEntry
from support.api_env import Env, upload
from support.archives import strava_archive, strava_archive_missing_file

IRRELEVANT = "not an activity file (neither its name nor its first bytes say FIT, GPX or TCX)"
TABLE = "Strava's activity table: read for titles, types and manual entries"
TRUNCATED = "truncated: file ends before its declared size; kept 233 records"
SKIPPED = {
    "export_12345.zip/activities.csv": TABLE,
    "export_12345.zip/media/1.jpg": IRRELEVANT,
    "export_12345.zip/profile.csv": IRRELEVANT,
}
RECOVERED = [
    {
        "file": "export_12345.zip/activities/101.tcx",
        "warnings": ["10 whitespace character(s) before the XML declaration ignored"],
    },
    {"file": "export_12345.zip/activities/104.fit.gz", "warnings": [TRUNCATED]},
]
MANUAL = {
    "file": "export_12345.zip/activities.csv",
    "line": 4,
    "status": "imported",
    "start_time": "2026-11-15T06:30:00Z",
    "sport": "running",
    "distance_m": 8000.0,
    "moving_time_s": 2400.0,
    "name": "Treadmill, gym",
}


def test_upload_reports_manual_entries_skipped_members_and_recovered_files(env: Env) -> None:
    r = upload(env, [("export_12345.zip", strava_archive())])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    files = {f["file"]: f for f in body["files"]}
    assert set(files) == {
        "export_12345.zip/activities/101.tcx",
        "export_12345.zip/activities/102.gpx",
        "export_12345.zip/activities/104.fit.gz",
    }
    assert {f["status"] for f in files.values()} == {"imported"}
    [manual] = body["manual"]
    activity_id = manual.pop("activity_id")
    assert manual == MANUAL
    assert body["manual_errors"] == []
    assert {s["file"]: s["reason"] for s in body["skipped"]} == SKIPPED
    # Told once (F6): the warnings are in "files"; "recovered" names those files.
    assert body["recovered"] == [r["file"] for r in RECOVERED]
    assert [{"file": f, "warnings": files[f]["warnings"]} for f in body["recovered"]] == RECOVERED
    assert body["totals"] == {
        "files": 3, "imported": 3, "duplicate": 0, "not_activity": 0, "failed": 0,
        "activities": 3, "manual_imported": 1, "manual_duplicate": 0, "manual_failed": 0,
        "skipped": 3,
    }  # fmt: skip
    with env.store.sessions() as s:
        row = s.get(Activity, activity_id)
        assert row is not None and row.source == "csv" and row.athlete_id == env.athlete_id
        assert (row.distance_m, row.moving_time_s, row.elevation_gain_m) == (8000, 2400, 35)

    # The same archive again: every file a duplicate, the manual entry known, nothing doubled.
    again: dict[str, Any] = upload(env, [("export_12345.zip", strava_archive())]).json()
    assert {f["status"] for f in again["files"]} == {"duplicate"}
    assert [(m["status"], m["activity_id"]) for m in again["manual"]] == [("duplicate", None)]
    assert again["totals"]["manual_duplicate"] == 1 and again["totals"]["skipped"] == 3
    with env.store.sessions() as s:
        assert len(s.scalars(select(Activity)).all()) == 4


def test_upload_reports_a_strava_row_whose_file_is_missing(env: Env) -> None:
    """trial9 F24: the row naming a file the zip lacks is in the answer's files, failed, and
    counted; the decimal-comma manual entry is 12.5 km."""
    r = upload(env, [("export_9.zip", strava_archive_missing_file())])
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert {f["file"]: (f["status"], f["reason"]) for f in body["files"]} == {
        "export_9.zip/activities.csv line 4": (
            "failed",
            "names activities/999.fit.gz, which is not in the archive: not imported",
        ),
        "export_9.zip/activities/111.gpx": ("imported", None),
    }
    assert (body["totals"]["files"], body["totals"]["failed"]) == (2, 1)
    assert [(m["line"], m["distance_m"]) for m in body["manual"]] == [(3, 12500.0)]


@pytest.fixture
def inbox_env(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    settings = Settings(data_dir=tmp_path / "data", inbox=tmp_path / "inbox", inbox_min_age_s=0)
    store = Store(settings.db_url, settings.data_dir)
    with store.transaction() as s:
        get_or_create_athlete(s, "Ana")
    yield store, settings
    store.close()


def test_inbox_records_manual_entries_skipped_members_and_recovered_files(
    inbox_env: tuple[Store, Settings], caplog: pytest.LogCaptureFixture
) -> None:
    store, settings = inbox_env
    assert settings.inbox is not None
    folder = settings.inbox / "Ana"
    folder.mkdir(parents=True)
    (folder / "export_12345.zip").write_bytes(strava_archive())
    with caplog.at_level(logging.INFO, logger="loadwatch.services.inbox"):
        scan = scan_inbox(store, settings)
    assert [o.status for o in scan.outcomes] == ["imported"] * 3
    assert dict(scan.skipped) == SKIPPED
    [manual] = scan.manual
    assert [(r.line, r.status, r.distance_m) for r in manual.report.rows] == [
        (4, "imported", 8000.0)
    ]
    with store.sessions() as s:
        entry = s.scalars(select(InboxEntry)).one()
        assert (entry.path, entry.status) == ("export_12345.zip", "imported")
        assert entry.outcome == {
            "files": {"imported": 3, "duplicate": 0, "not_activity": 0, "failed": 0},
            "manual": {"imported": 1, "duplicate": 0, "failed": 0},
            "manual_errors": [],
            "skipped": [{"file": f, "reason": why} for f, why in SKIPPED.items()],
            "recovered": RECOVERED,
        }
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert (
        "inbox Ana/export_12345.zip/activities.csv line 4: manual entry imported "
        "(running 8.00 km, from the CSV row)"
    ) in logged
    assert f"inbox Ana/export_12345.zip/profile.csv: skipped: {IRRELEVANT}" in logged
    assert f"inbox Ana/export_12345.zip/activities/104.fit.gz: warning: {TRUNCATED}" in logged
    # Unchanged on the next scan: not read again, its recorded outcome kept.
    assert scan_inbox(store, settings).outcomes == []
    with store.sessions() as s:
        assert s.scalars(select(InboxEntry)).one().outcome["manual"]["imported"] == 1  # type: ignore[index]


def test_inbox_log_names_the_path_a_file_lies_at(
    inbox_env: tuple[Store, Settings], caplog: pytest.LogCaptureFixture
) -> None:
    """Trial 9 F17: a file in a watch's subfolder was logged as Ana/run.fit, a path that is
    not there."""
    store, settings = inbox_env
    assert settings.inbox is not None
    (settings.inbox / "Ana" / "watch").mkdir(parents=True)
    (settings.inbox / "Ana" / "watch" / "export_12345.zip").write_bytes(strava_archive())
    with caplog.at_level(logging.INFO, logger="loadwatch.services.inbox"):
        scan_inbox(store, settings)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"inbox Ana/watch/export_12345.zip/profile.csv: skipped: {IRRELEVANT}" in logged
    assert "inbox Ana/export_12345.zip" not in logged


def test_an_inbox_folder_naming_no_athlete_is_left_alone_and_logged(
    inbox_env: tuple[Store, Settings], caplog: pytest.LogCaptureFixture
) -> None:
    """Trial F18: a misspelt folder ("Anna" beside "Ana") or a runner not yet added created an
    athlete no coach is linked to, so the runs went where no dashboard shows them."""
    store, settings = inbox_env
    assert settings.inbox is not None
    for name in ("Anna", "Nobody"):
        (settings.inbox / name).mkdir(parents=True)
        (settings.inbox / name / "export_12345.zip").write_bytes(strava_archive())
    with caplog.at_level(logging.INFO, logger="loadwatch.services.inbox"):
        scan = scan_inbox(store, settings)
        again = scan_inbox(store, settings)
    assert scan.outcomes == [] and scan.unknown_folders == [
        ("Anna", "no athlete 'Anna' — did you mean 'Ana'?"),
        ("Nobody", "no athlete 'Nobody'"),
    ]
    assert again.unknown_folders == scan.unknown_folders
    with store.sessions() as s:
        assert s.scalars(select(Athlete.name)).all() == ["Ana"]
        assert s.scalars(select(Activity)).all() == [] and s.scalars(select(InboxEntry)).all() == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # once per folder, not once per scan
    assert warnings[0].startswith("inbox Anna/: left alone, no athlete 'Anna' — did you mean")
