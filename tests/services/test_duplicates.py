"""Duplicates keep the better copy: the same set of files imported in every order, and
concurrently, leaves the same activities on both databases (issue 21, item 4).

The set: a corpus FIT run (9.99 km, device totals), that file cut at 8,000 bytes (a watch
unplugged mid-copy: 258 of 540 records, "truncated"), its GPX export; and hand-built shapes
of one 4.28 km run: the FIT with a session, the same FIT without one (computed totals), its
GPX, and a 0 km "other" recording of the same minutes.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from loadwatch.ingest.containers.sources import Member
from loadwatch.services.activities import delete_activity
from loadwatch.services.import_report import FileOutcome
from loadwatch.services.importing import import_members
from loadwatch.services.sameness import Copy, better, copy_rank, stopped_early
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store import pending
from loadwatch.store.blobs import sha256_of
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, SourceFile
from support.api_env import API, Env, upload
from support.paths import CORPUS, CORPUS_SKIP, HAVE_CORPUS
from support.track_fixtures import Line, fit, gpx

FULL = "fit/gpsbabel_fit-sample.fit"  # FIT_TOTALS: 9986.82 m, timer 2810.25 s, 540 records
TWIN_GPX = "gpx/gpsbabel_fit-sample.gpx"
CUT_AT = 8_000

RUN = Line(n=714)  # 713 x 2 s x 3 m/s = 4278 m
ZERO = Line(speed_mps=0.0, n=301)  # the same start, 600 s standing: 0 m


def _corpus_files() -> dict[str, bytes]:
    if not HAVE_CORPUS:
        pytest.skip(CORPUS_SKIP)
    full = (CORPUS / FULL).read_bytes()
    return {
        "full.fit": full,
        "cut.fit": full[:CUT_AT],
        "twin.gpx": (CORPUS / TWIN_GPX).read_bytes(),
    }


SHAPES: dict[str, bytes] = {
    "run.fit": fit(RUN),
    "run-nosession.fit": fit(RUN, session=False),
    "run.gpx": gpx(RUN),
    "zero-other.fit": fit(ZERO, sport=0),
}


def _athlete(store: Store, name: str) -> int:
    with store.transaction() as s:
        return athlete_store.get_or_create_athlete(s, name).id


def _import(store: Store, aid: int, files: Sequence[tuple[str, bytes]]) -> list[FileOutcome]:
    members = [Member(name, data) for name, data in files]
    return import_members(store, aid, members, workers=1).outcomes


def _kept(store: Store, aid: int) -> list[tuple[Any, ...]]:
    """The athlete's stored activities, by content (ids differ between orders)."""
    with store.sessions() as s:
        rows = s.scalars(
            select(Activity).where(Activity.athlete_id == aid).order_by(Activity.start_time)
        ).all()
        return [
            (a.source_sha256, a.session_index, a.sport, a.format, round(a.distance_m, 2),
             round(a.moving_time_s, 2), a.n_samples)
            for a in rows
        ]  # fmt: skip


def _file_status(store: Store, aid: int) -> dict[str, str]:
    with store.sessions() as s:
        rows = s.scalars(select(SourceFile).where(SourceFile.athlete_id == aid)).all()
        return {r.name: r.status for r in rows}


# --- the ranking ------------------------------------------------------------------------------
def _copy(**kw: Any) -> Copy:
    base: dict[str, Any] = {
        "sport": "running",
        "format": "fit",
        "distance_m": 10_000.0,
        "moving_time_s": 3000.0,
        "n_samples": 3000,
        "device_totals": True,
        "complete": True,
        "sha256": "5" * 64,
    }
    return Copy(**{**base, **kw})


