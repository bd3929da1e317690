"""``reprocess`` applies today's sameness rules (trial11 F2): a 0.1.0 store holds re-saved
copies that today's import counts once (docs/duplicates.md: the time-zone re-save
``gc_3386684871-saved.fit``, 2 h off; the FR55 walk's GoldenCheetah re-save, 3 min 44 s off).
After reprocess the store counts what a fresh import of the same files counts: the copy
import's ranking keeps stays, the other is removed, its file recorded as superseded, the
user's RPE and relabel (and name, where the kept one has none) carried over, the athlete
pending from the earliest day; a dry run lists it and changes nothing; a second run does
nothing; a file that failed before and reads now is imported again."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from loadwatch.ingest.containers.sources import Member
from loadwatch.services.importing import import_members
from loadwatch.services.reprocess import reprocess
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, SourceFile
from support.paths import CORPUS

TZ_SHIFT = ("fit/gc_3386684871.fit", "fit/gc_3386684871-saved.fit")  # 2019-02-16, 2 h apart
FR55 = ("fit/gc_FR55-CoreTemp-Walk.fit", "fit/gc_FR55-loaded-and-saved-via-GC.fit")  # 2025-01-28


def _athlete(store: Store, name: str) -> int:
    with store.transaction() as s:
        return athlete_store.get_or_create_athlete(s, name, "Europe/Madrid").id


def _import(store: Store, aid: int, files: tuple[str, ...]) -> None:
    members = [Member(f, (CORPUS / f).read_bytes()) for f in files]
    import_members(store, aid, members, workers=1)


def _kept(store: Store, aid: int) -> list[tuple[str, float]]:
    """(file name, distance m) of each of the athlete's activities, by start."""
    with store.sessions() as s:
        rows = s.execute(
            select(SourceFile.name, Activity.distance_m)
            .join(SourceFile, SourceFile.id == Activity.file_id)
            .where(Activity.athlete_id == aid)
            .order_by(Activity.start_time)
        ).all()
    return [(n, round(d, 1)) for n, d in rows]


def _older_store(store: Store) -> tuple[int, dict[str, int]]:
    """What 0.1.0 left: each file imported as its own activity (no sameness across clocks),
    every activity of no derivation.  Made by importing each copy for a helper athlete and
    moving its rows over.  The athlete id and the activity id per file."""
    aid = _athlete(store, "Olde")
    for i, f in enumerate((*TZ_SHIFT, *FR55)):
        helper = _athlete(store, f"helper{i}")
        _import(store, helper, (f,))
        with store.transaction() as s:
            s.execute(update(SourceFile).where(SourceFile.athlete_id == helper)
                      .values(athlete_id=aid))  # fmt: skip
            s.execute(update(Activity).where(Activity.athlete_id == helper)
                      .values(athlete_id=aid))  # fmt: skip
    with store.transaction() as s:
        s.execute(update(Activity).where(Activity.athlete_id == aid).values(derivation=None))
        pending.clear(s)
        rows = s.execute(
            select(SourceFile.name, Activity.id)
            .join(SourceFile, SourceFile.id == Activity.file_id)
            .where(Activity.athlete_id == aid)
        ).all()
    ids = {n: i for n, i in rows}
    assert len(ids) == 4
    return aid, ids


@pytest.fixture
def fresh(store: Store) -> list[tuple[str, float]]:
    """What a fresh import of the four files keeps."""
    aid = _athlete(store, "Fresh")
    _import(store, aid, (*TZ_SHIFT, *FR55))
    kept = _kept(store, aid)
    assert len(kept) == 2
    return kept


def test_reprocess_counts_what_a_fresh_import_counts(
    store: Store, fresh: list[tuple[str, float]]
) -> None:
    aid, ids = _older_store(store)
    loser = next(i for n, i in ids.items() if n not in {k for k, _ in fresh} and "3386" in n)
    with store.transaction() as s:
        row = s.get(Activity, loser)
        assert row is not None
        row.rpe, row.sport_relabel = 6.0, "trail_running"
    assert len(_kept(store, aid)) == 4

    report = reprocess(store, [aid])

    assert _kept(store, aid) == fresh
    assert len(report.merges) == 2
    by_drop = {m.dropped: m for m in report.merges}
    assert set(by_drop) == {i for n, i in ids.items() if n not in {k for k, _ in fresh}}
    assert "time-zone re-save" in by_drop[loser].how
    statuses = {o.activity_id: o.status for o in report.activities}
    assert [statuses[i] for i in by_drop] == ["merged", "merged"]
    with store.sessions() as s:
        kept = s.get(Activity, by_drop[loser].kept)
        # The RPE the user gave the dropped copy; the kept copy's own name (the watch's).
        assert kept is not None and (kept.rpe, kept.name) == (6.0, "Run")
        assert (kept.sport_relabel, kept.sport) == ("trail_running", "trail_running")
        files = {f.name: (f.status, f.reason) for f in s.scalars(
            select(SourceFile).where(SourceFile.athlete_id == aid))}  # fmt: skip
        assert sorted(st for st, _ in files.values()) == [
            "imported", "imported", "superseded", "superseded"
        ]  # fmt: skip
        assert pending.pending_from(s, aid) == date(2019, 2, 16)
    # Idempotent: nothing left to re-derive or merge.
    again = reprocess(store, [aid])
    assert again.activities == [] and again.merges == []
    assert _kept(store, aid) == fresh


