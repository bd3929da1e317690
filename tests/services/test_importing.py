"""The import pipeline on real corpus files: raw bytes kept, device totals stored, streams
readable, duplicates (same file, same activity in another format) recognised, bad files
recorded without stopping the batch, failed files retried."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loadwatch.config import Settings
from loadwatch.errors import CorruptFile
from loadwatch.ingest.containers.sources import Member
from loadwatch.ingest.formats import registry
from loadwatch.services.import_report import ImportReport
from loadwatch.services.importing import analyse, import_members, import_paths
from loadwatch.services.sameness import same_time
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, PendingEvaluation, SourceFile
from support.paths import fit_totals

RUN = "fit/pyfitparse_2013-02-06-12-11-14.fit"  # running, 1 session, device totals present
RACE_FIT = "fit/gc_10kUNLP2014-Garmin15.fit"
RACE_TCX = "tcx/gc_10kUNLP2014-Garmin15.tcx"
BABEL_FIT = "fit/gpsbabel_fit-sample.fit"
BABEL_GPX = "gpx/gpsbabel_fit-sample.gpx"
COURSE = "fit/fittrackee_example.fit"
TRI_FIRST = "fit/mkfit_triathlon_summary_first.fit"
TRI_LAST = "fit/mkfit_triathlon_summary_last.fit"
BAD_XML = "invalid/gpsbabel_trackfilter_discard_err.gpx"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def _open(url: str, tmp_path: Path) -> Store:
    return Store(url, tmp_path / "data")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = _open(f"sqlite:///{tmp_path / 'lw.db'}", tmp_path)
    yield s
    s.close()


def _athlete(store: Store, name: str = "Ana", tz: str | None = "Europe/Paris") -> int:
    with store.transaction() as s:
        return athlete_store.get_or_create_athlete(s, name, tz).id


def _count(store: Store, model: type[Activity] | type[SourceFile]) -> int:
    with store.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def _statuses(report: ImportReport) -> dict[str, str]:
    return {o.file: o.status for o in report.outcomes}


def _copy(corpus: Path, rel: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / Path(rel).name
    shutil.copyfile(corpus / rel, dst)
    return dst


# --- one FIT file, end to end ---------------------------------------------------------------
def check_run_import(store: Store, settings: Settings, corpus: Path) -> None:
    expected = fit_totals()[RUN]
    raw = (corpus / RUN).read_bytes()
    aid = _athlete(store)
    report = import_paths(store, settings, aid, [corpus / RUN])

    [outcome] = report.outcomes
    assert outcome.status == "imported", outcome.reason
    assert outcome.sha256 == hashlib.sha256(raw).hexdigest()
    assert len(outcome.activity_ids) == 1
    # Raw bytes retrievable by sha and identical.
    assert store.blobs.get(outcome.sha256) == raw

    with store.sessions() as s:
        act = s.get(Activity, outcome.activity_ids[0])
        assert act is not None
        assert act.distance_m == pytest.approx(float(expected["total_distance_m"]), abs=0.01)
        assert act.moving_time_s == pytest.approx(float(expected["total_timer_time_s"]), abs=0.01)
        assert act.elevation_gain_m == pytest.approx(float(expected["total_ascent_m"]))
        assert act.elevation_loss_m == pytest.approx(float(expected["total_descent_m"]))
        start = (
            act.start_time.replace(tzinfo=UTC) if act.start_time.tzinfo is None else act.start_time
        )
        assert start == datetime.fromisoformat(expected["start_time"]).replace(tzinfo=UTC)
        assert act.sport == "running" and act.format == "fit"
        assert act.source_sha256 == outcome.sha256
        assert act.stream_path is not None
        file_row = file_store.find_file(s, aid, outcome.sha256)
        assert file_row is not None and file_row.status == "imported"
        assert act.file_id == file_row.id
        assert file_row.size == len(raw) and file_row.format == "fit"
        n_samples = act.n_samples
        stream_path = act.stream_path
        pending = s.get(PendingEvaluation, aid)
        assert pending is not None
        frame = activity_store.activity_frame(s, aid)

    # The Parquet stream is readable and holds one row per timed record of the file.
    samples = store.streams.get(stream_path)
    assert samples.height == n_samples
    assert samples.height == int(expected["n_records"])
    assert samples["lat"].drop_nulls().len() == int(expected["records_with_position"])
    # Touched day = the athlete's local date of the run (12:11 UTC is the same day anywhere).
    assert report.touched == {aid: date(2013, 2, 6)}
    assert pending.from_date == date(2013, 2, 6)
    assert frame.height == 1
    assert frame["distance_m"][0] == pytest.approx(float(expected["total_distance_m"]), abs=0.01)


def test_import_fit_stores_device_totals_raw_bytes_and_stream(
    store: Store, settings: Settings, corpus: Path
) -> None:
    check_run_import(store, settings, corpus)


@pytest.mark.postgres
def test_import_fit_on_postgresql(
    pg_url: str, tmp_path: Path, settings: Settings, corpus: Path
) -> None:
    pg = _open(pg_url, tmp_path)
    try:
        check_run_import(pg, settings, corpus)
        # Re-import on PostgreSQL too: the same file is a duplicate, nothing new stored.
        aid = _athlete(pg)
        again = import_paths(pg, settings, aid, [corpus / RUN])
        assert [o.status for o in again.outcomes] == ["duplicate"]
        assert _count(pg, Activity) == 1
    finally:
        pg.close()


# --- re-import, twins, multi-session ------------------------------------------------------
def test_reimport_same_folder_is_all_duplicate(
    store: Store, settings: Settings, corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "watch"
    for rel in (RUN, TRI_FIRST, COURSE, "gpx/gpxpy_korita-zbevnica.gpx"):
        _copy(corpus, rel, folder)
    aid = _athlete(store)
    first = import_paths(store, settings, aid, [folder])
    assert _statuses(first) == {
        "watch/fittrackee_example.fit": "not_activity",
        "watch/gpxpy_korita-zbevnica.gpx": "imported",
        "watch/mkfit_triathlon_summary_first.fit": "imported",
        "watch/pyfitparse_2013-02-06-12-11-14.fit": "imported",
    }
    n_act, n_files = _count(store, Activity), _count(store, SourceFile)
    assert n_files == 4
    assert n_act == 1 + 5 + 1  # the run, five triathlon sessions, one GPX activity

    second = import_paths(store, settings, aid, [folder])
    assert {o.status for o in second.outcomes} == {"duplicate"}
    assert all(o.reason and o.reason.startswith("same file as watch/") for o in second.outcomes)
    assert second.touched == {}
    assert (_count(store, Activity), _count(store, SourceFile)) == (n_act, n_files)


@pytest.mark.parametrize(
    ("first", "twin"),
    # The triathlon's two files carry the same sessions, so only the sha256 orders them
    # (sameness.copy_rank): the one it keeps comes first.
    [(RACE_FIT, RACE_TCX), (BABEL_FIT, BABEL_GPX), (TRI_LAST, TRI_FIRST)],
)
def test_same_activity_in_another_file_is_a_duplicate(
    store: Store, settings: Settings, corpus: Path, first: str, twin: str
) -> None:
    aid = _athlete(store)
    report = import_paths(store, settings, aid, [corpus / first, corpus / twin])
    kept, dup = report.outcomes
    assert kept.status == "imported", kept.reason
    assert dup.status == "duplicate", dup.reason
    assert dup.activity_ids == []
    assert dup.reason is not None
    assert dup.reason.startswith("duplicate of a better copy: same activit")
    assert f"#{kept.activity_ids[0]}" in dup.reason
    with store.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Activity)) == len(kept.activity_ids)
        # The twin's bytes are kept and its row says why it was not stored.
        row = file_store.find_file(s, aid, dup.sha256 or "")
        assert row is not None and row.status == "duplicate" and row.reason == dup.reason
    assert store.blobs.get(dup.sha256 or "") == (corpus / twin).read_bytes()


def test_multisport_fit_gives_one_activity_per_session(
    store: Store, settings: Settings, corpus: Path
) -> None:
    expected = fit_totals()[TRI_FIRST]
    aid = _athlete(store)
    [o] = import_paths(store, settings, aid, [corpus / TRI_FIRST]).outcomes
    assert o.status == "imported"
    with store.sessions() as s:
        acts = s.scalars(select(Activity).order_by(Activity.session_index)).all()
    assert [a.session_index for a in acts] == [0, 1, 2, 3, 4]
    assert acts[0].sport == "swimming" and acts[-1].sport == "running"
    assert sum(a.distance_m for a in acts) == pytest.approx(
        float(expected["total_distance_m"]), abs=0.05
    )
    assert sum(a.moving_time_s for a in acts) == pytest.approx(
        float(expected["total_timer_time_s"]), abs=0.01
    )


# --- bad files ----------------------------------------------------------------------------
def test_corrupt_files_fail_alone_and_are_recorded(
    store: Store, settings: Settings, corpus: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "mixed"
    _copy(corpus, RUN, folder)
    _copy(corpus, BAD_XML, folder)
    _copy(corpus, RACE_TCX, folder)
    garbage = b"\x0e\x10\x00\x00\x10\x00\x00\x00.FIT" + bytes(range(256)) * 4
    (folder / "zz_garbage.fit").write_bytes(garbage)
    aid = _athlete(store)
    report = import_paths(store, settings, aid, [folder])

    st = _statuses(report)
    assert st["mixed/pyfitparse_2013-02-06-12-11-14.fit"] == "imported"
    assert st["mixed/gc_10kUNLP2014-Garmin15.tcx"] == "imported"
    assert st["mixed/gpsbabel_trackfilter_discard_err.gpx"] == "failed"
    assert st["mixed/zz_garbage.fit"] == "failed"
    assert report.counts() == {"imported": 2, "duplicate": 0, "not_activity": 0, "failed": 2}
    with store.sessions() as s:
        failed = s.scalars(select(SourceFile).where(SourceFile.status == "failed")).all()
    assert sorted(f.name for f in failed) == [
        "mixed/gpsbabel_trackfilter_discard_err.gpx",
        "mixed/zz_garbage.fit",
    ]
    for f in failed:
        assert f.reason and "\n" not in f.reason
        assert store.blobs.get(f.sha256) == (folder / Path(f.name).name).read_bytes()
    assert _count(store, Activity) == 2


def test_member_errors_and_not_activities(store: Store, settings: Settings, corpus: Path) -> None:
    from loadwatch.errors import InputTooLarge

    aid = _athlete(store)
    members = [
        Member("export.zip/huge.fit", None, InputTooLarge("file is 99 MiB, over 64 MiB")),
        Member(COURSE, (corpus / COURSE).read_bytes()),
        Member("tcx/gpsbabel_course.tcx", (corpus / "tcx/gpsbabel_course.tcx").read_bytes()),
        Member("notes.txt", b"just some text\n"),
    ]
    seen: list[str] = []
    report = import_members(store, aid, members, progress=lambda o: seen.append(o.status))
    assert seen == ["failed", "not_activity", "not_activity", "failed"]
    huge, course, tcx_course, notes = report.outcomes
    assert huge.reason == "file is 99 MiB, over 64 MiB" and huge.sha256 is None
    assert course.reason and tcx_course.reason
    assert notes.reason and "not a FIT, GPX or TCX file" in notes.reason
    assert _count(store, Activity) == 0
    with store.sessions() as s:
        rows = {r.name: r for r in s.scalars(select(SourceFile))}
    assert rows["export.zip/huge.fit"].status == "failed"
    assert rows["export.zip/huge.fit"].size == 0
    assert rows[COURSE].status == "not_activity"
    assert rows[COURSE].reason == course.reason
    assert rows["notes.txt"].format is None


def test_decoder_crash_is_recorded_and_retried_after_a_fix(
    store: Store, settings: Settings, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aid = _athlete(store)

    def broken(data: bytes, name: str) -> list[object]:
        raise KeyError("developer field 7")

    monkeypatch.setitem(registry.DECODERS, ".fit", broken)
    [o] = import_paths(store, settings, aid, [corpus / RUN]).outcomes
    assert o.status == "failed"
    assert o.reason == "internal decoder error: KeyError: 'developer field 7'"
    with store.sessions() as s:
        row = file_store.find_file(s, aid, o.sha256 or "")
        assert row is not None and row.status == "failed" and row.reason == o.reason
        row_id = row.id

    monkeypatch.undo()  # the fix ships: the same bytes are tried again
    [again] = import_paths(store, settings, aid, [corpus / RUN]).outcomes
    assert again.status == "imported"
    with store.sessions() as s:
        row = file_store.find_file(s, aid, o.sha256 or "")
        assert row is not None and row.id == row_id and row.status == "imported"
        assert row.reason is None
    assert _count(store, SourceFile) == 1 and _count(store, Activity) == 1


def test_strava_title_becomes_activity_name(
    store: Store, settings: Settings, corpus: Path, tmp_path: Path
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(
            "activities.csv",
            "Activity ID,Activity Date,Activity Name,Activity Type,Filename\n"
            '123,"Feb 6, 2013",Lunch tempo,Run,activities/123.fit\n',
        )
        zf.write(corpus / RUN, "activities/123.fit")
    archive = tmp_path / "export_1.zip"
    archive.write_bytes(buf.getvalue())
    aid = _athlete(store)
    [o] = import_paths(store, settings, aid, [archive]).outcomes
    assert o.file == "export_1.zip/activities/123.fit"
    assert o.status == "imported"
    with store.sessions() as s:
        act = s.get(Activity, o.activity_ids[0])
        assert act is not None and act.name == "Lunch tempo"


def test_same_file_for_two_athletes_is_stored_for_both(
    store: Store, settings: Settings, corpus: Path
) -> None:
    a = _athlete(store, "Ana")
    b = _athlete(store, "Bo", "UTC")
    assert import_paths(store, settings, a, [corpus / RUN]).outcomes[0].status == "imported"
    assert import_paths(store, settings, b, [corpus / RUN]).outcomes[0].status == "imported"
    assert _count(store, Activity) == 2


def test_analyse_is_pure_and_matches_the_import(corpus: Path) -> None:
    """What a process pool would run: bytes in, summaries out, nothing stored."""
    raw = (corpus / RACE_FIT).read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    one = analyse(raw, RACE_FIT, sha256=sha, fast_speed_mps=4.0, default_tz="UTC")
    two = analyse(raw, RACE_FIT, sha256=sha, fast_speed_mps=4.0, default_tz="UTC")
    assert one.activities[0].summary == two.activities[0].summary
    s = one.activities[0].summary
    assert s.distance_m == pytest.approx(
        float(fit_totals()[RACE_FIT]["total_distance_m"]), abs=0.01
    )
    assert s.source_sha256 == sha


# --- pure helpers, hand-computed ----------------------------------------------------------
def test_same_time_needs_close_starts_and_a_real_overlap() -> None:
    t = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    # The same run from two devices, 40 s apart.
    assert same_time(t, 3600.0, t + timedelta(seconds=40), 3500.0)
    # A triathlon transition (60 s) and the ride that starts as it ends: touching, not overlapping.
    assert not same_time(t, 60.0, t + timedelta(seconds=60), 3600.0)
    # Two runs 3 minutes apart are different activities even when they overlap.
    assert not same_time(t, 3600.0, t + timedelta(minutes=3), 3600.0)
    # Zero-length records at the very same instant are the same thing.
    assert same_time(t, 0.0, t, 0.0)


def test_reasons_and_stored_reasons_are_one_line(store: Store) -> None:
    # A library message with an embedded newline (fitparse, XML parsers) must not break a line.
    aid = _athlete(store)
    bad = Member("watch/a.fit", None, CorruptFile("not a FIT file (bad header\n  at byte 12)"))
    (outcome,) = import_members(store, aid, [bad]).outcomes
    assert (outcome.status, outcome.reason) == ("failed", "not a FIT file (bad header at byte 12)")
    with store.sessions() as s:
        assert s.scalars(select(SourceFile.reason)).one() == outcome.reason


def test_an_import_leaves_the_heart_rate_load_the_evaluation_keeps(
    store: Store, settings: Settings, corpus: Path
) -> None:
    """trial9 F8: each file's TRIMP was computed with the estimated maximum as it stood when
    the file was stored, then moved at the next evaluation (the maximum re-estimated from all
    three: 164.1 -> 125.4 for the first).  The import settles the evaluation's basis itself."""
    from loadwatch.services.evaluation import evaluate_athlete

    aid = _athlete(store, "T", "Europe/Madrid")
    files = [
        "fit/gc_Fr955v19.28andStryd-saved.fit",
        "fit/gc_Karoo-Botley_BW_Swanmore_Wickham-2025-05-09-1238.fit",
        "fit/gc_14582164182.fit.gz",
    ]
    report = import_paths(store, settings, aid, [corpus / f for f in files])
    ids = [o.activity_ids[0] for o in report.outcomes]

    def loads() -> list[float | None]:
        with store.sessions() as s:
            return [s.get(Activity, i).hr_load for i in ids]  # type: ignore[union-attr]

    after_import = loads()
    assert after_import == [
        pytest.approx(125.374, abs=1e-3),  # was 164.1 until the evaluation
        pytest.approx(126.548, abs=1e-3),
        pytest.approx(98.456, abs=1e-3),
    ]
    evaluate_athlete(store, aid)
    assert loads() == after_import


@pytest.mark.corpus
def test_a_run_whose_clock_was_never_set_is_a_failed_file(
    store: Store, settings: Settings, corpus: Path
) -> None:
    # FIT_TOTALS.csv: a 10,248.67 m run whose start is system time (clock never set).  Not
    # "not an activity" with the courses (trial 10 F7): a failed file, counted, its bytes kept.
    rel = "fit/pyfitparse_compressed-speed-distance.fit"
    assert fit_totals()[rel]["start_time"].isdigit()
    aid = _athlete(store)
    report = import_paths(store, settings, aid, [corpus / rel])
    [outcome] = report.outcomes
    assert outcome.status == "failed"
    assert "device clock was never set" in (outcome.reason or "")
    assert "loadwatch import-log" in (outcome.reason or "")
    assert store.blobs.get(hashlib.sha256((corpus / rel).read_bytes()).hexdigest()) is not None
    assert _count(store, Activity) == 0