def test_rank_orders_run_then_complete_then_device_then_timer_then_samples() -> None:
    ladder = [
        _copy(sport="other", distance_m=0.0, n_samples=9999, sha256="f" * 64),
        _copy(complete=False, n_samples=9999, moving_time_s=9999.0),
        _copy(device_totals=False, moving_time_s=4000.0),
        _copy(format="gpx", moving_time_s=4000.0),
        _copy(format="tcx", moving_time_s=4000.0),
        _copy(moving_time_s=2999.0, n_samples=9999),
        _copy(n_samples=2999),
        _copy(),
        _copy(sha256="6" * 64),
    ]
    assert sorted(ladder, key=copy_rank) == ladder
    for worse, best in itertools.pairwise(ladder):
        assert better(best, worse) and not better(worse, best)
    # A 0 km "run" is no run either: a short, truncated GPS-less run beats it.
    assert better(
        _copy(complete=False, device_totals=False, n_samples=10, distance_m=400.0),
        _copy(distance_m=0.0, n_samples=9999, sha256="f" * 64),
    )


def test_float_noise_between_exports_does_not_decide() -> None:
    # 2810.25 s on the device, 2810 s in the re-export: the same timer; the sha decides.
    a = _copy(moving_time_s=2810.25, sha256="a" * 64)
    b = _copy(moving_time_s=2810.0, sha256="b" * 64)
    assert better(b, a)


def test_stopped_early_reads_the_lenient_readers_words() -> None:
    assert stopped_early(["truncated: file ends before its declared size; kept 258 records"])
    assert stopped_early(["chained FIT part 2 has an invalid header; ignored from byte 4096"])
    assert stopped_early(
        [
            "truncated: the file ends inside a track point in line 1,225; kept 1,173 points up to "
            "2012-01-26 17:24:31 UTC (malformed XML at line 1225, column 0: unclosed token)"
        ]
    )
    assert not stopped_early(["sport running guessed from the file name"])
    assert not stopped_early([])


# --- every order ------------------------------------------------------------------------------
def test_every_order_keeps_the_same_activities(store: Store) -> None:
    files = _corpus_files()
    results: set[tuple[tuple[Any, ...], ...]] = set()
    for i, order in enumerate(itertools.permutations(files)):
        aid = _athlete(store, f"order {i}")
        outcomes = _import(store, aid, [(n, files[n]) for n in order])
        assert {o.status for o in outcomes} <= {"imported", "duplicate"}, outcomes
        results.add(tuple(_kept(store, aid)))
        # Every file stays on record, the replaced ones as superseded.
        statuses = _file_status(store, aid)
        assert set(statuses) == set(files)
        assert statuses["full.fit"] == "imported"
        assert {statuses["cut.fit"], statuses["twin.gpx"]} <= {"duplicate", "superseded"}
    # The complete corpus FIT, its device totals (FIT_TOTALS.csv), whatever came first.
    full = (sha256_of(files["full.fit"]), 0, "running", "fit", 9986.82, 2810.25, 540)
    assert results == {(full,)}


def test_every_order_of_the_hand_built_shapes(store: Store) -> None:
    results = set()
    for i, order in enumerate(itertools.permutations(SHAPES)):
        aid = _athlete(store, f"shape {i}")
        _import(store, aid, [(n, SHAPES[n]) for n in order])
        results.add(tuple(_kept(store, aid)))
    assert results == {((sha256_of(SHAPES["run.fit"]), 0, "running", "fit", 4278.0, 1426.0, 714),)}


def test_zero_km_other_uploaded_first_does_not_hide_the_run(store: Store) -> None:
    aid = _athlete(store, "zero first")
    zero, run = _import(
        store, aid, [("zero.fit", SHAPES["zero-other.fit"]), ("run.fit", SHAPES["run.fit"])]
    )
    assert zero.status == "imported" and run.status == "imported"
    assert run.reason is not None and run.reason.startswith("replaced a worse copy: ")
    assert f"#{zero.activity_ids[0]}" in run.reason
    [(_sha, _i, sport, _fmt, km, _t, _n)] = _kept(store, aid)
    assert (sport, km) == ("running", 4278.0)


