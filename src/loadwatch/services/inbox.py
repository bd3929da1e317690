"""The inbox: ``LOADWATCH_INBOX/<athlete>/…`` (a watch's activity folder, a synced export folder)
is scanned on a schedule and every new or changed file is imported once.

A file is remembered by (athlete, path) with its size, mtime and sha256: unchanged files are
not even read again; a file whose bytes changed is imported again (the importer still refuses
bytes it already has, so a copy under a new name is never imported twice).  Files younger than
``inbox_min_age_s`` are left for the next scan because they may still be being copied.

A folder must be named after an existing athlete: an unknown one (a typo, or a runner not yet
added) is left alone and logged, not turned into a new athlete that no coach is linked to and
so no dashboard shows.  Its files are imported on the first scan after the athlete exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.ingest.containers.folders import visible_files
from loadwatch.ingest.containers.sources import SourceNotes, iter_path
from loadwatch.services.import_report import FileOutcome, ImportReport, ManualOutcome
from loadwatch.services.importing import import_members
from loadwatch.store import athlete_rows
from loadwatch.store import inbox as entries
from loadwatch.store.athletes import find_athlete_by_name
from loadwatch.store.blobs import sha256_of
from loadwatch.store.db import Store

log = logging.getLogger(__name__)

# What one inbox file is remembered as when it held several activities (an archive).
_STATUS_ORDER = ("imported", "failed", "duplicate", "not_activity")


@dataclass
class InboxScan:
    outcomes: list[FileOutcome] = field(default_factory=list)
    touched_athletes: set[int] = field(default_factory=set)
    skipped_young: int = 0
    # What an archive held besides activity files, as the CLI and the API report it.
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (member, why)
    manual: list[ManualOutcome] = field(default_factory=list)
    # Folders naming no athlete, left alone: (folder, why).
    unknown_folders: list[tuple[str, str]] = field(default_factory=list)


# Unknown folders already logged by this process: a scan runs every minute, the warning once.
_warned: set[str] = set()


def _log_report(athlete: str, report: ImportReport) -> None:
    for o in report.outcomes:
        reason = f" ({o.reason})" if o.reason else ""
        log.info("inbox %s/%s: %s%s", athlete, o.file, o.status, reason)
        for w in o.warnings:
            log.info("inbox %s/%s: warning: %s", athlete, o.file, w)
    for m in report.manual:
        for r in m.report.rows:
            log.info(
                "inbox %s/%s line %d: manual entry %s (%s %.2f km, from the CSV row)",
                athlete, m.file, r.line, r.status, r.sport, r.distance_m / 1000,
            )  # fmt: skip
        for e in m.report.errors:
            log.info(
                "inbox %s/%s line %d: manual entry failed: %s", athlete, m.file, e.line, e.message
            )
    for f, why in report.skipped:
        log.info("inbox %s/%s: skipped: %s", athlete, f, why)


def _status(report: ImportReport) -> str:
    statuses = {o.status for o in report.outcomes}
    if any(r.status == "imported" for m in report.manual for r in m.report.rows):
        statuses.add("imported")
    return next((st_ for st_ in _STATUS_ORDER if st_ in statuses), "empty")


def scan_inbox(store: Store, settings: Settings) -> InboxScan:
    scan = InboxScan()
    root = settings.inbox
    if root is None or not root.is_dir():
        return scan
    now = utcnow().timestamp()
    for athlete_dir in sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    ):
        with store.transaction() as s:
            athlete = find_athlete_by_name(s, athlete_dir.name)
            if athlete is None:
                why = str(athlete_rows.not_found(s, athlete_dir.name))
                scan.unknown_folders.append((athlete_dir.name, why))
                if athlete_dir.name not in _warned:
                    _warned.add(athlete_dir.name)
                    log.warning(
                        "inbox %s/: left alone, %s; add the athlete (loadwatch import"
                        " --athlete, POST /api/v1/athletes) and link their coach",
                        athlete_dir.name, why,
                    )  # fmt: skip
                continue
            athlete_id = athlete.id
            seen = entries.entries(s, athlete_id)
        for path in visible_files(athlete_dir):
            rel = path.relative_to(athlete_dir).as_posix()
            st = path.stat()
            entry = seen.get(rel)
            if entry is not None and (entry.size, entry.mtime_ns) == (st.st_size, st.st_mtime_ns):
                continue
            # A file still being written is young; a modification time in the future (a skewed
            # clock on a network share or a device) says nothing about age, and must not keep
            # the file out for ever: a change after import is seen by its size and mtime.
            if 0.0 <= now - st.st_mtime < settings.inbox_min_age_s:
                scan.skipped_young += 1
                continue
            sha = sha256_of(path.read_bytes())
            outcome: dict[str, Any] | None = None
            if entry is not None and entry.sha256 == sha:
                status = entry.status  # touched, not changed
                outcome = entry.outcome
            else:
                notes = SourceNotes()
                members = iter_path(path, settings, notes)
                report = import_members(
                    store, athlete_id, members, notes=notes, workers=settings.import_workers
                )
                scan.outcomes.extend(report.outcomes)
                scan.skipped.extend(report.skipped)
                scan.manual.extend(report.manual)
                scan.touched_athletes.update(report.touched)
                status = _status(report)
                outcome = report.summary()
                # Named by the folder it lies in (Ana/watch/run.fit): a path that exists.
                _log_report(PurePosixPath(athlete_dir.name, rel).parent.as_posix(), report)
            with store.transaction() as s:
                row = entries.entry(s, athlete_id, rel)
                row.size, row.mtime_ns, row.sha256, row.status, row.outcome = (
                    st.st_size,
                    st.st_mtime_ns,
                    sha,
                    status,
                    outcome,
                )
                row.seen_at = utcnow()
    return scan
