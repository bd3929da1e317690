"""Files → store: raw bytes first, then decode, summarise, de-duplicate and store activities.

The single writer stores up to ``BATCH_FILES`` files per transaction (one file when an
upload's CPU budget must be checked between files).  A bad file costs only itself: it is
recorded as failed with its reason and its neighbours are stored.  Decoding and
summarising (``analyse``, in ``ingest.analysis``) is a pure function of the bytes, the name
and the athlete's settings, so a process pool can take it over without touching the rest; it
runs outside any database transaction so a slow decode never holds SQLite's write lock.

What stops an import: only the store itself failing (``StoreError``: disk, database),
because then no later file could be recorded either.  The batches already written stay
committed; the batch being written when the store failed is rolled back whole, and its files
are stored by the next import of the same input (their raw bytes are already kept).

This module runs an import; its steps live beside it: ``import_prepare`` (one member up to its
rows), ``import_writer`` (the single writer, a batch per transaction), ``import_report`` (what
an import tells).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from loadwatch.analytics.days import local_day
from loadwatch.clock import as_utc
from loadwatch.config import Settings
from loadwatch.errors import Conflict, IngestError, LoadwatchError, StoreError, one_line
from loadwatch.ingest import tz
from loadwatch.ingest.analysis import (
    DecodedActivity,
    DecodedFile,
    DecoderCrash,
    analyse,
    file_format,
    iter_paths,
)
from loadwatch.ingest.containers.sources import ManualLog, Member, SourceNotes
from loadwatch.ingest.zones import ZoneGuess, rank
from loadwatch.services import hr_load
from loadwatch.services.athletes import change_athlete
from loadwatch.services.decode_ahead import Lookahead, import_workers
from loadwatch.services.decode_worker import PackedFile
from loadwatch.services.import_prepare import ImportAthlete
from loadwatch.services.import_report import FileOutcome, ImportReport, ManualOutcome, ZoneChoice
from loadwatch.services.import_writer import ImportWriter
from loadwatch.services.upload_budget import UploadBudget
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity

log = logging.getLogger(__name__)

# The pure step lives in ingest.analysis (light for worker processes and for ``inspect``);
# these names stay importable from here.
__all__ = [
    "DecodedActivity",
    "DecodedFile",
    "DecoderCrash",
    "analyse",
    "file_format",
    "import_members",
    "import_paths",
    "iter_paths",
]


# Files stored per transaction by an import without a budget (the CLI, the inbox): one
# transaction, one lookup of the batch's files and activities, one INSERT per table.  An
# upload with a budget stores one file per transaction: its CPU clock is checked between files.
BATCH_FILES = 32


@dataclass(slots=True)
class _ZonePick:
    """A new athlete's zone, chosen while the import runs: the guess of the file whose newest
    activity started last (where the runner lives now, not whichever file sorts first: trial
    11 F8), a place's zone before a device's fixed offset (``ingest.zones.rank``); and the
    files whose local times came from the athlete's zone (no device offset, no GPS), to date
    again once the zone is chosen."""

    guess: ZoneGuess | None = None
    file: str | None = None
    start: datetime | None = None
    zoneless: set[str] = field(default_factory=set)

    def see(self, name: str, decoded: PackedFile) -> None:
        if decoded.zoneless:
            self.zoneless.add(name)
        guess, start = decoded.zone, decoded.zone_start
        if guess is None or start is None:
            return
        if (
            self.guess is None
            or self.start is None
            or rank(guess, start) > rank(self.guess, self.start)
        ):
            self.guess, self.file, self.start = guess, name, start


def _settle_zone(
    store: Store, athlete_id: int, report: ImportReport, pick: _ZonePick, used: str
) -> None:
    """Sets the chosen zone, and dates again the activities stored under ``used`` (the zone the
    import ran with) whose local times came from the zone, so that the store holds what an
    import with ``--timezone`` of the chosen zone would have stored."""
    assert pick.guess is not None
    zone = pick.guess.zone
    report.timezone = ZoneChoice(zone, pick.guess.why, pick.file)
    if zone == used:
        return
    ids = [i for o in report.outcomes if o.file in pick.zoneless for i in o.activity_ids]
    with store.transaction() as session:
        change_athlete(session, athlete_store.get_athlete(session, athlete_id), timezone=zone)
        for activity_id in ids:
            activity = activity_store.activity_by_id(session, activity_id)
            if activity is None:  # replaced later in the same import
                continue
            # The zone reaches an analysis only as the start's offset (``_start_offset`` in
            # ingest.summary.summarise): where both zones give the same, nothing would change.
            start = as_utc(activity.start_time)
            if tz.offset_in_zone(used, start) != tz.offset_in_zone(zone, start):
                _redate(store, session, activity, zone)
            day = local_day(as_utc(activity.start_time), activity.utc_offset_s, zone)
            prev = report.touched.get(athlete_id)
            report.touched[athlete_id] = day if prev is None else min(prev, day)


def _redate(store: Store, session: Session, activity: Activity, zone: str) -> None:
    """The activity analysed again from its kept bytes in ``zone``, with the export's declared
    sport it was stored with (``ingest.sports_choice``): the row an import in that zone writes."""
    declared = activity.sport if (activity.totals_source or {}).get("sport") == "export" else None
    try:
        decoded = analyse(
            store.blobs.get(activity.source_sha256),
            f"activity.{activity.format}",
            sha256=activity.source_sha256,
            fast_speed_mps=activity.athlete.fast_speed_mps,
            default_tz=zone,
            declared_sport=declared,
        )
    except (IngestError, StoreError) as e:  # it was read a moment ago: kept as stored
        log.warning("activity %d not dated again in %s (%s)", activity.id, zone, e)
        return
    for act in decoded.activities:
        if act.summary.session_index == activity.session_index:
            activity_store.reanalysed(session, activity, act.summary)


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
    zone was given, so the zone of the newest activity whose file tells one sets it
    (``report.timezone``), as if it had been given.  With a
    ``budget``, reading stops once its CPU time is spent: one last outcome says so.
    """
    with store.sessions() as session:
        a = athlete_store.get_athlete(session, athlete_id)
        athlete = ImportAthlete(a.id, ZoneInfo(a.timezone), a.timezone, a.fast_speed_mps)
    report = ImportReport()
    # Every file is asked its zone and the athlete keeps the zone it had for the whole
    # import: decoding ahead never has to start again, and the few files dated by the zone
    # are dated again once it is chosen (``_settle_zone``).
    pick = _ZonePick() if choose_timezone else None

    def on_decoded(name: str, decoded: PackedFile) -> ImportAthlete:
        if pick is not None:
            pick.see(name, decoded)
        return athlete

    size = max(1, batch if batch is not None else 1 if budget is not None else BATCH_FILES)
    ahead = Lookahead(
        store,
        lambda: athlete,
        iter(members),
        import_workers(workers),
        batch=size,
        want_zone=lambda: choose_timezone,
    )
    writer = ImportWriter(store, report, athlete_id, budget, progress, size)
    try:
        writer.run(ahead, on_decoded, lambda: choose_timezone)
    finally:
        ahead.close()
    if pick is not None and pick.guess is not None:
        _settle_zone(store, athlete_id, report, pick, athlete.tz_name)
    return _finish(store, athlete_id, report, notes, choose_timezone, athlete.tz_name)


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
    if report.touched:
        # Each file's load was computed with the maximum heart rate as it stood when the file
        # was stored; a harder run later in the same import can raise an estimated maximum.
        # The evaluation's basis, settled here, so the loads an import leaves are the ones the
        # next `report` shows, and a move of the basis is recorded to be said (trial9 F8).
        try:
            with store.transaction() as session:
                hr_load.refresh_athlete(session, athlete_id)
        except Conflict:
            # A concurrent import replaced the run the basis names: the files are stored, and
            # the evaluation this import requested settles the basis (it retries a clash).
            pass
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
