"""``reprocess`` (services/reprocess.py) re-derives activities an older loadwatch stored from
their kept files, in place: on real corpus runs whose stored figures were made stale the way
0.1.0 left them (no heart-rate histogram, so no TRIMP; no flat or sustained speed histogram, so
another fast km; other numbers), it restores exactly the figures a fresh import stores (the
device's totals from FIT_TOTALS.csv), keeps the id, the relabel, the name and the RPE, marks
the athlete pending from the earliest changed day, and a second run does nothing.  A file whose
bytes were not kept is reported with its reason and the others are done; a training-log row is
counted, never touched; a dry run changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update

from loadwatch.ingest.containers.sources import Member
from loadwatch.ingest.derivation import DERIVATION
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.services.activities import relabel_activity
from loadwatch.services.csv_import import import_log
from loadwatch.services.fast_km import fast_metres_of
from loadwatch.services.importing import import_members
from loadwatch.services.reprocess import reprocess
from loadwatch.services.status import athlete_status
from loadwatch.store import activity_counts, pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store.activities import DERIVED_COLUMNS
from loadwatch.store.db import Store
from loadwatch.store.models import Activity
from support.paths import CORPUS, fit_totals

# Three corpus runs (FIT_TOTALS.csv): two with heart rate, one without.
FIRSTBEAT = "fit/gc_Garmin920_withFirstbeat.fit"  # 2019-01-01, 7278.71 m, timer 2124.084 s
HRV = "fit/gc_HRV-Data.fit"  # 2017-03-04, 8239.99 m, timer 4242.0 s
TEN_K = "fit/gc_10kUNLP2014-Garmin15.fit"  # 2014-10-11 (UTC-3), 10010.82 m, timer 2223.803 s
FILES = (FIRSTBEAT, HRV, TEN_K)
KEPT = ("id", "name", "rpe", "sport_relabel", "file_id", "stream_path")


@pytest.fixture
def olde(store: Store, corpus: Any) -> tuple[int, dict[str, int]]:
    """The three runs imported by this loadwatch; the 10 km relabelled trail running, named
    and rated by the user.  The athlete's id and the activity id per corpus file."""
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "Olde", "Europe/Zurich").id
    members = [Member(f, (CORPUS / f).read_bytes()) for f in FILES]
    report = import_members(store, aid, members, workers=1)
    ids = {o.file: o.activity_ids[0] for o in report.outcomes}
    assert len(ids) == 3
    with store.transaction() as s:
        ten_k = s.get(Activity, ids[TEN_K])
        assert ten_k is not None
        relabel_activity(store, s, ten_k, "trail_running")
        ten_k.name, ten_k.rpe = "Buenos Aires 10k", 7.0
    return aid, ids


def _rows(store: Store, aid: int) -> dict[int, dict[str, Any]]:
    """Every derived figure, the TRIMP, what the user set and the fast km a person reads."""
    with store.sessions() as s:
        athlete = athlete_store.get_athlete(s, aid)
        rows = s.scalars(select(Activity).where(Activity.athlete_id == aid)).all()
        fast = fast_metres_of(s, athlete, [r.id for r in rows])
        return {
            r.id: {
                **{c: getattr(r, c) for c in (*DERIVED_COLUMNS, *KEPT, "hr_load", "derivation")},
                "shown_fast_m": fast[r.id],
            }
            for r in rows
        }


def _as_older(store: Store, aid: int, *, sport: str = "running") -> None:
    """What an upgraded 0.1.0 store holds: no derivation, no heart-rate, flat or sustained
    histograms (hence no TRIMP, another fast km), other numbers; no evaluation pending."""
    with store.transaction() as s:
        s.execute(
            update(Activity)
            .where(Activity.athlete_id == aid, Activity.source == "file")
            .values(
                derivation=None, sport=sport, fast_distance_m=5727.5, distance_m=1.0,
                hr_time_hist_s=None, hr_load=None, hr_peak_bpm=None,
                flat_speed_hist_m=None, sustained_speed_hist_m=None, totals_source={},
            )
        )  # fmt: skip
        pending.clear(s)


