"""The writer's side of an import: a batch of files, already read and decoded in input order,
written in one transaction.

Per batch rather than per file: one query for the batch's file rows, one for the stored
activities its activities may repeat, the file and activity rows inserted together, the
heart-rate load computed as each file is added (the running peak kept here) and one request to
evaluate.  Every decision is the one a transaction per file would take, in the same order:
the rows of the files before are visible to the file after (kept in memory, and flushed
before the rare comparison with a twin that needs their ids).  A crash mid-batch rolls the
whole batch back: no file of it is half-written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from loadwatch.analytics.days import local_day
from loadwatch.analytics.trimp import trimp
from loadwatch.clock import as_utc
from loadwatch.errors import StoreError
from loadwatch.ingest.same_session import repeat_note
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.services.decode_worker import PackedFile
from loadwatch.services.hr_load import profile_with_peak
from loadwatch.services.sameness import (
    SAME_ACTIVITY_WINDOW,
    SHIFT_SEARCH,
    better,
    copy_of_activity,
    copy_of_summary,
    log_row_hides,
    overlap_shift_s,
    repeated_session,
    same_activities,
    same_samples,
    whole_hours_apart,
)
from loadwatch.store import activities as activity_store
from loadwatch.store import activity_hr, pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity, Athlete, SourceFile

Status = Literal["imported", "duplicate", "not_activity", "failed"]


@dataclass(frozen=True, slots=True)
class FileRow:
    """A file row to record as not imported (failed, or not an activity)."""

    key: str  # the row's hash: the bytes', or the name's when no bytes were read
    name: str
    size: int
    format: str | None
    status: Literal["failed", "not_activity"]
    reason: str


@dataclass(slots=True)
class ToStore:
    """A decoded file to store: its activities are compared with the stored ones here."""

    sha: str
    name: str
    size: int
    format: str | None
    title: str | None
    packed: PackedFile
    warnings: list[str]
    tz: ZoneInfo  # the athlete's zone when the file was decoded: its local days


@dataclass(slots=True)
class Written:
    """What writing one file decided: its status and reason, the activities stored (ids once
    the batch is flushed) and the earliest local day it touched."""

    status: Status
    reason: str | None
    warnings: list[str]
    activities: list[Activity] = field(default_factory=list)
    earliest: date | None = None

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.activities]


def describe_file(row: SourceFile) -> str:
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


def _earlier(a: date | None, b: date) -> date:
    return b if a is None else min(a, b)


class Batch:
    """One transaction's writes; ``add_*`` in input order, then ``finish``."""

    def __init__(
        self,
        store: Store,
        session: Session,
        athlete_id: int,
        keys: Sequence[str],
        starts: Sequence[datetime],
    ) -> None:
        self.store, self.session, self.athlete_id = store, session, athlete_id
        # Taken before anything is looked up: which copy of an activity is kept is decided and
        # written by one import at a time per athlete, whatever the arrival order.
        activity_store.lock_athlete_activities(session, athlete_id)
        self.files = file_store.files_by_sha(session, athlete_id, keys)
        # Every stored activity any of the batch's may repeat, then the batch's own as added.
        # Hours around each start: a copy re-saved with its clock shifted is the same activity.
        self.near = activity_store.activities_near_any(session, athlete_id, starts, SHIFT_SEARCH)
        self.athlete: Athlete = athlete_store.get_athlete(session, athlete_id)
        self.peak = activity_hr.hr_peak(session, athlete_id)
        self.unlinked: list[tuple[SourceFile, Activity]] = []  # not yet in the session
        self.earliest: date | None = None

    # --- rows ------------------------------------------------------------------------------
    def add_file_row(self, f: FileRow) -> None:
        """Record a file that gave no activity (kept so it shows in the import log and is
        retried next time), unless the same bytes were already handled successfully."""
        existing = self.files.get(f.key)
        if f.status == "failed" and existing is not None and existing.status != "failed":
            return
        self.files[f.key] = file_store.record_file(
            self.session,
            athlete_id=self.athlete_id,
            sha256=f.key,
            name=f.name,
            size=f.size,
            format=f.format,
            status=f.status,
            reason=f.reason,
            existing=existing,
            flush=False,
        )

    def add_decoded(self, f: ToStore) -> Written:
        existing = self.files.get(f.sha)
        if existing is not None and existing.status != "failed":  # another process was quicker
            return Written("duplicate", describe_file(existing), [])
        warnings = list(f.warnings)  # a batch written again (after a conflict) starts afresh
        keep: list[ActivitySummary] = []
        streams: list[bytes] = []
        better_twins: list[Activity] = []  # stored copies that beat this file's: kept
        worse_twins: dict[int, Activity] = {}  # stored copies this file replaces
        seen: list[ActivitySummary] = []  # this file's sessions so far, kept or not
        for act in f.packed.activities:
            s = act.summary
            # A chained FIT holding one activity twice: the repeat is skipped before any
            # comparison with stored twins, or one file could both lose to a stored copy (its
            # first session) and replace that copy (its repeat).
            again = repeated_session(seen, s)
            seen.append(s)
            if again is not None:
                warnings.append(repeat_note(s, again))
                continue
            twins = [
                t
                for t in same_activities(self._near(s.start_time), s)
                if t.source == "file" or log_row_hides(t.sport, t.distance_m, s.sport, s.distance_m)
            ]
            if not twins:
                twins = self._shifted_twins(s, act.stream, warnings)
            if twins:
                self._materialise()  # the comparison reads the twins' ids and files
            beaten_by = self._better_twins(twins, s, warnings)
            if beaten_by:
                better_twins.extend(beaten_by)
                continue
            worse_twins.update((t.id, t) for t in twins)
            keep.append(s)
            streams.append(act.stream)
        status: Status = "imported" if keep else "duplicate"
        why: str | None = None
        if not keep and better_twins:
            why = f"duplicate of a better copy: {_describe_twins(better_twins)}"
        elif keep and better_twins:
            warnings.append(f"sessions skipped, duplicates of a better copy: "
                            f"{_describe_twins(better_twins)}")  # fmt: skip
        if keep and worse_twins:
            why = f"replaced a worse copy: {_describe_twins(list(worse_twins.values()))}"
        row = file_store.record_file(
            self.session,
            athlete_id=self.athlete_id,
            sha256=f.sha,
            name=f.name,
            format=f.format,
            size=f.size,
            status=status,
            reason=why,
            warnings=warnings,
            existing=existing,
            flush=False,
        )
        self.files[f.sha] = row
        out = Written(status, why, warnings)
        for s, stream in zip(keep, streams, strict=True):
            path = self.store.streams.put_encoded(f.sha, s.session_index, stream)
            new = activity_store.new_activity(
                athlete_id=self.athlete_id, summary=s, file_id=None, stream_path=path, name=f.title
            )
            self.unlinked.append((row, new))
            self.near.append(new)
            out.activities.append(new)
            out.earliest = _earlier(
                out.earliest, local_day(as_utc(s.start_time), s.utc_offset_s, f.tz)
            )
        if worse_twins:
            # After the new rows have their ids: SQLite would hand a deleted row's id to the next.
            self._materialise()
            worse = list(worse_twins.values())
            replaced_from = self._replace(worse, f.tz)
            if replaced_from is not None:
                out.earliest = _earlier(out.earliest, replaced_from)
            self._supersede(worse, f.name, out.ids)
            self.peak = activity_hr.hr_peak(self.session, self.athlete_id)  # one was removed
        self._hr_loads(out.activities)
        if out.earliest is not None:
            self.earliest = _earlier(self.earliest, out.earliest)
        return out

    def finish(self) -> None:
        """Flush what is left and ask for the athlete's evaluation from the earliest day any
        file touched (one request for the batch: the same as one per file, which keeps the
        earliest)."""
        self._materialise()
        if self.earliest is not None:
            pending.request_evaluation(self.session, self.athlete_id, self.earliest)

    # --- helpers ---------------------------------------------------------------------------
    def _near(self, start: datetime) -> list[Activity]:
        start = as_utc(start)
        lo, hi = start - SAME_ACTIVITY_WINDOW, start + SAME_ACTIVITY_WINDOW
        near = [a for a in self.near if lo <= as_utc(a.start_time) <= hi]
        return sorted(near, key=lambda a: as_utc(a.start_time))  # stable: stored, then new

    def _materialise(self) -> None:
        """Insert the pending file rows, then their activities (one INSERT per table)."""
        self.session.flush()
        if not self.unlinked:
            return
        for row, act in self.unlinked:
            act.file_id = row.id
        self.session.add_all([act for _, act in self.unlinked])
        self.unlinked.clear()
        self.session.flush()

    def _shifted_twins(
        self, summary: ActivitySummary, stream: bytes, warnings: list[str]
    ) -> list[Activity]:
        """Stored recordings this one repeats with its clock shifted: by whole hours (a copy
        re-saved in the wrong time zone) or by minutes within its own span (a re-save that
        moved the start), with the same duration and distance and the same samples second
        for second.  Said in a warning: the start is what differs."""
        start = as_utc(summary.start_time)
        candidates: list[tuple[Activity, str]] = []
        for a in self.near:
            if a.source != "file" or not a.stream_path:
                continue
            if abs(as_utc(a.start_time) - start) > SHIFT_SEARCH:
                continue
            totals = (
                summary.start_time,
                summary.elapsed_time_s,
                summary.distance_m,
                a.start_time,
                a.elapsed_time_s,
                a.distance_m,
            )
            hours = whole_hours_apart(*totals)
            if hours is not None:
                later = "later" if hours > 0 else "earlier"
                candidates.append(
                    (a, f"started {abs(hours)} h {later}: a copy re-saved with a time-zone shift")
                )
                continue
            gap = overlap_shift_s(*totals)
            if gap is not None:
                m, sec = divmod(round(abs(gap)), 60)
                later = "later" if gap > 0 else "earlier"
                candidates.append((a, f"started {m} min {sec} s {later}: a re-saved copy"))
        if not candidates:
            return []
        mine = pl.read_parquet(io.BytesIO(stream))
        found: list[Activity] = []
        for a, _ in candidates:
            try:
                theirs = self.store.streams.get(a.stream_path or "")
            except StoreError:
                continue  # no samples to compare: kept apart, as before
            if same_samples(theirs, mine):
                found.append(a)
        if found:
            self._materialise()  # the warning names the twins' ids
            for a, how in candidates:
                if a in found:
                    warnings.append(f"same samples as #{a.id} but {how}, counted once")
        return found

    def _better_twins(
        self, twins: Sequence[Activity], summary: ActivitySummary, warnings: list[str]
    ) -> list[Activity]:
        """The stored twins to keep rather than this session (``sameness.copy_rank``).  A
        training-log row that is a twin is kept whatever the file: it holds what the athlete
        wrote, and the log import keeps the file's copy likewise (``sameness.log_row_hides``)."""
        if not twins:
            return []
        new = copy_of_summary(summary, warnings)
        return [
            t
            for t in twins
            if t.source != "file"
            or not better(
                new, copy_of_activity(t, file_store.file_warnings(self.session, t.file_id))
            )
        ]

    def _replace(self, worse: Sequence[Activity], tz: ZoneInfo) -> date | None:
        """Remove the activities a better copy replaces; their files are kept (``_supersede``).
        The earliest local day they fell on: the athlete is re-evaluated from there."""
        earliest: date | None = None
        for old in worse:
            earliest = _earlier(earliest, local_day(as_utc(old.start_time), old.utc_offset_s, tz))
            activity_store.delete_activity(self.session, old)
            self.near = [a for a in self.near if a is not old]
        return earliest

    def _supersede(self, worse: Sequence[Activity], name: str, ids: Sequence[int]) -> None:
        by = ", ".join(f"#{i}" for i in ids)
        for file_id in sorted({a.file_id for a in worse if a.file_id is not None}):
            reason = f"superseded by a better copy: {name} ({by})"
            file_store.supersede_file(self.session, file_id, reason)

    def _hr_loads(self, new: Sequence[Activity]) -> None:
        """The new activities' heart-rate load with the heart rates as they stand once they
        are stored (the other activities follow at the evaluation the import requests):
        what ``hr_load.after_import`` computes, the peak kept here rather than queried."""
        peaks = [a.hr_peak_bpm for a in new if a.hr_peak_bpm is not None]
        if peaks:
            top = float(max(peaks))
            self.peak = top if self.peak is None else max(self.peak, top)
        with_hist = [a for a in new if a.hr_time_hist_s is not None]
        if not with_hist:
            return
        prof = profile_with_peak(self.athlete, self.peak)
        hists = [a.hr_time_hist_s for a in with_hist]
        loads = trimp(hists, prof) if prof is not None else [None] * len(with_hist)
        for a, load in zip(with_hist, loads, strict=True):
            a.hr_load = load
