"""Issue #12 (imports): one athlete per person, nothing silent, progress, the archive acceptance.

Every fixture is made here in code: GPX and TCX written as text, the FIT taken from the
generated ``sample_data`` (scripts/make_sample_data.py) and cut short, the Strava archive zipped
in memory.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from loadwatch.cli import app
from loadwatch.cli.output import fmt_pace
from loadwatch.config import get_settings
from loadwatch.errors import Conflict, NotFound
from loadwatch.ingest.containers.sources import SourceNotes, iter_upload
from loadwatch.ingest.containers.strava_export import manual_entries_csv
from loadwatch.ingest.zones import FIXED_OFFSET, guess_zone, offset_zone
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Store, open_store
from loadwatch.store.models import Activity, Athlete, PendingEvaluation
from support.archives import (
    SAMPLE_FIT,
    gpx_run,
    strava_archive,
    strava_archive_missing_file,
)
from support.databases import at_head

runner = CliRunner()


# --- fixtures made by code ----------------------------------------------------------------


def _store() -> Store:
    settings = get_settings()
    at_head(settings.db_url)
    return open_store(settings)


# --- one athlete per person ---------------------------------------------------------------
@pytest.mark.usefixtures("data_dir")
def test_names_are_trimmed_and_case_insensitive_with_did_you_mean() -> None:
    store = _store()
    try:
        with store.transaction() as s:
            bea = athlete_store.get_or_create_athlete(s, "Bea", "Europe/Madrid").id
            assert athlete_store.get_or_create_athlete(s, "bea ").id == bea  # no second athlete
            assert athlete_store.get_athlete_by_name(s, "  BEA").id == bea
            athlete_store.get_or_create_athlete(s, "Bobby")
            eva = athlete_store.get_or_create_athlete(s, "Éva").id
            assert athlete_store.get_or_create_athlete(s, "éva").id == eva
        with store.sessions() as s:
            assert [a.name for a in athlete_store.list_athletes(s)] == ["Bea", "Bobby", "Éva"]
            with pytest.raises(NotFound) as e:
                athlete_store.get_athlete_by_name(s, "Bae")
            assert str(e.value) == "no athlete 'Bae' — did you mean 'Bea'?"
            with pytest.raises(NotFound) as e:
                athlete_store.get_athlete_by_name(s, "Zoltan")
            assert str(e.value) == "no athlete 'Zoltan'"
            with pytest.raises(Conflict):
                athlete_store.get_or_create_athlete(s, "BEA", "Asia/Tokyo")
    finally:
        store.close()


@pytest.mark.usefixtures("data_dir")
def test_user_add_refuses_an_unknown_athlete_unless_create() -> None:
    runner.invoke(app, ["import", str(SAMPLE_FIT), "--athlete", "Bea"])
    typo = runner.invoke(app, ["user", "add", "bob", "--role", "athlete", "--athlete", "Bobby"])
    assert typo.exit_code == 1
    assert typo.stderr.strip() == "error: no athlete 'Bobby'"
    near = runner.invoke(app, ["user", "add", "bea", "--role", "athlete", "--athlete", "Bae"])
    assert near.stderr.strip() == "error: no athlete 'Bae' — did you mean 'Bea'?"
    ok = runner.invoke(app, ["user", "add", "bea", "--role", "athlete", "--athlete", "bea "])
    assert ok.exit_code == 0, ok.output
    assert "for athlete 'Bea'" in ok.stdout
    made = runner.invoke(
        app, ["user", "add", "bob", "--role", "athlete", "--athlete", "Bobby", "--create"]
    )
    assert made.exit_code == 0, made.output
    listed = json.loads(runner.invoke(app, ["athletes", "--json"]).stdout)["data"]
    assert [a["name"] for a in listed] == ["Bea", "Bobby"]


@pytest.mark.usefixtures("data_dir")
def test_athlete_set_changes_zone_name_and_fast_pace_and_reevaluates() -> None:
    first = runner.invoke(app, ["import", str(SAMPLE_FIT), "--athlete", "Sara"])
    assert first.exit_code == 0, first.output
    store = _store()
    try:
        with store.transaction() as s:
            aid = athlete_store.get_athlete_by_name(s, "Sara").id
            s.query(PendingEvaluation).delete()  # as if the scheduler had drained it
    finally:
        store.close()
    moved = runner.invoke(app, ["athlete", "set", "sara", "--timezone", "America/Los_Angeles"])
    assert moved.exit_code == 0, moved.output
    assert "time zone Europe/Vienna → America/Los_Angeles" in moved.stdout
    # The run started 2026-07-21 04:30 UTC: 21:30 on 20 July in Los Angeles (UTC-7).
    assert "flags will be re-evaluated from 2026-07-20" in moved.stdout
    store = _store()
    try:
        with store.sessions() as s:
            assert pending.pending_from(s, aid) == date(2026, 7, 20)
    finally:
        store.close()

    renamed = runner.invoke(app, ["athlete", "set", "Sara", "--name", "Spiky Sara"])
    assert renamed.exit_code == 0 and "renamed 'Sara' to 'Spiky Sara'" in renamed.stdout
    fast = runner.invoke(app, ["athlete", "set", "spiky sara", "--fast-pace", "4:00"])
    assert fast.exit_code == 0, fast.output
    assert "fast means faster than 4:00 per km (4.17 m/s)" in fast.stdout
    shown = json.loads(runner.invoke(app, ["athletes", "--json"]).stdout)["data"]
    assert [(a["name"], a["timezone"], a["fast_speed_mps"]) for a in shown] == [
        ("Spiky Sara", "America/Los_Angeles", pytest.approx(1000 / 240))
    ]
    bad = runner.invoke(app, ["athlete", "set", "Spiky Sara", "--timezone", "Mars/Base"])
    assert bad.exit_code == 1
    assert bad.stderr.strip() == (
        "error: unknown time zone 'Mars/Base' (use an IANA name like Europe/Paris)"
    )
    pace = runner.invoke(app, ["athlete", "set", "Spiky Sara", "--fast-pace", "fast"])
    assert pace.exit_code == 1 and "is not M:SS per km" in pace.stderr


@pytest.mark.usefixtures("data_dir")
def test_new_athlete_zone_comes_from_the_files_and_activities_show_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "watch"
    folder.mkdir()
    (folder / "a.gpx").write_bytes(gpx_run(datetime(2026, 11, 12, 7, 0, tzinfo=UTC)))
    # The same athlete's watch, still on UTC, a day later: shown in her zone all the same.
    (folder / "b.gpx").write_bytes(gpx_run(datetime(2026, 11, 13, 23, 30, tzinfo=UTC)))
    out = runner.invoke(app, ["import", str(folder), "--athlete", "Ana"])
    assert out.exit_code == 0, out.output
    assert "time zone of Ana: Europe/Madrid (the zone at the first GPS point (40.417, -3.704)" in (
        out.stdout
    )
    [ana] = json.loads(runner.invoke(app, ["athletes", "--json"]).stdout)["data"]
    assert ana["timezone"] == "Europe/Madrid"
    # Wide enough that a start's date and time share a line (at 80 columns the time wraps).
    listed = runner.invoke(app, ["activities", "--athlete", "ana"], env={"COLUMNS": "160"})
    assert "Ana: 2 of 2 activities (Europe/Madrid)" in listed.stdout  # starts in her zone
    # 23:30 UTC on 13 November is 00:30 on the 14th in Madrid (UTC+1 in winter).
    lines = [ln for ln in listed.stdout.splitlines() if "2026-11-1" in ln]
    assert "2026-11-14 00:30" in lines[0] and "2026-11-12 08:00" in lines[1]
    doc = json.loads(runner.invoke(app, ["activities", "--athlete", "Ana", "--json"]).stdout)
    assert [a["start_local"] for a in doc["data"]] == [
        "2026-11-14T00:30:00+01:00",
        "2026-11-12T08:00:00+01:00",
    ]
    # An explicit zone is never overridden by the files.
    given = runner.invoke(
        app, ["import", str(SAMPLE_FIT), "--athlete", "Bo", "--timezone", "Asia/Tokyo"]
    )
    assert given.exit_code == 0 and "time zone of Bo" not in given.stdout


def test_zone_guess_from_gps_then_device_offset() -> None:
    from loadwatch.ingest.formats.registry import decode

    [track] = decode(gpx_run(datetime(2026, 11, 12, 7, 0, tzinfo=UTC)), "a.gpx")
    guess = guess_zone(track.samples, None)
    assert guess is not None and guess.zone == "Europe/Madrid"
    nothing = pl.lit(None, dtype=pl.Float64)
    no_gps = track.samples.with_columns(nothing.alias("lat"), nothing.alias("lon"))
    offset = guess_zone(no_gps, 7200)
    assert offset is not None and offset.zone == "Etc/GMT-2"
    assert offset.why == "the device's UTC offset (+2 h)" + FIXED_OFFSET
    assert guess_zone(no_gps, None) is None
    assert offset_zone(-5 * 3600) == "Etc/GMT+5" and offset_zone(0) == "UTC"
    assert offset_zone(19800) is None  # +5:30 has no fixed-offset IANA zone


# --- nothing silent -----------------------------------------------------------------------
def test_manual_entries_and_skipped_members_are_noted(tmp_path: Path) -> None:
    from loadwatch.config import Settings

    notes = SourceNotes()
    members = list(iter_upload(strava_archive(), "export.zip", Settings(data_dir=tmp_path), notes))
    assert [m.name for m in members] == [
        "export.zip/activities/101.tcx",
        "export.zip/activities/102.gpx",
        "export.zip/activities/104.fit.gz",
    ]
    assert dict(notes.skipped) == {
        "export.zip/activities.csv": (
            "Strava's activity table: read for titles, types and manual entries"
        ),
        "export.zip/media/1.jpg": (
            "not an activity file (neither its name nor its first bytes say FIT, GPX or TCX)"
        ),
        "export.zip/profile.csv": (
            "not an activity file (neither its name nor its first bytes say FIT, GPX or TCX)"
        ),
    }
    [manual] = notes.manual
    assert (manual.name, manual.rows) == ("export.zip/activities.csv", 1)
    # Lines kept: the manual entry is line 4 of activities.csv, the rows with files blank.
    assert manual.data.decode().splitlines()[1:4] == ["", "", manual.data.decode().splitlines()[3]]
    assert manual.data.decode().splitlines()[3].startswith('103,"Nov 15, 2026, 6:30:00 AM"')
    assert manual_entries_csv("Activity ID,Filename\n1,activities/1.fit\n") is None


def _import_archive(tmp_path: Path) -> dict[str, object]:
    archive = tmp_path / "export_12345.zip"
    archive.write_bytes(strava_archive())
    out = runner.invoke(app, ["import", str(archive), "--athlete", "Ana", "--json"])
    assert out.exit_code == 0, out.output
    doc: dict[str, object] = json.loads(out.stdout)  # pure JSON on stdout
    return doc


@pytest.mark.usefixtures("data_dir")
def test_strava_archive_every_row_accounted_for(tmp_path: Path) -> None:
    """Acceptance (#12): each activities.csv row is imported, a manual entry, or failed with
    its reason; every other member is skipped with why; recovered files carry their warning."""
    doc = _import_archive(tmp_path)
    files = {Path(str(f["file"])).name: f for f in doc["files"]}  # type: ignore[attr-defined]
    assert set(files) == {"101.tcx", "102.gpx", "104.fit.gz"}
    for f in files.values():
        assert f["status"] in {"imported", "failed"}
        assert f["status"] == "imported" or f["reason"], f
    # The type-less GPX (declared "Run") and the truncated FIT are stored...
    assert files["102.gpx"]["status"] == "imported"
    fit = files["104.fit.gz"]
    assert fit["status"] == "imported"
    # ...and the truncation is said, in the file's line and in the recovered list.
    # Only the truncation: the file names no sport, but activities.csv declares "Run", which
    # beats a guess (so no guess is reported).
    assert fit["warnings"] == ["truncated: file ends before its declared size; kept 233 records"]
    assert set(doc["recovered"]) >= {fit["file"]}  # type: ignore[arg-type]  # names (F6)
    # The manual entry became an activity from its row.
    manuals = doc["manual"]
    assert isinstance(manuals, list)
    [manual] = manuals
    assert manual["status"] == "imported"
    assert (manual["line"], manual["sport"], manual["distance_m"]) == (4, "running", 8000.0)
    assert manual["moving_time_s"] == 2400.0 and manual["name"] == "Treadmill, gym"
    assert doc["manual_totals"] == {"imported": 1, "duplicate": 0, "failed": 0}
    assert {s["file"].rsplit("/", 1)[-1] for s in doc["skipped"]} == {  # type: ignore[attr-defined]
        "activities.csv",
        "1.jpg",
        "profile.csv",
    }
    assert doc["timezone"]["zone"] == "Europe/Madrid"  # type: ignore[index]
    store = _store()
    try:
        with store.sessions() as s:
            act = s.scalars(select(Activity).where(Activity.source == "csv")).one()
            assert act.start_time.replace(tzinfo=UTC) == datetime(2026, 11, 15, 6, 30, tzinfo=UTC)
            assert (act.distance_m, act.moving_time_s, act.elevation_gain_m) == (8000, 2400, 35)
            assert act.elapsed_time_s == 2400 and act.sport == "running"
            assert act.totals_source == {
                "distance_m": "log",
                "moving_time_s": "log",
                "elevation_gain_m": "log",
            }
            assert s.scalars(select(Athlete.timezone)).one() == "Europe/Madrid"
    finally:
        store.close()
    # Again: nothing new, and the manual entry is known rather than doubled.
    again = _import_archive(tmp_path)
    assert again["manual_totals"] == {"imported": 0, "duplicate": 1, "failed": 0}
    assert {f["status"] for f in again["files"] if f["status"] != "failed"} == {  # type: ignore[attr-defined]
        "duplicate"
    }


@pytest.mark.usefixtures("data_dir")
def test_strava_archive_text_output_lists_everything(tmp_path: Path) -> None:
    archive = tmp_path / "export_12345.zip"
    archive.write_bytes(strava_archive())
    out = runner.invoke(app, ["import", str(archive), "--athlete", "Ana"])
    assert out.exit_code == 0, out.output
    text = " ".join(out.stdout.split())
    assert "warning: truncated: file ends before its declared size; kept 233 records" in text
    assert (
        "manual entry export_12345.zip/activities.csv line 4: 'Treadmill, gym' "
        "(running 8.00 km, 2026-11-15, from the CSV row)"
    ) in text
    assert "skipped export_12345.zip/profile.csv: not an activity file" in text
    assert "Import summary" in text and "manual entries imported │ 1" in text
    assert "members skipped │ 3" in text


MISSING = "names activities/999.fit.gz, which is not in the archive: not imported"


@pytest.mark.usefixtures("data_dir")
def test_strava_row_whose_file_is_missing_is_reported_and_counted(tmp_path: Path) -> None:
    """trial9 F24: a row naming a file the archive lacks is a failed outcome with its line, in
    --json and in the text; a decimal comma ("12,50") is 12.5 km, not 1250 km refused."""
    archive = tmp_path / "export_9.zip"
    archive.write_bytes(strava_archive_missing_file())
    out = runner.invoke(
        app, ["import", str(archive), "--athlete", "M", "--timezone", "Europe/Madrid", "--json"]
    )
    doc = json.loads(out.stdout)
    files = {f["file"]: (f["status"], f["reason"]) for f in doc["files"]}
    assert files == {
        "export_9.zip/activities.csv line 4": ("failed", MISSING),
        "export_9.zip/activities/111.gpx": ("imported", None),
    }
    assert out.exit_code == 0, out.output  # one of two failed: the exit rule of any import
    [manual] = doc["manual"]
    assert (manual["line"], manual["status"], manual["distance_m"]) == (3, "imported", 12500.0)
    assert doc["manual_totals"] == {"imported": 1, "duplicate": 0, "failed": 0}
    text = runner.invoke(
        app, ["import", str(archive), "--athlete", "M", "--timezone", "Europe/Madrid"]
    )
    flat = " ".join(text.stdout.split())
    assert f"failed export_9.zip/activities.csv line 4: {MISSING}" in flat, flat


# These need the `ingest` branch (issue #12 items 1-2: the lenient XML front end and the
# declared sport); they fail on this branch alone.  Remove the mark when both are merged.
@pytest.mark.usefixtures("data_dir")
def test_strava_archive_whitespace_tcx_and_declared_sports(tmp_path: Path) -> None:
    doc = _import_archive(tmp_path)
    files = {Path(str(f["file"])).name: f for f in doc["files"]}  # type: ignore[attr-defined]
    assert files["101.tcx"]["status"] == "imported"  # whitespace before <?xml tolerated
    store = _store()
    try:
        with store.sessions() as s:
            sports = {n: sp for n, sp in s.execute(select(Activity.name, Activity.sport)).all()}
    finally:
        store.close()
    # Declared "Run" in activities.csv beats any guess; the truncated FIT's row says Run too.
    assert sports == {
        "Tempo": "running",
        "Afternoon Run": "running",
        "Treadmill, gym": "running",
        "Intervals": "running",
    }


# --- progress -----------------------------------------------------------------------------
@pytest.mark.usefixtures("data_dir")
def test_progress_lines_without_a_terminal_and_json_stays_pure(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(12):
        start = datetime(2026, 10, 1, 7, 0, tzinfo=UTC) + timedelta(days=i)
        (folder / f"{i:02d}.gpx").write_bytes(gpx_run(start, seconds=120))
    out = runner.invoke(app, ["import", str(folder), "--athlete", "Ana"])
    assert out.exit_code == 0, out.output
    lines = [ln for ln in out.stderr.splitlines() if ln.startswith("progress:")]
    # A line every tenth of the batch at most (and 5 s apart at most: tests/cli/test_progress.py
    # on a hand-moved clock), and one at the end: never a line per file.
    assert 1 <= len(lines) <= 6
    assert lines[-1].startswith("progress: 12/12 files, ")
    assert " MB, " in lines[-1] and "files/s, ETA 0:00" in lines[-1]
    again = runner.invoke(app, ["import", str(folder), "--athlete", "Ana", "--json"])
    doc = json.loads(again.stdout)  # stdout is the JSON document only
    assert doc["totals"]["duplicate"] == 12
    few = runner.invoke(app, ["import", str(folder / "00.gpx"), "--athlete", "Ana"])
    assert "progress:" not in few.stderr  # a handful of files: no progress chatter


# --- pace ---------------------------------------------------------------------------------
def test_pace_speaks_each_sport() -> None:
    assert fmt_pace(410.0, "running") == "6:50/km"
    assert fmt_pace(600.0, "walking") == "10:00/km"
    assert fmt_pace(120.0, "cycling") == "30.0 km/h"
    assert fmt_pace(1200.0, "swimming") == "2:00/100m"
    assert fmt_pace(300.0, None) == "5:00/km"
    assert fmt_pace(None, "cycling") == "-"


@pytest.mark.usefixtures("data_dir")
def test_a_fixed_offset_zone_guess_says_it_has_no_daylight_saving(corpus: Path) -> None:
    """trial9 F25: a swim without GPS, its device 4 h behind UTC: Etc/GMT+4, and the line says
    it keeps no daylight saving and how to set a real zone."""
    out = runner.invoke(
        app, ["import", str(corpus / "fit" / "pyfitparse_event_timestamp.fit"), "--athlete", "S"]
    )
    assert out.exit_code == 0, out.output
    flat = " ".join(out.stdout.split())
    assert (
        "time zone of S: Etc/GMT+4 (the device's UTC offset (-4 h), a fixed offset without "
        "daylight saving: half the year's runs would be placed an hour off, so set the "
        "athlete's own zone (Area/City, e.g. America/New_York) from "
    ) in flat, flat
    assert "loadwatch athlete set 'S' --timezone ZONE" in flat