def _assert_same(got: dict[int, dict[str, Any]], want: dict[int, dict[str, Any]]) -> None:
    """Equal, TRIMP to the last bits: a batch's sum and a refresh's may differ by one ulp."""
    assert got.keys() == want.keys()
    for i, row in want.items():
        assert {**got[i], "hr_load": None} == {**row, "hr_load": None}
        want_load = row["hr_load"]
        assert got[i]["hr_load"] == (
            None if want_load is None else pytest.approx(want_load, rel=1e-12)
        )


def _pending(store: Store, aid: int) -> date | None:
    with store.sessions() as s:
        return pending.pending_from(s, aid)


def test_reprocess_restores_a_fresh_imports_figures_and_keeps_what_the_user_set(
    store: Store, olde: tuple[int, dict[str, int]]
) -> None:
    aid, ids = olde
    fresh = _rows(store, aid)
    _as_older(store, aid)
    with store.sessions() as s:
        assert activity_counts.stale_counts(s, [aid]) == {aid: 3}
        note = athlete_status(s, aid).reprocess_note
    assert note == (
        "3 activities were derived by an older version of loadwatch; run "
        '"loadwatch reprocess --all" to re-derive them from their kept files'
    )

    report = reprocess(store, [aid])

    assert [o.status for o in report.activities] == ["updated"] * 3
    _assert_same(_rows(store, aid), fresh)  # every figure, the same ids, relabel, name, RPE
    got = _rows(store, aid)
    totals = fit_totals()
    for f, i in ids.items():
        assert got[i]["derivation"] == DERIVATION
        assert got[i]["distance_m"] == pytest.approx(float(totals[f]["total_distance_m"]))
    firstbeat, ten_k = got[ids[FIRSTBEAT]], got[ids[TEN_K]]
    assert firstbeat["moving_time_s"] == pytest.approx(2124.084)
    # TRIMP back (trial 10: None), as the fresh import computed it with these three runs.
    assert firstbeat["hr_load"] == pytest.approx(fresh[ids[FIRSTBEAT]]["hr_load"], rel=1e-12)
    assert firstbeat["hr_load"] == pytest.approx(126.9, abs=0.05)
    assert firstbeat["shown_fast_m"] == pytest.approx(5273.9, abs=0.05)  # not 0.1.0's 5727.5
    assert (ten_k["sport"], ten_k["sport_relabel"]) == ("trail_running", "trail_running")
    assert (ten_k["name"], ten_k["rpe"]) == ("Buenos Aires 10k", 7.0)
    # What changed is said as a person reads it: 5727.5 m of fast running stored, 5273.9 now.
    change = {c.figure: (c.before, c.after) for o in report.activities
              if o.activity_id == ids[FIRSTBEAT] for c in o.changes}  # fmt: skip
    assert change["hr_load"][0] is None
    assert change["hr_load"][1] == pytest.approx(126.9, abs=0.05)
    assert change["distance_m"] == (1.0, pytest.approx(7278.71))
    # Pending from the earliest changed local day: the 10 km's, 2014-10-11 (UTC-3, evening).
    assert _pending(store, aid) == date(2014, 10, 11)
    assert report.athletes[0].reevaluate_from == date(2014, 10, 11)
    with store.sessions() as s:
        assert activity_counts.stale_counts(s, [aid]) == {}
        assert athlete_status(s, aid).reprocess_note is None

    # Idempotent: nothing left to do, nothing touched, nothing requested.
    with store.transaction() as s:
        pending.clear(s)
    again = reprocess(store, [aid])
    assert again.activities == [] and again.athletes[0].stale == 0
    _assert_same(_rows(store, aid), fresh)
    assert _pending(store, aid) is None


def test_a_dry_run_says_what_would_change_and_changes_nothing(
    store: Store, olde: tuple[int, dict[str, int]]
) -> None:
    aid, ids = olde
    _as_older(store, aid)
    older = _rows(store, aid)
    report = reprocess(store, [aid], dry_run=True)
    assert report.dry_run and [o.status for o in report.activities] == ["updated"] * 3
    shown = {c.figure: c.after for o in report.activities
             if o.activity_id == ids[FIRSTBEAT] for c in o.changes}  # fmt: skip
    assert shown["hr_load"] == pytest.approx(126.9, abs=0.05)  # the settled TRIMP, as a real run
    assert _rows(store, aid) == older
    assert _pending(store, aid) is None


