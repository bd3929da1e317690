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

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from loadwatch.analytics.days import local_day
from loadwatch.clock import as_utc
from loadwatch.errors import IngestError, LoadwatchError, StoreError, one_line
from loadwatch.ingest.analysis import analyse
from loadwatch.ingest.derivation import DERIVATION
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.services import hr_load
from loadwatch.services.decode_worker import PackedActivity, pack
from loadwatch.store import activities as activity_store
from loadwatch.store import activity_hr, pending
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity

log = logging.getLogger(__name__)

Status = Literal["updated", "unchanged", "not_kept", "failed"]

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


@dataclass(slots=True)
class ReprocessReport:
    dry_run: bool
    derivation: int
    athletes: list[AthleteOutcome] = field(default_factory=list)
    activities: list[ActivityOutcome] = field(default_factory=list)

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
    progress: Callable[[ActivityOutcome], None] | None = None,
) -> ReprocessReport:
    """Re-derive every stale activity of the athletes (all when None) from its kept file.
    ``dry_run``: decode and compare, write nothing."""
    report = ReprocessReport(dry_run, DERIVATION)
    with store.sessions() as session:
        ids = (
            list(athlete_ids)
            if athlete_ids is not None
            else [a.id for a in athlete_store.list_athletes(session)]
        )
    for aid in ids:
        _athlete(store, aid, report, dry_run, progress)
    return report


def _athlete(
    store: Store,
    athlete_id: int,
    report: ReprocessReport,
    dry_run: bool,
    progress: Callable[[ActivityOutcome], None] | None,
) -> None:
    with store.sessions() as session:
        a = athlete_store.get_athlete(session, athlete_id)
        tz = ZoneInfo(a.timezone)
        settings = (a.name, a.timezone, a.fast_speed_mps)
        rows = activity_store.stale_activities(session, athlete_id)
        stale = [_stale_of(r, tz) for r in rows]
        logs = activity_store.log_row_count(session, athlete_id)
    name = settings[0]
    outcome = AthleteOutcome(athlete_id, name, len(stale), logs)
    report.athletes.append(outcome)
    # One decode per file (and relabel: analyse takes one for all the file's sessions).
    groups: dict[tuple[str, str, str | None, str | None], list[_Stale]] = {}
    for s in stale:
        groups.setdefault((s.sha, s.format, s.relabel, s.declared), []).append(s)
    changed_any = False
    for (sha, fmt, relabel, declared), members in groups.items():
        done = _file(store, athlete_id, name, tz, settings, sha, fmt, relabel, declared, members,
                     dry_run)  # fmt: skip
        for o in done:
            report.activities.append(o)
            changed_any = changed_any or o.status == "updated"
            if progress is not None:
                progress(o)
        earliest = min(
            (
                d
                for o, s in zip(done, members, strict=True)
                if o.status == "updated"
                for d in (o.day, s.day)
            ),
            default=None,
        )
        if earliest is not None:
            prev = outcome.reevaluate_from
            outcome.reevaluate_from = earliest if prev is None else min(prev, earliest)
    if changed_any and not dry_run:
        _settle_loads(store, athlete_id, tz, outcome, {o.activity_id for o in report.activities})


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
    )


def _file(
    store: Store,
    athlete_id: int,
    name: str,
    tz: ZoneInfo,
    settings: tuple[str, str, float | None],
    sha: str,
    fmt: str,
    relabel: str | None,
    declared: str | None,
    members: list[_Stale],
    dry_run: bool,
) -> list[ActivityOutcome]:
    """One kept file decoded again and its stale activities updated (one transaction)."""

    def each(status: Status, reason: str) -> list[ActivityOutcome]:
        return [ActivityOutcome(athlete_id, name, m.id, m.day, "", status, reason) for m in members]

    try:
        data = store.blobs.get(sha)
    except StoreError:
        return each("not_kept", "its original bytes were not kept (no file in the blob store)")
    try:
        decoded = analyse(
            data,
            # The stored bytes are the leaf file (a .gz was unpacked): its format names it.
            f"activity.{fmt}",
            sha256=sha,
            fast_speed_mps=settings[2],
            default_tz=settings[1],
            declared_sport=declared,
            relabel=relabel,
        )
        packed = pack(decoded, want_zone=False)
    except IngestError as e:
        # The figures stay the older ones: said, and tried again by the next run.
        return each("failed", f"not re-derived, figures kept: {one_line(e)}")
    by_session = {a.summary.session_index: a for a in packed.activities}
    try:
        return _write(store, athlete_id, name, tz, members, by_session, dry_run)
    except _Undo as undone:
        return undone.args[0]  # type: ignore[no-any-return]
    except LoadwatchError as e:
        if isinstance(e, StoreError):
            raise  # the store failing stops the run: no later file could be written either
        return each("failed", f"not re-derived: {one_line(e)}")