def test_the_complete_file_replaces_the_truncated_one(store: Store) -> None:
    files = _corpus_files()
    aid = _athlete(store, "unplugged")
    cut, full, twin = _import(
        store, aid, [(n, files[n]) for n in ("cut.fit", "full.fit", "twin.gpx")]
    )
    assert cut.status == "imported" and any("truncated" in w for w in cut.warnings)
    assert full.status == "imported"
    assert full.reason == (
        f"replaced a worse copy: same activity as #{cut.activity_ids[0]} "
        "(fit, running, started 2011-05-02 08:30 UTC)"
    )
    assert twin.status == "duplicate"
    assert twin.reason == (
        f"duplicate of a better copy: same activity as #{full.activity_ids[0]} "
        "(fit, running, started 2011-05-02 08:30 UTC)"
    )
    with store.sessions() as s:
        row = file_store.find_file(s, aid, cut.sha256 or "")
        assert row is not None and row.status == "superseded"
        assert row.reason == f"superseded by a better copy: full.fit (#{full.activity_ids[0]})"
        assert s.get(Activity, cut.activity_ids[0]) is None
        # The athlete is re-evaluated from the run's day.
        assert str(pending.pending_from(s, aid)) == "2011-05-02"
    # The replaced copy's bytes stay on record.
    assert store.blobs.get(cut.sha256 or "") == files["cut.fit"]
    # Sending it again changes nothing.
    [again] = _import(store, aid, [("cut-again.fit", files["cut.fit"])])
    assert again.status == "duplicate"
    assert again.reason is not None and "superseded by a better copy" in again.reason


CLEAN = "fit/pyfitparse_activity-settings.fit"  # 5.73 m of "other", 2012-04-09 21:22 UTC
CRC_BAD = "invalid/pyfitparse_activity-activity-filecrc.fit"  # it twice, chained; bad file CRC


def test_a_damaged_copy_never_replaces_a_clean_one() -> None:
    assert better(_copy(), _copy(intact=False, moving_time_s=3100.0, n_samples=3100))
    assert not better(_copy(intact=False), _copy(complete=True))


@pytest.mark.parametrize("clean_first", [True, False], ids=["clean-first", "damaged-first"])
def test_a_crc_mismatch_copy_loses_to_the_clean_one_in_either_order(
    store: Store, clean_first: bool
) -> None:
    """The trial's F2: the CRC-damaged chained copy replaced the clean one (#87) by one session
    and was a duplicate of it by the other, in one file's entry."""
    if not HAVE_CORPUS:
        pytest.skip(CORPUS_SKIP)
    clean = ("clean.fit", (CORPUS / CLEAN).read_bytes())
    bad = ("crc-bad.fit", (CORPUS / CRC_BAD).read_bytes())
    aid = _athlete(store, f"crc-{clean_first}")
    first, second = _import(store, aid, [clean, bad] if clean_first else [bad, clean])
    by_name = {first.file: first, second.file: second}
    kept_clean, damaged = by_name["clean.fit"], by_name["crc-bad.fit"]
    assert "file CRC mismatch" in damaged.warnings
    assert "session 1 repeats session 0; skipped" in damaged.warnings
    assert _kept(store, aid)[0][0] == sha256_of(clean[1])  # whichever arrived first
    if clean_first:
        assert damaged.status == "duplicate"
        assert damaged.reason == (
            f"duplicate of a better copy: same activity as #{kept_clean.activity_ids[0]} "
            "(fit, other, started 2012-04-09 21:22 UTC)"
        )
        assert not any("better copy" in w for w in damaged.warnings)
    else:
        assert kept_clean.reason == (
            f"replaced a worse copy: same activity as #{damaged.activity_ids[0]} "
            "(fit, other, started 2012-04-09 21:22 UTC)"
        )
    assert len(_kept(store, aid)) == 1


SAVED = "fit/gc_3386684871-saved.fit"  # FIT_TOTALS: 4921.06 m, 1441 s, 2019-02-16 07:05:51
ORIGINAL = "fit/gc_3386684871.fit"  # FIT_TOTALS: 4922.73 m, 1440.668 s, 2019-02-16 05:05:52