def test_a_file_whose_bytes_were_not_kept_is_reported_and_the_others_are_done(
    store: Store, olde: tuple[int, dict[str, int]]
) -> None:
    aid, ids = olde
    with store.sessions() as s:
        row = s.get(Activity, ids[HRV])
        assert row is not None
        sha = row.source_sha256
    store.blobs.path(sha).unlink()
    _as_older(store, aid)
    with store.sessions() as s:
        # Two of three can be re-derived; the third's file must come back first.
        assert athlete_status(s, aid, blobs=store.blobs).reprocess_note == (
            "2 activities were derived by an older version of loadwatch; run "
            '"loadwatch reprocess --all" to re-derive them from their kept files; 1 more whose '
            'original file is not kept: import the file again, then run "loadwatch reprocess '
            '--all"'
        )
    log = b"date,distance_km\n2019-01-03,5\n"
    assert import_log(store, aid, log, "log.csv").imported == 1
    _as_older(store, aid)
    report = reprocess(store, [aid])
    by_id = {o.activity_id: o for o in report.activities}
    assert by_id[ids[HRV]].status == "not_kept"
    assert by_id[ids[HRV]].reason is not None and "not kept" in by_id[ids[HRV]].reason
    assert by_id[ids[FIRSTBEAT]].status == by_id[ids[TEN_K]].status == "updated"
    assert report.athletes[0].log_rows == 1  # counted, not re-derived
    with store.sessions() as s:
        # Still older: said by status until its bytes come back, and said so: reprocess
        # cannot re-derive it, importing the file again can.
        assert activity_counts.stale_counts(s, [aid]) == {aid: 1}
        assert athlete_status(s, aid, blobs=store.blobs).reprocess_note == (
            "1 activity was derived by an older version of loadwatch and its original file is "
            'not kept: import the file again, then run "loadwatch reprocess --all"'
        )
        log_row = s.scalars(
            select(Activity).where(Activity.athlete_id == aid, Activity.source == "csv")
        ).one()
        assert (log_row.distance_m, log_row.derivation) == (5000.0, None)


def test_the_derived_columns_are_every_figure_an_analysis_stores() -> None:
    # A summary field stored but not compared would never be said to change.
    identity = {"format", "source_sha256", "session_index", "name", "warnings"}
    fields = set(ActivitySummary.__dataclass_fields__) - identity
    assert fields <= set(DERIVED_COLUMNS)
    assert set(DERIVED_COLUMNS) - fields == {"hr_peak_bpm"}  # computed from hr_time_hist_s


def test_importing_the_file_again_brings_back_its_bytes_for_reprocess(
    store: Store, olde: tuple[int, dict[str, int]]
) -> None:
    aid, ids = olde
    fresh = _rows(store, aid)
    with store.sessions() as s:
        row = s.get(Activity, ids[HRV])
        assert row is not None
        store.blobs.path(row.source_sha256).unlink()
    _as_older(store, aid)
    assert reprocess(store, [aid]).count("not_kept") == 1
    again = import_members(store, aid, [Member(HRV, (CORPUS / HRV).read_bytes())], workers=1)
    assert [o.status for o in again.outcomes] == ["duplicate"]  # the bytes are kept first
    report = reprocess(store, [aid])
    assert [(o.activity_id, o.status) for o in report.activities] == [(ids[HRV], "updated")]
    _assert_same(_rows(store, aid), fresh)


def test_a_file_this_version_cannot_read_fails_alone_and_keeps_its_figures(
    store: Store, olde: tuple[int, dict[str, int]]
) -> None:
    aid, ids = olde
    with store.sessions() as s:
        row = s.get(Activity, ids[TEN_K])
        assert row is not None
        store.blobs.path(row.source_sha256).write_bytes(b".FIT but not a FIT file at all")
    _as_older(store, aid)
    older = _rows(store, aid)[ids[TEN_K]]
    report = reprocess(store, [aid])
    by_id = {o.activity_id: o for o in report.activities}
    assert by_id[ids[TEN_K]].status == "failed"
    assert (by_id[ids[TEN_K]].reason or "").startswith("not re-derived, figures kept: ")
    assert by_id[ids[HRV]].status == by_id[ids[FIRSTBEAT]].status == "updated"
    kept = _rows(store, aid)[ids[TEN_K]]
    assert {**kept, "hr_load": None} == {**older, "hr_load": None}  # still the older figures
    assert kept["derivation"] is None  # and still said to be older
