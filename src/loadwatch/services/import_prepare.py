"""One member, up to its rows: the upload budget charged, its raw bytes kept, the duplicate
check and the decode (taken from the decode-ahead pool when it was decoded for the same
settings).  Nothing here writes a row: the writer stores what this prepares, a batch at a
time."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from loadwatch import clock
from loadwatch.clock import as_utc
from loadwatch.errors import IngestError, NotAnActivity, one_line
from loadwatch.ingest.analysis import AnalysisJob, file_format
from loadwatch.ingest.containers.sources import Member
from loadwatch.services.decode_ahead import Read, declared
from loadwatch.services.decode_worker import PackedFile, pack
from loadwatch.services.import_batch import FileRow, ToStore, describe_file
from loadwatch.services.import_report import FileOutcome
from loadwatch.services.upload_budget import UploadBudget
from loadwatch.store import files as file_store
from loadwatch.store.blobs import sha256_of
from loadwatch.store.db import Store


@dataclass(frozen=True, slots=True)
class ImportAthlete:
    id: int
    tz: ZoneInfo
    tz_name: str
    fast_speed_mps: float | None


@dataclass(slots=True)
class Prepared:
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
    key = sha or name_key(member)
    fmt = file_format(data, member.name) if data else None
    return FileRow(key, member.name, len(data) if kept else 0, fmt, "failed", reason)


def name_key(member: Member) -> str:
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


def _failed(member: Member, reason: str, sha: str | None, row: FileRow) -> Prepared:
    return Prepared(FileOutcome(member.name, "failed", reason, sha256=sha), row)


def prepare_member(
    store: Store,
    athlete: ImportAthlete,
    read: Read,
    on_decoded: Callable[[str, PackedFile], ImportAthlete] | None,
    budget: UploadBudget | None,
    want_zone: bool,
) -> Prepared:
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
            return Prepared(FileOutcome(name, "duplicate", describe_file(seen), sha256=sha))

    def charge_unimported() -> None:
        if budget is not None and keep_first:
            budget.kept_failed(size)
            budget.stored(size)

    fmt = file_format(data, name)
    # The export's own word for the activity (Strava's "Activity Type") beats the file's
    # sport and any guess (ingest/sports_choice.py: decide).
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
        return Prepared(outcome, row)
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
    return Prepared(FileOutcome(name, "imported", None, sha256=sha), decoded=to_store)
