"""The inbox: ``LOADWATCH_INBOX/<athlete>/…`` (a watch's activity folder, a synced export folder)
is scanned on a schedule and every new or changed file is imported once.

A file is remembered by (athlete, path) with its size, mtime and sha256: unchanged files are
not even read again; a file whose bytes changed is imported again (the importer still refuses
bytes it already has, so a copy under a new name is never imported twice).  Files younger than
``inbox_min_age_s`` are left for the next scan because they may still be being copied.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from loadwatch.clock import utcnow
from loadwatch.config import Settings
from loadwatch.ingest.sources import iter_path, visible_files
from loadwatch.services.importing import FileOutcome, import_members
from loadwatch.store import inbox as entries
from loadwatch.store.blobs import sha256_of
from loadwatch.store.db import Store
from loadwatch.store.repo import get_or_create_athlete

log = logging.getLogger(__name__)

# What one inbox file is remembered as when it held several activities (an archive).
_STATUS_ORDER = ("imported", "failed", "duplicate", "not_activity")


@dataclass
class InboxScan:
    outcomes: list[FileOutcome] = field(default_factory=list)
    touched_athletes: set[int] = field(default_factory=set)
    skipped_young: int = 0


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
            athlete_id = get_or_create_athlete(s, athlete_dir.name).id
            seen = entries.entries(s, athlete_id)
        for path in visible_files(athlete_dir):
            rel = path.relative_to(athlete_dir).as_posix()
            st = path.stat()
            entry = seen.get(rel)
            if entry is not None and (entry.size, entry.mtime_ns) == (st.st_size, st.st_mtime_ns):
                continue
            if now - st.st_mtime < settings.inbox_min_age_s:
                scan.skipped_young += 1
                continue
            sha = sha256_of(path.read_bytes())
            if entry is not None and entry.sha256 == sha:
                status = entry.status  # touched, not changed
            else:
                report = import_members(
                    store, athlete_id, iter_path(path, settings), workers=settings.import_workers
                )
                scan.outcomes.extend(report.outcomes)
                scan.touched_athletes.update(report.touched)
                statuses = {o.status for o in report.outcomes}
                status = next((st_ for st_ in _STATUS_ORDER if st_ in statuses), "empty")
                for o in report.outcomes:
                    log.info(
                        "inbox %s/%s: %s%s",
                        athlete_dir.name,
                        o.file,
                        o.status,
                        f" ({o.reason})" if o.reason else "",
                    )
            with store.transaction() as s:
                row = entries.entry(s, athlete_id, rel)
                row.size, row.mtime_ns, row.sha256, row.status = (
                    st.st_size,
                    st.st_mtime_ns,
                    sha,
                    status,
                )
                row.seen_at = utcnow()
    return scan
