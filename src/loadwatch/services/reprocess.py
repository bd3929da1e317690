"""Re-deriving stored activities from their kept original bytes (``loadwatch reprocess``).

An activity's figures are what the derivation of its day made of the file
(``ingest/derivation.py``); a store upgraded from an older loadwatch keeps the older figures
(trial 10, F1: fast km of 0.1.0's rules, no TRIMP), and importing the same bytes again answers
"duplicate".  The raw bytes of every file received are kept (``store/blobs.py``), so each stale
activity is decoded again through the import's own pure step (``ingest.analysis.analyse``, then
``decode_worker.pack``) with the athlete's settings as an import would use them, and its row is
updated in place: the same id, so flags, episodes, check-ins and RPE keep pointing at it.  What
the user set is kept: the sport relabel (passed to the analysis, where it beats every other
source), the name, the RPE, the athlete's heart rates; a deleted activity has no row, so it
stays deleted.

Each file is decoded outside any transaction and written in its own, so one bad file (bytes no
longer kept, a decoder that now refuses it, its session gone) costs only itself and is reported
with its reason.  Every activity re-derived is stamped with the current derivation, changed or
not: a second run finds nothing to do.  The athlete is marked pending from the earliest local
day whose figures changed (old or new day, when the start moved), so the next evaluation's
flags and series read the new figures.  Training-log rows hold what the athlete wrote: nothing
to re-derive, only counted.

Not done in the background on upgrade: re-deriving rewrites history (flags can move, episodes
reopen, webhooks fire), and decoding every kept file takes minutes on a big store; status says
how many activities are older (``services.status.reprocess_note``) and the operator chooses
when, after a ``--dry-run`` if they wish.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from loadwatch.analytics.days import local_day
from loadwatch.clock import as_utc
from loadwatch.errors import IngestError, StoreError, one_line
from loadwatch.ingest.analysis import analyse
from loadwatch.ingest.derivation import DERIVATION
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.services import hr_load
from loadwatch.services.activities import reanalyse
from loadwatch.services.decode_worker import PackedActivity, pack
from loadwatch.services.fast_km import fast_metres_of
from loadwatch.services.sameness import (
    SAME_ACTIVITY_WINDOW,
    SHIFT_SEARCH,
    better,
    copy_of_activity,
    copy_of_summary,
    overlap_shift_s,
    same_activities,
    same_samples,
    same_time,
    whole_hours_apart,
)
from loadwatch.store import activities as activity_store
from loadwatch.store import activity_hr, pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity, SourceFile

Status = Literal["updated", "unchanged", "merged", "not_kept", "failed"]

# The figures a person reads, shown before → after when they change; the other columns that
# changed (histograms, durations...) are named only.
SHOWN = (
    "sport",
    "start_time",
    "distance_m",
    "moving_time_s",
    "fast_distance_m",
    "uphill_distance_m",
    "elevation_gain_m",
    "hr_load",
)


@dataclass(frozen=True, slots=True)
class Change:
    figure: str
    before: Any
    after: Any


@dataclass(slots=True)
class ActivityOutcome:
    athlete_id: int
    athlete: str
    activity_id: int
    day: date  # the local day it is on (after re-deriving)
    sport: str
    status: Status
    reason: str | None = None  # why not re-derived (not_kept, failed)
    changes: list[Change] = field(default_factory=list)  # the SHOWN figures that moved
    also_changed: list[str] = field(default_factory=list)  # the other columns that moved


@dataclass(slots=True)
class AthleteOutcome:
    athlete_id: int
    athlete: str
    stale: int  # activities from files an older derivation produced, before this run
    log_rows: int  # training-log rows: what the athlete wrote, nothing to re-derive
    reevaluate_from: date | None = None  # pending from this local day (None: nothing changed)
    loads_moved: int = 0  # other activities whose TRIMP moved (a new maximum-HR estimate)


@dataclass(frozen=True, slots=True)
class Merge:
    """Two re-derived recordings today's import counts as one activity (``services/sameness``):
    ``dropped`` is removed, its file recorded as superseded, ``kept`` stays."""

    athlete_id: int
    kept: int
    dropped: int
    day: date
    how: str  # why they are one activity, in the import's words


@dataclass(frozen=True, slots=True)
class Retry:
    """A file an earlier import failed whose kept bytes this version reads (trial11 F3)."""

    athlete_id: int
    file: str
    status: str  # imported | duplicate: what importing it now answered (dry run: imported)
    reason: str | None
    activity_ids: list[int]
    was: str = "failed"  # failed | duplicate: its status before


@dataclass(slots=True)
class ReprocessReport:
    dry_run: bool
    derivation: int
    athletes: list[AthleteOutcome] = field(default_factory=list)
    activities: list[ActivityOutcome] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    retried: list[Retry] = field(default_factory=list)
    still_failing: int = 0  # failed files with kept bytes this version still cannot read

    def count(self, status: Status) -> int:
        return sum(1 for a in self.activities if a.status == status)


@dataclass(frozen=True, slots=True)
class _Stale:
    """One stale activity as read before decoding (plain values: no session held)."""

    id: int
    sha: str
    session_index: int
    format: str
    relabel: str | None
    declared: str | None
    day: date
    sport: str  # as stored: what an activity not re-derived is reported as


@dataclass(frozen=True, slots=True)
class _Decoded:
    """A kept file decoded again for its stale activities: by session index, or why not."""

    members: list[_Stale]
    by_session: dict[int, PackedActivity] | None
    status: Status = "failed"
    reason: str | None = None


@dataclass(slots=True)
class _Before:
    """What a person read of the stale activities before: their fast km (judged by their
    day's threshold, ``services/fast_km.py``) and TRIMP.  Compared with the same after."""

    fast: dict[int, float | None]
    hr: dict[int, float | None]


class _Undo(Exception):
    """Rolls back a dry run's transaction."""


def stale_count(store: Store, athlete_id: int | None = None) -> int:
    """How many activities ``reprocess`` would re-derive (of the athlete, else of all)."""
    from loadwatch.store.activity_counts import stale_counts

    with store.sessions() as session:
        counts = stale_counts(session, None if athlete_id is None else [athlete_id])
    return sum(counts.values())


def reprocess(
    store: Store,
    athlete_ids: Sequence[int] | None = None,
    *,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    duplicates: bool = False,
) -> ReprocessReport:
    """Re-derive every stale activity of the athletes (all when None) from its kept file.
    ``dry_run``: decode and compare, write nothing.  ``progress`` is told how many
    activities each file settled.  ``duplicates``: today's sameness rules over every activity
    from a file and every file kept as a duplicate, not only those of this run's re-derived
    activities: a store re-derived before those rules (nothing older left) is mended too."""
    report = ReprocessReport(dry_run, DERIVATION)
    with store.sessions() as session:
        ids = (
            list(athlete_ids)
            if athlete_ids is not None
            else [a.id for a in athlete_store.list_athletes(session)]
        )
    for aid in ids:
        _Athlete(store, aid, report, dry_run, progress, duplicates).run()
        _retry_failed(store, aid, report, dry_run, duplicates)
    return report


def _retry_failed(
    store: Store, athlete_id: int, report: ReprocessReport, dry_run: bool, duplicates: bool = False
) -> None:
    """Files an earlier import (often an older version's) failed, or kept as a duplicate of
    another copy, whose bytes are kept: imported again through the import itself, so the store
    counts them as a fresh import would (trial11 F3: a FIT 0.1.0 refused for an impossible
    elapsed time; F1/F2: 0.1.0 kept the FR955 re-save and called the watch's FIT the
    duplicate).  Duplicates are checked again in the run that re-derives the athlete's older
    activities (their ranking is an older version's) and with ``duplicates``, failed files
    every run.  A dry run only decodes (and ranks) them.  Those that still fail stay failed,
    only counted."""
    from loadwatch.ingest.containers.sources import Member
    from loadwatch.services.importing import import_members

    recheck = duplicates or (report.athletes[-1].stale > 0 if report.athletes else False)
    with store.sessions() as session:
        a = athlete_store.get_athlete(session, athlete_id)
        rows, _ = file_store.list_files(session, athlete_id, status="failed", limit=10_000)
        if recheck:
            dups, _ = file_store.list_files(session, athlete_id, status="duplicate", limit=10_000)
            # "same file as …": these very bytes are stored; nothing to compare.
            rows += [d for d in dups if not (d.reason or "").startswith("same file")]
        todo = [(r.id, r.sha256, r.name, r.format, r.status, r.reason) for r in rows]
        tz, fast = a.timezone, a.fast_speed_mps
    for file_id, sha, name, fmt, status, reason in todo:
        try:
            data = store.blobs.get(sha)
        except StoreError:
            continue  # bytes not kept (or a name's digest): nothing to retry from
        # The kept bytes are the leaf file: a ".gz" in its display name was unpacked.
        leaf = name[:-3] if name.lower().endswith(".gz") else name
        if dry_run:
            if _would_import(store, athlete_id, data, leaf, fmt, sha, tz, fast, status):
                report.retried.append(Retry(athlete_id, name, "imported", None, [], status))
            elif status == "failed":
                report.still_failing += 1
            continue
        if status == "duplicate":
            with store.transaction() as session:  # import retries a failed file's row
                row = file_store.file_by_id(session, file_id)
                if row is not None:
                    row.status = "failed"
        out = import_members(store, athlete_id, [Member(leaf, data)], workers=1).outcomes
        new = [i for o in out for i in o.activity_ids]
        if status == "duplicate" and not new:
            with store.transaction() as session:  # still the worse copy: as it was
                row = file_store.file_by_id(session, file_id)
                if row is not None:
                    row.status, row.reason = "duplicate", reason
            continue
        done = [o for o in out if o.status in ("imported", "duplicate")]
        if not done:
            report.still_failing += 1
            continue
        report.retried.append(Retry(athlete_id, name, done[0].status, done[0].reason, new, status))


def _would_import(
    store: Store,
    athlete_id: int,
    data: bytes,
    leaf: str,
    fmt: str | None,
    sha: str,
    tz: str,
    fast: float | None,
    status: str,
) -> bool:
    """Dry run: whether importing the file now would store an activity (a failed file that
    reads; a duplicate that ranks above every stored twin)."""
    try:
        decoded = analyse(data, leaf if fmt is None else f"activity.{fmt}", sha256=sha,
                          fast_speed_mps=fast, default_tz=tz)  # fmt: skip
    except IngestError:
        return False
    if status == "failed":
        return bool(decoded.activities)
    with store.sessions() as session:
        for act in decoded.activities:
            s = act.summary
            near = activity_store.activities_near_any(
                session, athlete_id, [s.start_time], SAME_ACTIVITY_WINDOW
            )
            twins = [t for t in same_activities(near, s) if t.source == "file"]
            mine = copy_of_summary(s, decoded.warnings)
            if twins and all(
                better(mine, copy_of_activity(t, file_store.file_warnings(session, t.file_id)))
                for t in twins
            ):
                return True
    return False


class _Athlete:
    """One athlete's stale activities: read, decoded a file at a time, written, settled."""

    def __init__(
        self,
        store: Store,
        athlete_id: int,
        report: ReprocessReport,
        dry_run: bool,
        progress: Callable[[int], None] | None,
        duplicates: bool = False,
    ) -> None:
        self.store, self.report, self.dry_run = store, report, dry_run
        self.duplicates = duplicates
        self.progress = progress or (lambda _: None)
        with store.sessions() as session:
            a = athlete_store.get_athlete(session, athlete_id)
            self.tz = ZoneInfo(a.timezone)
            self.tz_name, self.fast_mps = a.timezone, a.fast_speed_mps
            rows = activity_store.stale_activities(session, athlete_id)
            self.stale = [_stale_of(r, self.tz) for r in rows]
            ids = [r.id for r in rows]
            self.before = _Before(
                fast_metres_of(session, a, ids) if ids else {}, {r.id: r.hr_load for r in rows}
            )
            logs = activity_store.log_row_count(session, athlete_id)
        self.outcome = AthleteOutcome(athlete_id, a.name, len(rows), logs)
        report.athletes.append(self.outcome)
        self.done: list[ActivityOutcome] = []

    def run(self) -> None:
        if not self.stale and not self.duplicates:
            return
        # One decode per file (and relabel: ``analyse`` takes one for all the file's sessions).
        groups: dict[tuple[str, str, str | None, str | None], list[_Stale]] = {}
        for s in self.stale:
            groups.setdefault((s.sha, s.format, s.relabel, s.declared), []).append(s)
        if self.dry_run:
            # Decoded first (the streams dropped: only the figures are compared), then applied
            # in one transaction that is rolled back: the write lock is held only to compare.
            decoded = [self._decode(*key, members, keep_streams=False)
                       for key, members in groups.items()]  # fmt: skip
            try:
                with self.store.transaction() as session:
                    for d in decoded:
                        self._apply(session, d)
                    self._merge_and_settle(session)
                    raise _Undo
            except _Undo:
                pass
        else:
            for key, members in groups.items():
                d = self._decode(*key, members, keep_streams=True)
                if d.by_session is None:  # not read: nothing to write
                    self._apply(None, d)
                    continue
                # A transaction per file: one that fails costs itself, the others are kept.
                with self.store.transaction() as session:
                    self._apply(session, d)
            with self.store.transaction() as session:
                self._merge_and_settle(session)
        self.report.activities.extend(self.done)

    def _merge_and_settle(self, session: Session) -> None:
        merges = len(self.report.merges)
        self._merge(session)
        # With nothing re-derived, only a merge moves what _settle looks at.
        if self.done or len(self.report.merges) > merges:
            self._settle(session)

    def _decode(
        self,
        sha: str,
        fmt: str,
        relabel: str | None,
        declared: str | None,
        members: list[_Stale],
        *,
        keep_streams: bool,
    ) -> _Decoded:
        try:
            data = self.store.blobs.get(sha)
        except StoreError:
            why = "its original bytes were not kept (no file in the blob store); figures kept"
            return _Decoded(members, None, "not_kept", why)
        try:
            decoded = analyse(
                data,
                # The stored bytes are the leaf file (a .gz was unpacked): its format names it.
                f"activity.{fmt}",
                sha256=sha,
                fast_speed_mps=self.fast_mps,
                default_tz=self.tz_name,
                declared_sport=declared,
                relabel=relabel,
            )
            packed = pack(decoded, want_zone=False) if keep_streams else None
        except IngestError as e:
            # The figures stay the older ones: said, and tried again by the next run.
            return _Decoded(members, None, "failed", f"not re-derived, figures kept: {one_line(e)}")
        if packed is not None:
            return _Decoded(members, {a.summary.session_index: a for a in packed.activities})
        return _Decoded(
            members,
            {a.summary.session_index: PackedActivity(a.summary, b"") for a in decoded.activities},
        )

    def _apply(self, session: Session | None, d: _Decoded) -> None:
        aid, name = self.outcome.athlete_id, self.outcome.athlete
        out: list[ActivityOutcome] = []
        if d.by_session is None or session is None:
            out = [ActivityOutcome(aid, name, m.id, m.day, m.sport, d.status, d.reason)
                   for m in d.members]  # fmt: skip
        else:
            # Imports of this athlete queue meanwhile: they compare their files with these rows.
            activity_store.lock_athlete_activities(session, aid)
            for m in d.members:
                row = session.get(Activity, m.id)
                found = d.by_session.get(m.session_index)
                if row is None:  # deleted since it was read: stays deleted
                    out.append(ActivityOutcome(aid, name, m.id, m.day, m.sport, "failed",
                                               "deleted meanwhile"))  # fmt: skip
                elif found is None:
                    why = f"session {m.session_index} is no longer read from its file; figures kept"
                    out.append(ActivityOutcome(aid, name, m.id, m.day, row.sport, "failed", why))
                else:
                    out.append(self._update(session, row, found, m.day))
            earliest = min((o.day for o in out if o.status == "updated"), default=None)
            if earliest is not None:
                pending.request_evaluation(session, aid, earliest)
                self._pending_from(earliest)
        self.done.extend(out)
        self.progress(len(out))

    def _update(
        self, session: Session, row: Activity, found: PackedActivity, old_day: date
    ) -> ActivityOutcome:
        summary: ActivitySummary = found.summary
        before = _figures(row)
        activity_store.reanalysed(session, row, summary)
        if not self.dry_run:
            row.stream_path = self.store.streams.put_encoded(
                row.source_sha256, row.session_index, found.stream
            )
        # Its TRIMP with the heart rates as they stand; every activity follows in _settle.
        hr_load.after_import(session, row.athlete_id, [row.id])
        moved = [k for k, v in _figures(row).items() if not _same(before[k], v)]
        day = local_day(as_utc(row.start_time), row.utc_offset_s, self.tz)
        return ActivityOutcome(
            row.athlete_id,
            self.outcome.athlete,
            row.id,
            # The earlier of its old and new day: what is re-evaluated from.
            min(day, old_day),
            row.sport,
            "updated" if moved else "unchanged",
            changes=[Change(k, before[k], getattr(row, k)) for k in SHOWN if k in moved],
            also_changed=[k for k in moved if k not in SHOWN],
        )

    def _merge(self, session: Session) -> None:
        """Today's sameness rules among the re-derived activities and the athlete's other
        recordings: what an import of these files now counts as one activity (a copy re-saved
        with its clock shifted, two exports of one run that an older version kept apart) is
        counted once.  The copy import's ranking keeps (``sameness.copy_rank``) stays; the other
        is removed and its file recorded as superseded, as an import that replaces a worse copy
        records it; what the user set on the removed one (relabel, name, RPE) goes to the kept
        one where it has none; pending from the earlier of their days (trial11 F2)."""
        mine = {o.activity_id: o for o in self.done if o.status in ("updated", "unchanged")}
        if not mine and not self.duplicates:
            return
        aid = self.outcome.athlete_id
        # As an import decides which copy is kept: one writer per athlete meanwhile.
        activity_store.lock_athlete_activities(session, aid)
        if self.duplicates:
            # Every recording against every other (``reprocess --duplicates``).
            near = activity_store.file_activities(session, aid)
            rows = list(near)
        else:
            rows = [r for r in (session.get(Activity, i) for i in sorted(mine)) if r is not None]
            near = [
                a
                for a in activity_store.activities_near_any(
                    session, aid, [r.start_time for r in rows], SHIFT_SEARCH
                )
                if a.source == "file"
            ]
        # By start: each row is compared with those starting within SHIFT_SEARCH of it only
        # (no farther pair is one activity), not with all of them.
        starts = [as_utc(a.start_time) for a in near]
        gone: set[int] = set()
        for row in sorted(rows, key=lambda r: (as_utc(r.start_time), r.id)):
            if row.id in gone:
                continue
            t = as_utc(row.start_time)
            lo = bisect_left(starts, t - SHIFT_SEARCH)
            hi = bisect_right(starts, t + SHIFT_SEARCH)
            for other in near[lo:hi]:
                if other.id == row.id or other.id in gone or row.id in gone:
                    continue
                if other.source_sha256 == row.source_sha256:
                    continue  # one file's sessions: import compares them as repeats, not twins
                kind = self._same(row, other)
                if kind is None:
                    continue
                above = self._ranks_above(session, row, other)
                keep, drop = (row, other) if above else (other, row)
                self._drop(session, keep, drop, _how(kind, keep, drop))
                gone.add(drop.id)
                if drop.id in mine:
                    mine[drop.id].status = "merged"
                    mine[drop.id].reason = f"merged into #{keep.id}"
                    mine[drop.id].changes, mine[drop.id].also_changed = [], []

    def _same(self, a: Activity, b: Activity) -> str | None:
        """Whether ``a`` and ``b`` are one activity by import's rules
        (``services.import_batch``): "time" (starts within the window, ranges overlapping),
        "shift" (the same samples, the clock moved); None when they are two."""
        if same_time(a.start_time, a.elapsed_time_s, b.start_time, b.elapsed_time_s):
            return "time"
        totals = (
            b.start_time, b.elapsed_time_s, b.distance_m,
            a.start_time, a.elapsed_time_s, a.distance_m,
        )  # fmt: skip
        if whole_hours_apart(*totals) is None and overlap_shift_s(*totals) is None:
            return None
        try:
            same = same_samples(
                self.store.streams.get(a.stream_path or ""),
                self.store.streams.get(b.stream_path or ""),
            )
        except StoreError:
            return None  # no samples to compare: kept apart, as import does
        return "shift" if same else None

    @staticmethod
    def _ranks_above(session: Session, a: Activity, b: Activity) -> bool:
        return better(
            copy_of_activity(a, file_store.file_warnings(session, a.file_id)),
            copy_of_activity(b, file_store.file_warnings(session, b.file_id)),
        )

    def _drop(self, session: Session, keep: Activity, drop: Activity, how: str) -> None:
        aid = self.outcome.athlete_id
        days = [local_day(as_utc(r.start_time), r.utc_offset_s, self.tz) for r in (keep, drop)]
        if keep.name is None and drop.name is not None:
            keep.name = drop.name
        if keep.rpe is None and drop.rpe is not None:
            keep.rpe = drop.rpe
        relabel = drop.sport_relabel if keep.sport_relabel is None else None
        self.report.merges.append(Merge(aid, keep.id, drop.id, min(days), how))
        activity_store.delete_activity(session, drop)
        if relabel is not None:
            keep.sport_relabel = relabel
            reanalyse(self.store, session, keep)
        if drop.file_id is not None:
            kept_file = session.get(SourceFile, keep.file_id) if keep.file_id else None
            name = kept_file.name if kept_file is not None else "another file"
            file_store.supersede_file(
                session, drop.file_id, f"superseded by a better copy: {name} (#{keep.id})"
            )
        pending.request_evaluation(session, aid, min(days))
        self._pending_from(min(days))

    def _settle(self, session: Session) -> None:
        """Every activity's TRIMP once all are re-derived (a new peak can move an estimated
        maximum, as after an import), and what a person reads of each re-derived activity
        (fast km, TRIMP) compared with before; pending from the earliest day that moved."""
        aid = self.outcome.athlete_id
        athlete = athlete_store.get_athlete(session, aid)
        loads_before = activity_hr.hr_loads(session, aid)
        hr_load.refresh(session, athlete)
        loads = activity_hr.hr_loads(session, aid)
        mine = {o.activity_id: o for o in self.done if o.status in ("updated", "unchanged")}
        others = [
            i for i, v in loads.items() if i not in mine and not _same(loads_before.get(i), v)
        ]
        self.outcome.loads_moved = len(others)
        fast = fast_metres_of(session, athlete, list(mine)) if mine else {}
        for i, o in mine.items():
            shown = {"fast_distance_m": (self.before.fast.get(i), fast.get(i)),
                     "hr_load": (self.before.hr.get(i), loads.get(i))}  # fmt: skip
            o.changes = [c for c in o.changes if c.figure not in shown]
            for figure, (was, now) in shown.items():
                if not _same(was, now):
                    o.changes.append(Change(figure, was, now))
            o.changes.sort(key=lambda c: SHOWN.index(c.figure))
            if o.status == "unchanged" and o.changes:
                o.status = "updated"
                pending.request_evaluation(session, aid, o.day)
                self._pending_from(o.day)
        days = [local_day(t, off, self.tz) for t, off in activity_store.starts_of(session, others)]
        if days:
            pending.request_evaluation(session, aid, min(days))
            self._pending_from(min(days))

    def _pending_from(self, day: date) -> None:
        prev = self.outcome.reevaluate_from
        self.outcome.reevaluate_from = day if prev is None else min(prev, day)


def _how(kind: str, keep: Activity, drop: Activity) -> str:
    """Why the dropped copy is the kept one, in the import's words (``import_batch``)."""
    start = as_utc(keep.start_time).strftime("%Y-%m-%d %H:%M UTC")
    same = f"same activity ({keep.format}, {keep.sport}, started {start})"
    if kind == "time":
        return same
    gap = (as_utc(drop.start_time) - as_utc(keep.start_time)).total_seconds()
    later = "later" if gap > 0 else "earlier"
    hours = round(gap / 3600)
    if hours and abs(gap - hours * 3600) <= 10.0:
        return f"{same}: same samples, started {abs(hours)} h {later}, a time-zone re-save"
    m, sec = divmod(round(abs(gap)), 60)
    return f"{same}: same samples, started {m} min {sec} s {later}, a re-saved copy"


def _stale_of(row: Activity, tz: ZoneInfo) -> _Stale:
    # An export's declared type (a Strava activities.csv row) is not kept apart from the
    # sport it decided: the stored sport is that declaration.
    source = (row.totals_source or {}).get("sport")
    declared = row.sport if source == "export" else None
    return _Stale(
        row.id,
        row.source_sha256,
        row.session_index,
        row.format,
        row.sport_relabel,
        declared,
        local_day(as_utc(row.start_time), row.utc_offset_s, tz),
        row.sport,
    )


def _figures(row: Activity) -> dict[str, Any]:
    values = {k: getattr(row, k) for k in activity_store.DERIVED_COLUMNS}
    values["start_time"] = as_utc(values["start_time"])
    return values


def _same(a: Any, b: Any) -> bool:
    """Equal as stored figures: floats to 1e-9 relative (a JSON or REAL round trip), lists and
    dicts element by element."""
    numbers = isinstance(a, float | int) and isinstance(b, float | int)
    if numbers and (isinstance(a, float) or isinstance(b, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, datetime) and isinstance(b, datetime):
        return as_utc(a) == as_utc(b)
    return bool(a == b)
