"""Files → store: raw bytes first, then decode, summarise, de-duplicate and store activities.

One file = one transaction, so a bad file never rolls back the others.  Decoding and
summarising (``analyse``, in ``ingest.analysis``) is a pure function of the bytes, the name
and the athlete's settings, so a process pool can take it over without touching the rest; it
runs outside any database transaction so a slow decode never holds SQLite's write lock.

What stops a batch: only the store itself failing (``StoreError``: disk, database), because
then no later file could be recorded either; the files already done stay committed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from loadwatch import clock
from loadwatch.clock import as_utc
from loadwatch.config import Settings
from loadwatch.errors import (
    Conflict,
    IngestError,
    LoadwatchError,
    NotAnActivity,
    StoreError,
    one_line,
)
from loadwatch.ingest.analysis import (
    AnalysisJob,
    DecodedActivity,
    DecodedFile,
    DecoderCrash,
    analyse,
    file_format,
    iter_paths,
)
from loadwatch.ingest.containers.sources import ManualLog, Member, SourceNotes
from loadwatch.services.athletes import change_athlete
from loadwatch.services.decode_ahead import Lookahead, Read, declared, import_workers
from loadwatch.services.decode_worker import PackedFile, pack
from loadwatch.services.import_batch import Batch, FileRow, ToStore, Written, describe_file
from loadwatch.services.upload_budget import UploadBudget
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.blobs import sha256_of
from loadwatch.store.db import Store

if TYPE_CHECKING:
    from loadwatch.services.csv_import import CsvImportReport

log = logging.getLogger(__name__)

# The pure step lives in ingest.analysis (light for worker processes and for ``inspect``);
# these names stay importable from here.
__all__ = [
    "STATUSES",
    "DecodedActivity",
    "DecodedFile",
    "DecoderCrash",
    "FileOutcome",
    "ImportReport",
    "ManualOutcome",
    "ZoneChoice",
    "analyse",
    "file_format",
    "import_members",
    "import_paths",
    "iter_paths",
]

Status = Literal["imported", "duplicate", "not_activity", "failed"]
STATUSES: tuple[Status, ...] = ("imported", "duplicate", "not_activity", "failed")


@dataclass
class FileOutcome:
    file: str
    status: Status
    reason: str | None
    activity_ids: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sha256: str | None = None
    size: int = 0  # bytes read (after decompression): for the progress display

    def __post_init__(self) -> None:
        # Every reason and warning is shown as one line, whichever layer wrote it (a fitparse
        # message can carry a newline).
        if self.reason is not None:
            self.reason = one_line(self.reason)
        self.warnings = [one_line(w) for w in self.warnings]


@dataclass(frozen=True, slots=True)
class ManualOutcome:
    """Strava manual entries (``activities.csv`` rows without a file), imported from their rows
    by the CSV log importer: each row imported, a duplicate, or failed with its reason."""

    file: str  # the activities.csv they came from
    report: CsvImportReport


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """The time zone given to a new athlete from their files."""

    zone: str
    why: str
    file: str | None  # the file that told it; None when no file did (the zone stays UTC)


@dataclass
class ImportReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    touched: dict[int, date] = field(default_factory=dict)  # athlete id -> earliest local date
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (member, why), not imported
    manual: list[ManualOutcome] = field(default_factory=list)
    timezone: ZoneChoice | None = None  # set when a new athlete's zone was read from the files

    def recovered(self) -> list[FileOutcome]:
        """Files stored with a warning: a lenient read recovered from a defect."""
        return [o for o in self.outcomes if o.warnings and o.status == "imported"]

    def manual_counts(self) -> dict[str, int]:
        rows = [r for m in self.manual for r in m.report.rows]
        return {
            "imported": sum(r.status == "imported" for r in rows),
            "duplicate": sum(r.status == "duplicate" for r in rows),
            "failed": sum(len(m.report.errors) for m in self.manual),
        }

    def counts(self) -> dict[str, int]:
        """Files per status, every status present (zero included), in STATUSES order."""
        n: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for o in self.outcomes:
            n[o.status] += 1
        return n

    def merge(self, part: ImportReport) -> None:
        """Add another input's report to this one (an upload of several files)."""
        self.outcomes.extend(part.outcomes)
        self.skipped.extend(part.skipped)
        self.manual.extend(part.manual)
        for aid, day in part.touched.items():
            prev = self.touched.get(aid)
            self.touched[aid] = day if prev is None else min(prev, day)

    def summary(self) -> dict[str, Any]:
        """JSON-able: files per status, manual entries per status, and every skipped member and
        recovered file with its reason (what the inbox records of a file it imported)."""
        return {
            "files": self.counts(),
            "manual": self.manual_counts(),
            "manual_errors": [
                {"file": m.file, "line": e.line, "message": e.message}
                for m in self.manual
                for e in m.report.errors
            ],
            "skipped": [{"file": f, "reason": why} for f, why in self.skipped],
            "recovered": [{"file": o.file, "warnings": o.warnings} for o in self.recovered()],
        }