def _write(
    store: Store,
    athlete_id: int,
    name: str,
    tz: ZoneInfo,
    members: list[_Stale],
    by_session: dict[int, PackedActivity],
    dry_run: bool,
) -> list[ActivityOutcome]:
    out: list[ActivityOutcome] = []
    with store.transaction() as session:
        # Imports of this athlete queue meanwhile: they compare their files with these rows.
        activity_store.lock_athlete_activities(session, athlete_id)
        for m in members:
            row = session.get(Activity, m.id)
            if row is None:  # deleted since it was read: stays deleted
                why = "deleted meanwhile"
                out.append(ActivityOutcome(athlete_id, name, m.id, m.day, "", "failed", why))
                continue
            found = by_session.get(m.session_index)
            if found is None:
                why = f"session {m.session_index} is no longer read from its file; figures kept"
                out.append(ActivityOutcome(athlete_id, name, m.id, m.day, row.sport, "failed", why))
                continue
            out.append(_update(store, session, row, found, tz, name, dry_run))
        earliest = min(
            (d for o, m in zip(out, members, strict=True) if o.status == "updated"
             for d in (o.day, m.day)),
            default=None,
        )  # fmt: skip
        if earliest is not None:
            pending.request_evaluation(session, athlete_id, earliest)
        if dry_run:
            raise _Undo(out)
    return out


def _update(
    store: Store,
    session: Session,
    row: Activity,
    found: PackedActivity,
    tz: ZoneInfo,
    name: str,
    dry_run: bool,
) -> ActivityOutcome:
    summary: ActivitySummary = found.summary
    before = {**_figures(row), "hr_load": row.hr_load}
    activity_store.reanalysed(session, row, summary)
    if not dry_run:
        row.stream_path = store.streams.put_encoded(
            row.source_sha256, row.session_index, found.stream
        )
    # Its TRIMP with the heart rates as they stand (every activity follows in _settle_loads).
    hr_load.after_import(session, row.athlete_id, [row.id])
    session.refresh(row, ["hr_load"])
    after = {**_figures(row), "hr_load": row.hr_load}
    moved = [k for k in before if not _same(before[k], after[k])]
    day = local_day(as_utc(row.start_time), row.utc_offset_s, tz)
    return ActivityOutcome(
        row.athlete_id,
        name,
        row.id,
        day,
        row.sport,
        "updated" if moved else "unchanged",
        changes=[Change(k, before[k], after[k]) for k in SHOWN if k in moved],
        also_changed=[k for k in moved if k not in SHOWN],
    )


def _figures(row: Activity) -> dict[str, Any]:
    keys = activity_store.DERIVED_COLUMNS
    values = {k: getattr(row, k) for k in keys}
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


def _settle_loads(
    store: Store, athlete_id: int, tz: ZoneInfo, outcome: AthleteOutcome, done: set[int]
) -> None:
    """Every activity's TRIMP with the heart rates once all are re-derived (a new peak can move
    an estimated maximum, as after an import); the athlete pending from the earliest day whose
    load moved."""
    with store.transaction() as session:
        athlete = athlete_store.get_athlete(session, athlete_id)
        before = activity_hr.hr_loads(session, athlete_id)
        hr_load.refresh(session, athlete)
        after = activity_hr.hr_loads(session, athlete_id)
        moved = [i for i, v in after.items() if not _same(before.get(i), v) and i not in done]
        outcome.loads_moved = len(moved)
        days = [local_day(t, off, tz) for t, off in activity_store.starts_of(session, moved)]
        if days:
            day = min(days)
            pending.request_evaluation(session, athlete_id, day)
            prev = outcome.reevaluate_from
            outcome.reevaluate_from = day if prev is None else min(prev, day)