@pytest.mark.parametrize("saved_first", [True, False], ids=["saved-first", "original-first"])
def test_a_copy_re_saved_with_a_whole_hour_shift_is_counted_once(
    store: Store, saved_first: bool
) -> None:
    """The trial's F1: the same run re-saved with its start 2 h off (same samples second for
    second) was imported twice, the day's load doubled.  Now one is kept by the ranking (the
    original: its timer rounds to 1441 s against the re-save's 1440 s), whatever the order."""
    if not HAVE_CORPUS:
        pytest.skip(CORPUS_SKIP)
    saved = ("saved.fit", (CORPUS / SAVED).read_bytes())
    original = ("original.fit", (CORPUS / ORIGINAL).read_bytes())
    aid = _athlete(store, f"shifted-{saved_first}")
    first, second = _import(store, aid, [saved, original] if saved_first else [original, saved])
    [kept] = _kept(store, aid)
    assert kept[0] == sha256_of(original[1]) and round(kept[4]) == 4923
    later_or_earlier = "earlier" if saved_first else "later"
    assert (
        f"same samples as #{first.activity_ids[0]} but started 2 h {later_or_earlier}: a copy "
        "re-saved with a time-zone shift, counted once"
    ) in second.warnings
    assert second.status == ("imported" if saved_first else "duplicate")


def test_runs_whole_hours_apart_with_the_same_totals_are_not_one(store: Store) -> None:
    """Two real runs of one day can share distance and duration: their samples differ (another
    route, another heart rate), so both count.  The very same samples 2 h later are one."""
    later = replace(RUN, start=RUN.start + timedelta(hours=2))
    aid = _athlete(store, "twice-a-day")
    outcomes = _import(
        store,
        aid,
        [
            ("morning.fit", fit(RUN)),
            ("other-route.fit", fit(replace(later, lat0=RUN.lat0 + 0.01))),
            ("other-hr.fit", fit(replace(later, start=later.start + timedelta(hours=2), hr=140))),
            ("shifted.fit", fit(replace(RUN, start=RUN.start + timedelta(hours=6)))),
        ],
    )
    assert [o.status for o in outcomes] == ["imported", "imported", "imported", "duplicate"]
    assert len(_kept(store, aid)) == 3
    assert (
        outcomes[3]
        .warnings[-1]
        .startswith(f"same samples as #{outcomes[0].activity_ids[0]} but started 6 h later")
    )


def test_delete_then_reimport_brings_it_back(store: Store) -> None:
    aid = _athlete(store, "undo")
    [run] = _import(store, aid, [("run.fit", SHAPES["run.fit"])])
    with store.transaction() as s:
        day = delete_activity(s, activity_store.get_activity(s, aid, run.activity_ids[0]))
    assert str(day) == "2024-05-01"
    assert _kept(store, aid) == []
    [back] = _import(store, aid, [("run.fit", SHAPES["run.fit"])])
    assert back.status == "imported"
    assert [k[0] for k in _kept(store, aid)] == [sha256_of(SHAPES["run.fit"])]