# --- the orchestration --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Athlete:
    id: int
    tz: ZoneInfo
    tz_name: str
    fast_speed_mps: float | None


# Files stored per transaction by an import without a budget (the CLI, the inbox): one
# transaction, one lookup of the batch's files and activities, one INSERT per table.  An
# upload with a budget stores one file per transaction: its CPU clock is checked between files.
BATCH_FILES = 32


@dataclass(slots=True)
class _Prepared:
    """One member read, kept and decoded, waiting for its batch: ``outcome`` is final unless
    the file is to be stored (``decoded``)."""

    outcome: FileOutcome
    row: FileRow | None = None  # a row to record: failed, or not an activity
    decoded: ToStore | None = None


def _title(member: Member) -> str | None:
    # Strava's export carries the athlete's own title in activities.csv.
    for key in ("title", "name"):
        value = member.meta.get(key)
        if value:
            return value
    return None


def _failure_row(member: Member, sha: str | None, reason: str, *, kept: bool) -> FileRow:
    """A failed file's row (so it shows in the import log and is retried next time).  ``size``
    is the bytes kept in the blob store for it: 0 when they were not kept."""
    data = member.data or b""
    # A member with no bytes (an unreadable archive, an oversize member) has no content hash;
    # its row is keyed by a hash of its display name instead, and no blob exists for it.
    key = sha or _name_key(member)
    fmt = file_format(data, member.name) if data else None
    return FileRow(key, member.name, len(data) if kept else 0, fmt, "failed", reason)


def _name_key(member: Member) -> str:
    return hashlib.sha256(b"no-bytes\0" + member.name.encode()).hexdigest()


# A device clock may run ahead of ours by some hours (a wrong zone set by hand); more than a
# day ahead is a corrupt date (a bit flipped in a FIT timestamp reads as 2055), which would
# sit at the end of every series for decades.
FUTURE_SKEW = timedelta(days=1)


def _refuse_future(decoded: PackedFile) -> None:
    limit = clock.utcnow() + FUTURE_SKEW
    for act in decoded.activities:
        start = as_utc(act.summary.start_time)
        if start > limit:
            raise IngestError(
                f"dated {start:%Y-%m-%d %H:%M} UTC, more than a day after this server's clock "
                f"({limit - FUTURE_SKEW:%Y-%m-%d %H:%M} UTC): refused as a corrupt date"
            )


def _with_note(reason: str, budget: UploadBudget | None, kept: bool) -> str:
    return reason if kept or budget is None else f"{reason}; {budget.not_kept_note()}"


def _failed(member: Member, reason: str, sha: str | None, row: FileRow) -> _Prepared:
    return _Prepared(FileOutcome(member.name, "failed", reason, sha256=sha), row)


