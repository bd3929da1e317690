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
import functools
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from loadwatch import clock
from loadwatch.analytics.days import local_day
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
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.ingest.zones import ZoneGuess, guess_zone
from loadwatch.services import hr_load
from loadwatch.services.athletes import change_athlete
from loadwatch.services.decode_ahead import (
    Ahead,
    Lookahead,
    declared,
    import_workers,
)
from loadwatch.services.sameness import (
    SAME_ACTIVITY_WINDOW,
    better,
    copy_of_activity,
    copy_of_summary,
    log_row_hides,
    repeated_session,
    same_activities,
)
from loadwatch.services.upload_budget import UploadBudget
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store import pending
from loadwatch.store.blobs import sha256_of
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity, SourceFile

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


def _title(member: Member) -> str | None:
    # Strava's export carries the athlete's own title in activities.csv.
    for key in ("title", "name"):
        value = member.meta.get(key)
        if value:
            return value
    return None


def _describe_file(row: SourceFile) -> str:
    when = row.created_at.date().isoformat() if row.created_at is not None else "earlier"
    verb = {"not_activity": "seen", "duplicate": "seen", "superseded": "kept"}.get(
        row.status, "imported"
    )
    what = {
        "not_activity": " (not an activity)",
        "superseded": " (superseded by a better copy)",
    }.get(row.status, "")
    return f"same file as {row.name} {verb} {when}{what}"


def _describe_twins(twins: Sequence[Activity]) -> str:
    first = twins[0]
    start = as_utc(first.start_time).strftime("%Y-%m-%d %H:%M UTC")
    if len(twins) == 1:
        return f"same activity as #{first.id} ({first.format}, {first.sport}, started {start})"
    ids = ", ".join(f"#{a.id}" for a in twins)
    return f"same activities as {ids} ({first.format}, first started {start})"


def _record_failure(
    store: Store, athlete: _Athlete, member: Member, sha: str | None, reason: str, *, kept: bool
) -> None:
    """Keep a failed file's row (so it shows in the import log and is retried next time).
    ``size`` is the bytes kept in the blob store for it: 0 when they were not kept."""
    data = member.data or b""
    # A member with no bytes (an unreadable archive, an oversize member) has no content hash;
    # its row is keyed by a hash of its display name instead, and no blob exists for it.
    key = sha or hashlib.sha256(b"no-bytes\0" + member.name.encode()).hexdigest()
    with store.transaction() as session:
        existing = file_store.find_file(session, athlete.id, key)
        if existing is not None and existing.status != "failed":
            return  # the same bytes were already handled successfully
        file_store.record_file(
            session,
            athlete_id=athlete.id,
            sha256=key,
            name=member.name,
            size=len(data) if kept else 0,
            format=file_format(data, member.name) if data else None,
            status="failed",
            reason=reason,
            existing=existing,
        )


# A device clock may run ahead of ours by some hours (a wrong zone set by hand); more than a
# day ahead is a corrupt date (a bit flipped in a FIT timestamp reads as 2055), which would
# sit at the end of every series for decades.
FUTURE_SKEW = timedelta(days=1)


def _refuse_future(decoded: DecodedFile) -> None:
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