# --- concurrently -----------------------------------------------------------------------------
def test_concurrent_imports_keep_the_same_activities(store: Store) -> None:
    files = {**_corpus_files(), **SHAPES}
    expected = {
        (sha256_of(files["full.fit"]), 0, "running", "fit", 9986.82, 2810.25, 540),
        (sha256_of(files["run.fit"]), 0, "running", "fit", 4278.0, 1426.0, 714),
    }
    for round_ in range(4):
        aid = _athlete(store, f"race {round_}")
        names = list(files)[round_:] + list(files)[:round_]  # another start order each round
        barrier = threading.Barrier(len(names))
        errors: list[BaseException] = []

        def one(
            name: str,
            aid: int = aid,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait()
                _import(store, aid, [(name, files[name])])
            except BaseException as e:  # reported by the assertion below
                errors.append(e)

        threads = [threading.Thread(target=one, args=(n,)) for n in names]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert set(_kept(store, aid)) == expected
        assert len(_kept(store, aid)) == 2


def test_the_twins_of_an_import_name_every_file(tmp_path: Path) -> None:
    # A file whose decision loses still names the copy kept, on record.
    store = Store(f"sqlite:///{tmp_path / 'one.db'}", tmp_path / "data")
    try:
        aid = _athlete(store, "named")
        run, dup = _import(
            store, aid, [("run.fit", SHAPES["run.fit"]), ("run.gpx", SHAPES["run.gpx"])]
        )
        assert dup.status == "duplicate"
        with store.sessions() as s:
            row = file_store.find_file(s, aid, dup.sha256 or "")
            assert row is not None and row.status == "duplicate" and row.reason == dup.reason
        assert dup.reason is not None and f"#{run.activity_ids[0]}" in dup.reason
    finally:
        store.close()


# --- the CLI ----------------------------------------------------------------------------------
@pytest.mark.usefixtures("data_dir")
def test_cli_reports_the_replacement_and_deletes_with_undo(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from loadwatch.cli import app

    runner = CliRunner()
    zero, run = tmp_path / "zero.fit", tmp_path / "run.fit"
    zero.write_bytes(SHAPES["zero-other.fit"])
    run.write_bytes(SHAPES["run.fit"])
    assert runner.invoke(app, ["import", str(zero), "-a", "Ana"]).exit_code == 0
    out = runner.invoke(app, ["import", str(run), "-a", "Ana"])
    assert out.exit_code == 0, out.output
    assert (
        "replaced a worse copy: same activity as #1 (fit, other, started 2024-05-01 06:00 UTC)"
        in (" ".join(out.stdout.split()))
    )
    out = runner.invoke(app, ["import", str(zero), "-a", "Ana"])
    assert "superseded by a better copy" in out.stdout
    out = runner.invoke(app, ["files", "-a", "Ana", "--status", "superseded", "--json"])
    assert out.exit_code == 0, out.output
    [listed] = json.loads(out.stdout)["data"]
    assert (listed["name"], listed["status"], listed["reason"]) == (
        "zero.fit",
        "superseded",
        "superseded by a better copy: run.fit (#2)",
    )

    out = runner.invoke(app, ["activity", "delete", "2", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {
        "athlete": "Ana",
        "deleted": 2,
        "evaluated_from": "2024-05-01",
    }
    out = runner.invoke(app, ["activity", "delete", "2"])
    assert out.exit_code == 1 and "no activity with id 2" in out.stderr
    # Undo: the deleted file's bytes imported again.
    out = runner.invoke(app, ["import", str(run), "-a", "Ana", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["files"][0]["status"] == "imported"


# --- the API ----------------------------------------------------------------------------------
def test_api_upload_replaces_the_truncated_copy_and_delete_undoes(env: Env) -> None:
    files = _corpus_files()
    first = upload(env, [("cut.fit", files["cut.fit"])])
    assert first.status_code == 200, first.text
    [cut] = first.json()["files"]
    second = upload(env, [("full.fit", files["full.fit"]), ("twin.gpx", files["twin.gpx"])])
    assert second.status_code == 200, second.text
    full, twin = second.json()["files"]
    assert (full["status"], twin["status"]) == ("imported", "duplicate")
    assert full["reason"].startswith(
        f"replaced a worse copy: same activity as #{cut['activity_ids'][0]} "
    )
    assert twin["reason"].startswith(
        f"duplicate of a better copy: same activity as #{full['activity_ids'][0]} "
    )
    page = env.client.get(f"{API}/athletes/{env.athlete_id}/activities", headers=env.coach).json()
    assert [(a["id"], a["distance_m"]) for a in page["data"]] == [
        (full["activity_ids"][0], 9986.82)
    ]
    # Deleted, then back by sending the same bytes again.
    gone = env.client.delete(f"{API}/activities/{full['activity_ids'][0]}", headers=env.coach)
    assert gone.status_code == 200, gone.text
    again = upload(env, [("full.fit", files["full.fit"])])
    assert again.json()["files"][0]["status"] == "imported"


# --- training-log rows and files --------------------------------------------------------------
def _log(sport: str, km: float) -> bytes:
    # The minutes of RUN and ZERO (2024-05-01 06:00 UTC), as a training-log row.
    return f"date,time,distance_km,duration,sport\n2024-05-01,06:00,{km},1426,{sport}\n".encode()


def test_a_log_row_that_is_not_a_run_never_hides_a_run_file(store: Store) -> None:
    from loadwatch.services.csv_import import import_log

    aid = _athlete(store, "log other first")
    assert import_log(store, aid, _log("other", 0), "log.csv").imported == 1
    [run] = _import(store, aid, [("run.fit", SHAPES["run.fit"])])
    assert run.status == "imported" and run.reason is None
    assert [(k[2], k[4]) for k in _kept(store, aid)] == [("other", 0.0), ("running", 4278.0)]

    aid = _athlete(store, "log run first")
    assert import_log(store, aid, _log("running", 4.28), "log.csv").imported == 1
    [run] = _import(store, aid, [("run.fit", SHAPES["run.fit"])])
    assert run.status == "duplicate"  # the athlete's own row stays, as before
    assert [(k[2], k[4]) for k in _kept(store, aid)] == [("running", 4280.0)]


def test_a_file_that_is_not_a_run_never_hides_a_run_in_the_log(store: Store) -> None:
    from loadwatch.services.csv_import import import_log

    aid = _athlete(store, "file other first")
    _import(store, aid, [("zero.fit", SHAPES["zero-other.fit"])])
    rep = import_log(store, aid, _log("running", 4.28), "log.csv")
    assert (rep.imported, rep.duplicates) == (1, 0)

    aid = _athlete(store, "file run first")
    _import(store, aid, [("run.fit", SHAPES["run.fit"])])
    rep = import_log(store, aid, _log("running", 4.28), "log.csv")
    assert (rep.imported, rep.duplicates) == (0, 1)


@pytest.mark.parametrize("walk_first", [True, False])
def test_a_resave_that_moved_the_start_by_minutes_is_counted_once_as_the_walk(
    store: Store, walk_first: bool
) -> None:
    """trial9 F4: the FR55 walk (walking, 732.8 m) and its GoldenCheetah re-save ("generic",
    assumed running) start 3 min 44 s apart, beyond the two-minute window, with the same
    samples: one activity, the walk, whichever came first (docs/duplicates.md)."""
    if not HAVE_CORPUS:
        pytest.skip(CORPUS_SKIP)
    walk = (CORPUS / "fit/gc_FR55-CoreTemp-Walk.fit").read_bytes()
    resave = (CORPUS / "fit/gc_FR55-loaded-and-saved-via-GC.fit").read_bytes()
    files = [("walk.fit", walk), ("resave.fit", resave)]
    aid = _athlete(store, "W")
    outcomes = _import(store, aid, files if walk_first else files[::-1])
    [kept] = _kept(store, aid)
    assert kept == (sha256_of(walk), 0, "walking", "fit", 732.76, 588.23, 582)
    resave_out = next(o for o in outcomes if o.file == "resave.fit")
    walk_out = next(o for o in outcomes if o.file == "walk.fit")
    said = [*resave_out.warnings, *walk_out.warnings]
    how = "later" if walk_first else "earlier"
    assert any(f"but started 3 min 44 s {how}: a re-saved copy, counted once" in w for w in said)


@pytest.mark.parametrize("saved_first", [True, False], ids=["saved-first", "original-first"])
def test_the_watchs_own_fit_beats_a_resave_that_computed_its_totals(
    store: Store, saved_first: bool
) -> None:
    """trial11 F1: the FR955 FIT and its GoldenCheetah re-save tie on device distance, timer,
    samples and metres; the watch's copy (device climb 93 m, device named) is kept, not the
    re-save whose climb (96.79 m) is computed, whichever arrives first."""
    if not HAVE_CORPUS:
        pytest.skip(CORPUS_SKIP)
    watch = ("watch.fit", (CORPUS / "fit/gc_Fr955v19.28andStryd.fit").read_bytes())
    saved = ("saved.fit", (CORPUS / "fit/gc_Fr955v19.28andStryd-saved.fit").read_bytes())
    aid = _athlete(store, f"fr955-{saved_first}")
    _import(store, aid, [saved, watch] if saved_first else [watch, saved])
    [kept] = _kept(store, aid)
    assert kept[0] == sha256_of(watch[1])
    with store.sessions() as s:
        row = s.scalars(select(Activity).where(Activity.athlete_id == aid)).one()
        assert (row.elevation_gain_m, row.device) == (93.0, "garmin/fr955 (4024)")