def _prepare(
    store: Store,
    athlete: _Athlete,
    read: Read,
    on_decoded: Callable[[str, PackedFile], _Athlete] | None,
    budget: UploadBudget | None,
    want_zone: bool,
) -> _Prepared:
    """Everything of one member that comes before its rows: the budget, its raw bytes kept,
    the duplicate check and the decode.  Raises ``StoreError`` only."""
    member = read.member
    assert member is not None
    name = member.name
    if member.error is not None or member.data is None:
        size = len(member.data or b"")
        kept = size > 0 and (budget is None or budget.may_keep_failed(size))
        if budget is not None and kept and not budget.quota_allows(size):
            kept = False
        sha = store.blobs.put(member.data, read.sha) if kept and member.data else None
        reason = one_line(member.error) if member.error is not None else "no data"
        if kept and budget is not None:
            budget.kept_failed(size)
            budget.stored(size)
        reason = _with_note(reason, budget, kept or size == 0)
        return _failed(member, reason, sha, _failure_row(member, sha, reason, kept=kept))

    data = member.data
    size = len(data)
    if budget is not None and not budget.quota_allows(size):
        reason = budget.quota_reason()
        return _failed(member, reason, None, _failure_row(member, None, reason, kept=False))
    sha = read.sha or sha256_of(data)
    # Before anything parses it, so nothing received is ever lost; an upload that has already
    # kept its share of files without an activity writes the next one only once it imports.
    keep_first = budget is None or budget.may_keep_failed(size)
    if keep_first:
        store.blobs.put(data, sha)
    if not read.fresh:  # else the store had no row for these bytes when they were read
        with store.sessions() as session:
            seen = file_store.find_file(session, athlete.id, sha)
        if seen is not None and seen.status != "failed":
            return _Prepared(FileOutcome(name, "duplicate", describe_file(seen), sha256=sha))

    def charge_unimported() -> None:
        if budget is not None and keep_first:
            budget.kept_failed(size)
            budget.stored(size)

    fmt = file_format(data, name)
    # The export's own word for the activity (Strava's "Activity Type") beats the file's
    # sport and any guess (ingest/sports.py: decide).
    job = AnalysisJob(data, name, sha, athlete.fast_speed_mps, athlete.tz_name, declared(member))
    ahead = read.ahead
    try:
        if (
            ahead is not None
            and ahead.job.same_analysis(job)
            and (ahead.want_zone or not want_zone)
        ):
            decoded = ahead.result(budget)
        else:  # not decoded ahead, or for other settings (the athlete's zone was just chosen)
            decoded = pack(job.run(), want_zone=want_zone)
        _refuse_future(decoded)
    except NotAnActivity as e:
        reason = _with_note(one_line(e), budget, keep_first)
        charge_unimported()
        row = FileRow(sha, name, size if keep_first else 0, fmt, "not_activity", reason)
        outcome = FileOutcome(name, "not_activity", reason, sha256=sha if keep_first else None)
        return _Prepared(outcome, row)
    except IngestError as e:
        reason = _with_note(one_line(e), budget, keep_first)
        charge_unimported()
        kept_sha = sha if keep_first else None
        return _failed(member, reason, kept_sha, _failure_row(member, sha, reason, kept=keep_first))

    if on_decoded is not None:
        athlete = on_decoded(name, decoded)
    if not keep_first:
        store.blobs.put(data, sha)
    if budget is not None:
        budget.stored(size)
    warnings = [one_line(w) for w in decoded.warnings]
    to_store = ToStore(sha, name, size, fmt, _title(member), decoded, warnings, athlete.tz)
    return _Prepared(FileOutcome(name, "imported", None, sha256=sha), decoded=to_store)


