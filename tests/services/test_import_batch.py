"""The writer stores files in batches (``services.import_batch``): whatever the batch size,
an import leaves the same outcomes and the same rows as one transaction per file; a bad file
mid-batch costs only itself; the same bytes twice in one input (the writer stores the first
before it decides the second) or in two batches are one file; and a crash mid-batch leaves
none of that batch behind."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from loadwatch.errors import Conflict, StoreError
from loadwatch.ingest.containers.sources import Member
from loadwatch.services import decode_worker, import_batch, import_writer
from loadwatch.services.import_report import ImportReport
from loadwatch.services.importing import import_members
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Store
from loadwatch.store.models import Activity, SourceFile
from support.api_env import gpx_run
from support.paths import CORPUS, CORPUS_SKIP, HAVE_CORPUS

START = datetime(2026, 3, 2, 6, tzinfo=UTC)
FULL = "fit/gpsbabel_fit-sample.fit"  # a 9.99 km run (FIT_TOTALS)
HR_RUN = "fit/gc_HRV-Data.fit"  # an 8.24 km run with heart rate (FIT_TOTALS)
ROUTE = b'<gpx version="1.1" creator="t"><rte><rtept lat="1" lon="2"/></rte></gpx>'
BROKEN = b".FIT but not a FIT file at all"


def _members() -> list[Member]:
    """With batches of 4: a bad file mid-batch (2); the truncated copy (1) replaced by the
    complete one (3) in the same batch; the same bytes in two batches (0 and 5) and again
    within reach of one batch (4 and 7: the writer stores 4's batch before deciding 7); a
    route (6); the GPX export of the run, a worse copy, in another batch (8);
    the bad bytes again (10); a run with heart rate (11)."""
    if not HAVE_CORPUS:
        pytest.skip(CORPUS_SKIP)
    full = (CORPUS / FULL).read_bytes()
    run = [gpx_run(START + timedelta(days=i), 3.0 + i) for i in range(3)]
    return [
        Member("run0.gpx", run[0]),
        Member("cut.fit", full[:8_000]),
        Member("broken.fit", BROKEN),
        Member("full.fit", full),
        Member("run1.gpx", run[1]),
        Member("copy/run0.gpx", run[0]),
        Member("route.gpx", ROUTE),
        Member("copy/run1.gpx", run[1]),
        Member("twin.gpx", (CORPUS / "gpx/gpsbabel_fit-sample.gpx").read_bytes()),
        Member("run2.gpx", run[2]),
        Member("again/broken.fit", BROKEN),
        Member("hr.fit", (CORPUS / HR_RUN).read_bytes()),
    ]


def _import(store: Store, name: str, batch: int) -> tuple[int, ImportReport]:
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, name, "UTC").id
    return aid, import_members(store, aid, _members(), workers=1, batch=batch)


def _ranks(report: ImportReport) -> dict[int, int]:
    """Activity ids by order of creation: they differ between athletes, not their order."""
    ids = [i for o in report.outcomes for i in o.activity_ids]
    return {i: n for n, i in enumerate(ids)}


def _norm(text: str | None, ranks: dict[int, int]) -> str | None:
    return None if text is None else re.sub(r"#(\d+)", lambda m: f"#{ranks[int(m[1])]}", text)


def _everything(store: Store, aid: int, report: ImportReport) -> dict[str, Any]:
    ranks = _ranks(report)
    with store.sessions() as s:
        files = s.scalars(
            select(SourceFile).where(SourceFile.athlete_id == aid).order_by(SourceFile.id)
        ).all()
        names = {f.id: f.name for f in files}
        acts = s.scalars(
            select(Activity).where(Activity.athlete_id == aid).order_by(Activity.id)
        ).all()
        return {
            "outcomes": [
                (o.file, o.status, _norm(o.reason, ranks), o.warnings,
                 [ranks[i] for i in o.activity_ids], o.sha256, o.size)
                for o in report.outcomes
            ],
            "touched": list(report.touched.values()),
            "files": [
                (f.name, f.sha256, f.size, f.format, f.status, _norm(f.reason, ranks), f.warnings)
                for f in files
            ],
            "activities": [
                (ranks[a.id], names.get(a.file_id or 0), a.start_time, a.sport, a.distance_m,
                 a.hr_load, a.hr_peak_bpm, a.stream_path, a.name)
                for a in acts
            ],
            "pending": pending.pending_from(s, aid),
        }  # fmt: skip


def test_any_batch_size_gives_the_same_store(store: Store) -> None:
    one_id, one = _import(store, "one", 1)
    every = _everything(store, one_id, one)
    assert [o.status for o in one.outcomes] == [
        "imported", "imported", "failed", "imported", "imported", "duplicate", "not_activity",
        "duplicate", "duplicate", "imported", "failed", "imported",
    ]  # fmt: skip
    full = one.outcomes[3]
    cut_id = one.outcomes[1].activity_ids[0]
    assert full.reason == (
        f"replaced a worse copy: same activity as #{cut_id} (fit, running, started "
        "2011-05-02 08:30 UTC)"
    )
    assert every["outcomes"][5][2].startswith("same file as run0.gpx imported")
    assert every["outcomes"][7][2].startswith("same file as run1.gpx imported")
    # The heart-rate load is computed at import for the run with heart rate.
    [hr_run] = [a for a in every["activities"] if a[1] == "hr.fit"]
    assert hr_run[5] is not None and hr_run[5] > 0
    assert len(every["activities"]) == 5  # run0, run1, full (cut replaced), run2, hr
    assert str(every["pending"]) == "2011-05-02"  # the run cut, then replaced
    for size in (4, 32):
        aid, report = _import(store, f"batch{size}", size)
        assert _everything(store, aid, report) == every, size


def test_a_crash_mid_batch_leaves_none_of_it(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    finish = import_batch.Batch.finish
    calls = 0

    def crash_second(self: import_batch.Batch) -> None:
        nonlocal calls
        calls += 1
        finish(self)
        if calls == 2:
            raise StoreError("disk full")

    monkeypatch.setattr(import_batch.Batch, "finish", crash_second)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "crash", "UTC").id
    members = [Member(f"run{i}.gpx", gpx_run(START + timedelta(days=i), 3.0)) for i in range(10)]
    done: list[str] = []
    with pytest.raises(StoreError, match="disk full"):
        import_members(
            store, aid, members, workers=1, batch=4, progress=lambda o: done.append(o.file)
        )
    assert done == ["run0.gpx", "run1.gpx", "run2.gpx", "run3.gpx"]
    with store.sessions() as s:
        files = s.scalars(select(SourceFile.name).where(SourceFile.athlete_id == aid)).all()
        acts = s.scalars(select(Activity.id).where(Activity.athlete_id == aid)).all()
    assert sorted(files) == ["run0.gpx", "run1.gpx", "run2.gpx", "run3.gpx"]
    assert len(acts) == 4
    # Imported again, the second batch is stored and the first is known.
    monkeypatch.undo()
    again = import_members(store, aid, members, workers=1, batch=4)
    assert [o.status for o in again.outcomes] == ["duplicate"] * 4 + ["imported"] * 6


def test_a_conflict_writes_the_batch_again_file_by_file(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another import storing one of the batch's files meanwhile rolls the batch back; written
    again one file per transaction, the others are stored as if nothing happened."""
    calm_id, calm = _import(store, "calm", 32)
    expected = _everything(store, calm_id, calm)
    finish = import_batch.Batch.finish
    conflicts = 0

    def conflict_once(self: import_batch.Batch) -> None:
        nonlocal conflicts
        finish(self)
        if conflicts == 0:
            conflicts += 1
            raise Conflict("another import stored it first")

    monkeypatch.setattr(import_batch.Batch, "finish", conflict_once)
    aid, report = _import(store, "busy", 32)
    assert conflicts == 1
    assert _everything(store, aid, report) == expected


def test_a_file_that_cannot_be_packed_costs_only_itself(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encoding the samples runs after the decoder's guard: an unexpected error there is the
    file's failure, recorded with its reason; the files around it in the batch are stored."""
    encode = decode_worker.encode_stream
    calls = 0

    def fail_the_second(samples: Any) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ValueError("column 'speed_mps' has the wrong type")
        return encode(samples)

    monkeypatch.setattr(decode_worker, "encode_stream", fail_the_second)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "packing", "UTC").id
    members = [Member(f"run{i}.gpx", gpx_run(START + timedelta(days=i), 3.0 + i)) for i in range(3)]
    report = import_members(store, aid, members, workers=1, batch=32)
    assert [(o.file, o.status) for o in report.outcomes] == [
        ("run0.gpx", "imported"), ("run1.gpx", "failed"), ("run2.gpx", "imported"),
    ]  # fmt: skip
    assert report.outcomes[1].reason == (
        "internal error storing the samples: ValueError: column 'speed_mps' has the wrong type"
    )
    with store.sessions() as s:
        files = s.execute(
            select(SourceFile.name, SourceFile.status).where(SourceFile.athlete_id == aid)
        ).all()
    assert sorted(files) == [("run0.gpx", "imported"), ("run1.gpx", "failed"),
                             ("run2.gpx", "imported")]  # fmt: skip


def test_an_interrupted_import_stores_what_it_had_prepared(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or a bug) while preparing a member: the members prepared before it, waiting in
    the batch, are stored before the import stops, as one transaction per file would have."""
    prepare = import_writer.prepare_member
    seen = 0

    def interrupt_third(*args: Any, **kwargs: Any) -> Any:
        nonlocal seen
        seen += 1
        if seen == 3:
            raise KeyboardInterrupt
        return prepare(*args, **kwargs)

    monkeypatch.setattr(import_writer, "prepare_member", interrupt_third)
    with store.transaction() as s:
        aid = athlete_store.get_or_create_athlete(s, "interrupted", "UTC").id
    members = [Member(f"run{i}.gpx", gpx_run(START + timedelta(days=i), 3.0)) for i in range(5)]
    with pytest.raises(KeyboardInterrupt):
        import_members(store, aid, members, workers=1, batch=32)
    with store.sessions() as s:
        files = s.scalars(select(SourceFile.name).where(SourceFile.athlete_id == aid)).all()
    assert sorted(files) == ["run0.gpx", "run1.gpx"]