def _import_member(
    store: Store,
    athlete: _Athlete,
    member: Member,
    on_decoded: Callable[[str, DecodedFile], _Athlete] | None = None,
    budget: UploadBudget | None = None,
    ahead: Ahead | None = None,
) -> tuple[FileOutcome, date | None]:
    name = member.name
    if member.error is not None or member.data is None:
        size = len(member.data or b"")
        kept = size > 0 and (budget is None or budget.may_keep_failed(size))
        if budget is not None and kept and not budget.quota_allows(size):
            kept = False
        sha = store.blobs.put(member.data) if kept and member.data else None
        reason = one_line(member.error) if member.error is not None else "no data"
        if kept and budget is not None:
            budget.kept_failed(size)
            budget.stored(size)
        reason = _with_note(reason, budget, kept or size == 0)
        _record_failure(store, athlete, member, sha, reason, kept=kept)
        return FileOutcome(name, "failed", reason, sha256=sha), None

    data = member.data
    size = len(data)
    if budget is not None and not budget.quota_allows(size):
        reason = budget.quota_reason()
        _record_failure(store, athlete, member, None, reason, kept=False)
        return FileOutcome(name, "failed", reason), None
    sha = sha256_of(data)
    # Before anything parses it, so nothing received is ever lost; an upload that has already
    # kept its share of files without an activity writes the next one only once it imports.
    keep_first = budget is None or budget.may_keep_failed(size)
    if keep_first:
        store.blobs.put(data)
    with store.sessions() as session:
        seen = file_store.find_file(session, athlete.id, sha)
        if seen is not None and seen.status != "failed":
            return FileOutcome(name, "duplicate", _describe_file(seen), sha256=sha), None

    def charge_unimported() -> None:
        if budget is not None and keep_first:
            budget.kept_failed(size)
            budget.stored(size)

    # The file's row is written once, whatever the outcome: only the status and reason differ.
    record = functools.partial(
        file_store.record_file,
        athlete_id=athlete.id,
        sha256=sha,
        name=name,
        format=file_format(data, name),
    )
    # The export's own word for the activity (Strava's "Activity Type") beats the file's
    # sport and any guess (ingest/sports.py: decide).
    job = AnalysisJob(data, name, sha, athlete.fast_speed_mps, athlete.tz_name, declared(member))
    try:
        if ahead is not None and ahead.job.same_analysis(job):
            decoded = ahead.result(budget)
        else:  # not decoded ahead, or for other settings (the athlete's zone was just chosen)
            decoded = job.run()
        _refuse_future(decoded)
    except NotAnActivity as e:
        reason = _with_note(one_line(e), budget, keep_first)
        charge_unimported()
        with store.transaction() as session:
            existing = file_store.find_file(session, athlete.id, sha)
            record(
                session,
                size=size if keep_first else 0,
                status="not_activity",
                reason=reason,
                existing=existing,
            )
        return FileOutcome(name, "not_activity", reason, sha256=sha if keep_first else None), None
    except IngestError as e:
        reason = _with_note(one_line(e), budget, keep_first)
        charge_unimported()
        _record_failure(store, athlete, member, sha, reason, kept=keep_first)
        return FileOutcome(name, "failed", reason, sha256=sha if keep_first else None), None

    if on_decoded is not None:
        athlete = on_decoded(name, decoded)
    if not keep_first:
        store.blobs.put(data)
    if budget is not None:
        budget.stored(size)
    title = _title(member)
    warnings = [one_line(w) for w in decoded.warnings]
    with store.transaction() as session:
        # Taken before anything is looked up: which copy of an activity is kept is decided and
        # written by one import at a time per athlete, whatever the arrival order.
        activity_store.lock_athlete_activities(session, athlete.id)
        existing = file_store.find_file(session, athlete.id, sha)
        if existing is not None and existing.status != "failed":  # another process was quicker
            return FileOutcome(name, "duplicate", _describe_file(existing), sha256=sha), None
        keep: list[DecodedActivity] = []
        better_twins: list[Activity] = []  # stored copies that beat this file's: kept
        worse_twins: dict[int, Activity] = {}  # stored copies this file replaces
        for act in decoded.activities:
            near = activity_store.activities_starting_near(
                session, athlete.id, act.summary.start_time, SAME_ACTIVITY_WINDOW
            )
            s = act.summary
            twins = [
                t
                for t in same_activities(near, s)
                if t.source == "file" or log_row_hides(t.sport, t.distance_m, s.sport, s.distance_m)
            ]
            beaten_by = _better_twins(session, twins, act.summary, warnings)
            if beaten_by:
                better_twins.extend(beaten_by)
                continue
            again = repeated_session([k.summary for k in keep], act.summary)
            if again is not None:
                warnings.append(
                    f"session {act.summary.session_index} repeats session {again}; skipped"
                )
                continue
            worse_twins.update((t.id, t) for t in twins)
            keep.append(act)
        status: Status = "imported" if keep else "duplicate"
        why: str | None = None
        if not keep and better_twins:
            why = f"duplicate of a better copy: {_describe_twins(better_twins)}"
        elif keep and better_twins:
            warnings.append(f"sessions skipped, duplicates of a better copy: "
                            f"{_describe_twins(better_twins)}")  # fmt: skip
        if keep and worse_twins:
            why = f"replaced a worse copy: {_describe_twins(list(worse_twins.values()))}"
        row = record(
            session, size=size, status=status, reason=why, warnings=warnings, existing=existing
        )
        ids: list[int] = []
        earliest: date | None = None
        for act in keep:
            s = act.summary
            stream = store.streams.put(sha, s.session_index, act.samples)
            stored = activity_store.add_activity(
                session,
                athlete_id=athlete.id,
                summary=s,
                file_id=row.id,
                stream_path=stream,
                name=title,
            )
            ids.append(stored.id)
            day = local_day(as_utc(s.start_time), s.utc_offset_s, athlete.tz)
            earliest = day if earliest is None else min(earliest, day)
        # After the new rows have their ids: SQLite would hand a deleted row's id to the next.
        replaced_from = _replace(session, athlete, list(worse_twins.values()))
        if replaced_from is not None:
            earliest = replaced_from if earliest is None else min(earliest, replaced_from)
        _supersede(session, list(worse_twins.values()), name, ids)
        hr_load.after_import(session, athlete.id, ids)
        if earliest is not None:
            pending.request_evaluation(session, athlete.id, earliest)
    return FileOutcome(name, status, why, ids, warnings, sha), earliest