def _write_batch(
    store: Store, athlete_id: int, batch: Sequence[_Prepared]
) -> list[tuple[FileOutcome, date | None]]:
    """The batch's rows in one transaction; each outcome and the earliest day it touched.  A
    conflict (another process stored the same file or activity meanwhile) rolls the batch
    back: it is written again one file per transaction, as a serial import would have."""
    decoded = [p.decoded for p in batch if p.decoded is not None]
    keys = [p.row.key for p in batch if p.row is not None] + [d.sha for d in decoded]
    starts = [a.summary.start_time for d in decoded for a in d.packed.activities]
    try:
        with store.transaction() as session:
            writer = Batch(store, session, athlete_id, keys, starts)
            written: list[Written | None] = []
            for p in batch:
                if p.row is not None:
                    writer.add_file_row(p.row)
                written.append(writer.add_decoded(p.decoded) if p.decoded is not None else None)
            writer.finish()
    except Conflict:
        if len(batch) > 1:
            return [out for p in batch for out in _write_batch(store, athlete_id, [p])]
        # Another process stored the same file (or activity) between our check and commit.
        name = batch[0].outcome.file
        size = batch[0].outcome.size
        why = "imported concurrently by another import"
        return [(FileOutcome(name, "duplicate", why, size=size), None)]
    out: list[tuple[FileOutcome, date | None]] = []
    for p, w in zip(batch, written, strict=True):
        if w is None:
            out.append((p.outcome, None))
            continue
        o = p.outcome
        done = FileOutcome(o.file, w.status, w.reason, w.ids, w.warnings, o.sha256, o.size)
        out.append((done, w.earliest))
    return out


def _set_zone(store: Store, athlete: _Athlete, zone: str) -> _Athlete:
    with store.transaction() as session:
        change_athlete(session, athlete_store.get_athlete(session, athlete.id), timezone=zone)
    return _Athlete(athlete.id, ZoneInfo(zone), zone, athlete.fast_speed_mps)


def _import_manual(store: Store, athlete_id: int, log: ManualLog) -> ManualOutcome:
    # Imported here: csv_import builds on this module's duplicate rules.
    from loadwatch.services.csv_import import import_log

    return ManualOutcome(log.name, import_log(store, athlete_id, log.data, log.name))


def import_members(
    store: Store,
    athlete_id: int,
    members: Iterable[Member],
    *,
    progress: Callable[[FileOutcome], None] | None = None,
    notes: SourceNotes | None = None,
    choose_timezone: bool = False,
    budget: UploadBudget | None = None,
    workers: int | None = None,
    batch: int | None = None,
) -> ImportReport:
    """Import every member for the athlete; one outcome per member, in order.

    ``workers`` processes decode ahead of the writer (default: the ``import_workers``
    setting; 1, or an input of fewer than ``POOL_MIN_FILES`` files, stays in-process).
    ``batch`` files are stored per transaction (default ``BATCH_FILES``, 1 with a budget);
    the outcomes are the same whatever the batch.

    ``notes`` (filled while ``members`` is read) brings the skipped members and Strava's manual
    entries, imported last from their CSV rows.  ``choose_timezone``: the athlete is new and no
    zone was given, so the first file that tells one sets it (``report.timezone``).  With a
    ``budget``, reading stops once its CPU time is spent: one last outcome says so.
    """
    with store.sessions() as session:
        a = athlete_store.get_athlete(session, athlete_id)
        athlete = _Athlete(a.id, ZoneInfo(a.timezone), a.timezone, a.fast_speed_mps)
    report = ImportReport()
    pending_zone = choose_timezone

    def on_decoded(name: str, decoded: PackedFile) -> _Athlete:
        nonlocal athlete, pending_zone
        guess = decoded.zone if pending_zone else None
        if guess is not None:
            pending_zone = False
            if guess.zone != athlete.tz_name:
                athlete = _set_zone(store, athlete, guess.zone)
            report.timezone = ZoneChoice(guess.zone, guess.why, name)
        return athlete

    size = max(1, batch if batch is not None else 1 if budget is not None else BATCH_FILES)
    ahead = Lookahead(
        store,
        lambda: athlete,
        iter(members),
        import_workers(workers),
        batch=size,
        want_zone=lambda: pending_zone,
    )
    writer = _Writer(store, report, athlete_id, budget, progress, size)
    try:
        writer.run(ahead, on_decoded, lambda: pending_zone)
    finally:
        ahead.close()
    return _finish(store, athlete_id, report, notes, choose_timezone, athlete.tz_name)