def test_a_dry_run_lists_the_merges_and_changes_nothing(
    store: Store, fresh: list[tuple[str, float]]
) -> None:
    aid, _ = _older_store(store)
    before = _kept(store, aid)
    report = reprocess(store, [aid], dry_run=True)
    assert len(report.merges) == 2
    assert _kept(store, aid) == before
    with store.sessions() as s:
        assert pending.pending_from(s, aid) is None


def test_a_file_that_failed_before_and_reads_now_is_imported_again(store: Store) -> None:
    """trial11 F3: a file an older version failed (0.1.0 refused ``gc_2013-04-11-17-32-50.fit``
    for an impossible elapsed time) and whose bytes are kept is imported again by reprocess,
    as a fresh import would; a dry run only says so; a second run has nothing to retry."""
    from loadwatch.store import files as file_store

    aid = _athlete(store, "Olde")
    name = TZ_SHIFT[0]
    data = (CORPUS / name).read_bytes()
    sha = store.blobs.put(data)
    with store.transaction() as s:
        file_store.record_file(
            s, athlete_id=aid, sha256=sha, name=name, size=len(data), format="fit",
            status="failed", reason="an older decoder refused it",
        )  # fmt: skip
    dry = reprocess(store, [aid], dry_run=True)
    assert [(r.file, r.status) for r in dry.retried] == [(name, "imported")]
    assert _kept(store, aid) == []
    report = reprocess(store, [aid])
    assert [(r.file, r.status) for r in report.retried] == [(name, "imported")]
    assert _kept(store, aid) == [(name, 4922.7)]  # FIT_TOTALS: 4922.73 m
    with store.sessions() as s:
        assert file_store.find_file(s, aid, sha).status == "imported"  # type: ignore[union-attr]
    assert reprocess(store, [aid]).retried == []


def test_the_copy_an_older_version_called_the_duplicate_is_kept_when_it_ranks_first(
    store: Store,
) -> None:
    """0.1.0 kept the FR955 GoldenCheetah re-save and recorded the watch's own FIT as the
    duplicate (trial11 F1 on an old store).  Reprocess imports the duplicate again from its
    kept bytes: the watch's copy (device climb 93 m) replaces the re-save, as a fresh import
    keeps it; the re-save's file is superseded.  A dry run says so and changes nothing."""
    from loadwatch.store import files as file_store

    watch, resave = "fit/gc_Fr955v19.28andStryd.fit", "fit/gc_Fr955v19.28andStryd-saved.fit"
    aid = _athlete(store, "Olde")
    _import(store, aid, (resave,))
    data = (CORPUS / watch).read_bytes()
    sha = store.blobs.put(data)
    with store.transaction() as s:
        file_store.record_file(
            s, athlete_id=aid, sha256=sha, name=watch, size=len(data), format="fit",
            status="duplicate", reason="same activity as #1 (fit, running, started …)",
        )  # fmt: skip
        s.execute(update(Activity).where(Activity.athlete_id == aid).values(derivation=None))
    dry = reprocess(store, [aid], dry_run=True)
    assert [(r.file, r.was) for r in dry.retried] == [(watch, "duplicate")]
    assert _kept(store, aid) == [(resave, 10021.5)]  # FIT_TOTALS: 10021.51 m
    report = reprocess(store, [aid])
    assert [(r.file, r.was, r.status) for r in report.retried] == [(watch, "duplicate", "imported")]
    assert _kept(store, aid) == [(watch, 10021.5)]  # FIT_TOTALS: 10021.48 m
    with store.sessions() as s:
        row = s.scalars(select(Activity).where(Activity.athlete_id == aid)).one()
        assert row.elevation_gain_m == 93.0
        statuses = {f.name: f.status for f in s.scalars(
            select(SourceFile).where(SourceFile.athlete_id == aid))}  # fmt: skip
    assert statuses == {watch: "imported", resave: "superseded"}
    assert reprocess(store, [aid]).retried == []


def test_a_store_reprocessed_before_the_merge_rules_is_mended_with_duplicates(
    store: Store, fresh: list[tuple[str, float]]
) -> None:
    """A store re-derived by a reprocess that did not merge (nothing older left) holds the
    four copies; a plain run finds nothing to do, ``duplicates`` merges them as a fresh import
    counts them, and a second such run finds nothing."""
    from loadwatch.ingest.derivation import DERIVATION

    aid, ids = _older_store(store)
    with store.transaction() as s:
        s.execute(update(Activity).where(Activity.athlete_id == aid).values(derivation=DERIVATION))
    assert reprocess(store, [aid]).merges == []
    assert len(_kept(store, aid)) == 4

    dry = reprocess(store, [aid], dry_run=True, duplicates=True)
    assert len(dry.merges) == 2 and len(_kept(store, aid)) == 4

    report = reprocess(store, [aid], duplicates=True)
    assert report.activities == []  # nothing re-derived: only merged
    assert {m.dropped for m in report.merges} == {
        i for n, i in ids.items() if n not in {k for k, _ in fresh}
    }
    assert _kept(store, aid) == fresh
    with store.sessions() as s:
        assert pending.pending_from(s, aid) == date(2019, 2, 16)
    assert reprocess(store, [aid], duplicates=True).merges == []
    assert _kept(store, aid) == fresh