def _better_twins(
    session: Session, twins: Sequence[Activity], summary: ActivitySummary, warnings: list[str]
) -> list[Activity]:
    """The stored twins to keep rather than this session (``sameness.copy_rank``).  A
    training-log row that is a twin is kept whatever the file: it holds what the athlete
    wrote, and the log import keeps the file's copy likewise (``sameness.log_row_hides``)."""
    new = copy_of_summary(summary, warnings)
    return [
        t
        for t in twins
        if t.source != "file"
        or not better(new, copy_of_activity(t, file_store.file_warnings(session, t.file_id)))
    ]


def _replace(session: Session, athlete: _Athlete, worse: Sequence[Activity]) -> date | None:
    """Remove the activities a better copy replaces; their files are kept (``_supersede``).
    The earliest local day they fell on: the athlete is re-evaluated from there."""
    earliest: date | None = None
    for old in worse:
        day = local_day(as_utc(old.start_time), old.utc_offset_s, athlete.tz)
        earliest = day if earliest is None else min(earliest, day)
        activity_store.delete_activity(session, old)
    return earliest


def _supersede(session: Session, worse: Sequence[Activity], name: str, ids: Sequence[int]) -> None:
    by = ", ".join(f"#{i}" for i in ids)
    for file_id in sorted({a.file_id for a in worse if a.file_id is not None}):
        file_store.supersede_file(session, file_id, f"superseded by a better copy: {name} ({by})")


def _zone_of(decoded: DecodedFile) -> ZoneGuess | None:
    for act in decoded.activities:
        guess = guess_zone(act.samples, act.device_offset_s)
        if guess is not None:
            return guess
    return None


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
) -> ImportReport:
    """Import every member for the athlete; one outcome per member, in order.

    ``workers`` processes decode ahead of the writer (default: the ``import_workers``
    setting; 1, or an input of fewer than ``POOL_MIN_FILES`` files, stays in-process).

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

    def on_decoded(name: str, decoded: DecodedFile) -> _Athlete:
        nonlocal athlete, pending_zone
        guess = _zone_of(decoded) if pending_zone else None
        if guess is not None:
            pending_zone = False
            if guess.zone != athlete.tz_name:
                athlete = _set_zone(store, athlete, guess.zone)
            report.timezone = ZoneChoice(guess.zone, guess.why, name)
        return athlete

    measure = budget.measure if budget is not None else contextlib.nullcontext
    ahead = Lookahead(store, lambda: athlete, iter(members), import_workers(workers))
    try:
        _write_all(store, report, ahead, athlete_id, on_decoded, budget, progress, measure)
    finally:
        ahead.close()
    return _finish(store, athlete_id, report, notes, choose_timezone, athlete.tz_name)


def _write_all(
    store: Store,
    report: ImportReport,
    ahead: Lookahead[_Athlete],
    athlete_id: int,
    on_decoded: Callable[[str, DecodedFile], _Athlete],
    budget: UploadBudget | None,
    progress: Callable[[FileOutcome], None] | None,
    measure: Callable[[], contextlib.AbstractContextManager[None]],
) -> None:
    """The one writer: every member in input order, one transaction each."""
    while True:
        read = ahead.next()
        # Expanding an archive is lazy: reading the member is work the budget pays for, now
        # that its turn has come (it may have been read ahead).
        if budget is not None:
            budget.cpu_used += read.cpu_s
        member = read.member
        if member is None:
            break
        athlete = ahead.athlete()
        try:
            if budget is not None and budget.cpu_spent:
                outcome, day = FileOutcome(member.name, "failed", budget.cpu_reason()), None
            else:
                with measure():
                    outcome, day = _import_member(
                        store, athlete, member, on_decoded, budget, read.ahead
                    )
        except Conflict:
            # Another process stored the same file (or activity) between our check and commit.
            outcome = FileOutcome(
                member.name, "duplicate", "imported concurrently by another import", sha256=None
            )
            day = None
        outcome.size = len(member.data or b"")
        if outcome.status == "failed":
            log.info("import failed: %s: %s", outcome.file, outcome.reason)
        report.outcomes.append(outcome)
        if day is not None:
            prev = report.touched.get(athlete_id)
            report.touched[athlete_id] = day if prev is None else min(prev, day)
        if progress is not None:
            progress(outcome)
        if budget is not None and budget.cpu_spent and outcome.reason == budget.cpu_reason():
            break  # the rest of this input is not even read


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