class _Writer:
    """The one writer: every member in input order, ``size`` per transaction."""

    def __init__(
        self,
        store: Store,
        report: ImportReport,
        athlete_id: int,
        budget: UploadBudget | None,
        progress: Callable[[FileOutcome], None] | None,
        size: int,
    ) -> None:
        self.store, self.report, self.athlete_id = store, report, athlete_id
        self.budget, self.progress, self.size = budget, progress, size
        self.batch: list[_Prepared] = []
        self.keys: set[str] = set()

    def run(
        self,
        ahead: Lookahead[_Athlete],
        on_decoded: Callable[[str, PackedFile], _Athlete],
        want_zone: Callable[[], bool],
    ) -> None:
        budget = self.budget
        measure = budget.measure if budget is not None else contextlib.nullcontext
        try:
            while True:
                read = ahead.next()
                # Expanding an archive is lazy: reading the member is work the budget pays
                # for, now that its turn has come (it may have been read ahead).
                if budget is not None:
                    budget.cpu_used += read.cpu_s
                member = read.member
                if member is None:
                    break
                keys = {read.sha or _name_key(member), _name_key(member)}
                with measure():
                    if keys & self.keys:
                        # The same bytes (or name) again: decided once the first is stored, as
                        # a serial import would.
                        self.write()
                    if budget is not None and budget.cpu_spent:
                        reason = budget.cpu_reason()
                        prepared = _Prepared(FileOutcome(member.name, "failed", reason))
                    else:
                        athlete = ahead.athlete()
                        prepared = _prepare(
                            self.store, athlete, read, on_decoded, budget, want_zone()
                        )
                    prepared.outcome.size = len(member.data or b"")
                    self.batch.append(prepared)
                    self.keys |= keys
                    if len(self.batch) >= self.size:
                        self.write()
                if budget is not None and prepared.outcome.reason == budget.cpu_reason():
                    break  # the rest of this input is not even read
        except StoreError:
            self.write()  # the files before the one that failed are stored, as one by one
            raise
        with measure():
            self.write()

    def write(self) -> None:
        if not self.batch:
            return
        batch, self.batch, self.keys = self.batch, [], set()
        report = self.report
        for outcome, day in _write_batch(self.store, self.athlete_id, batch):
            if outcome.status == "failed":
                log.info("import failed: %s: %s", outcome.file, outcome.reason)
            report.outcomes.append(outcome)
            if day is not None:
                prev = report.touched.get(self.athlete_id)
                report.touched[self.athlete_id] = day if prev is None else min(prev, day)
            if self.progress is not None:
                self.progress(outcome)


def _finish(
    store: Store,
    athlete_id: int,
    report: ImportReport,
    notes: SourceNotes | None,
    choose_timezone: bool,
    tz_name: str,
) -> ImportReport:
    if notes is not None:
        report.skipped = list(notes.skipped)
        for manual in notes.manual:
            try:
                done = _import_manual(store, athlete_id, manual)
            except StoreError:
                raise  # the store failing stops the batch, as for files
            except LoadwatchError as e:
                # The rows cannot be read at all: said once, the files stay imported.
                report.outcomes.append(FileOutcome(manual.name, "failed", one_line(e)))
                continue
            report.manual.append(done)
            if done.report.from_date is not None:
                prev = report.touched.get(athlete_id)
                day = done.report.from_date
                report.touched[athlete_id] = day if prev is None else min(prev, day)
    if choose_timezone and report.timezone is None:
        report.timezone = ZoneChoice(tz_name, "no file told its time zone", None)
    return report


def import_paths(
    store: Store,
    settings: Settings,
    athlete_id: int,
    paths: Sequence[Path],
    *,
    progress: Callable[[FileOutcome], None] | None = None,
    choose_timezone: bool = False,
) -> ImportReport:
    """Files, folders (recursive) and archives, in the order given; skipped members and Strava
    manual entries reported too."""
    notes = SourceNotes()
    return import_members(
        store,
        athlete_id,
        iter_paths(paths, settings, notes),
        progress=progress,
        notes=notes,
        choose_timezone=choose_timezone,
        workers=settings.import_workers,
    )
