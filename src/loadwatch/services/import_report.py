"""What an import tells: one outcome per file, Strava's manual entries, the zone chosen for a new
athlete, and the totals the CLI, the API and the inbox show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from loadwatch.errors import one_line

if TYPE_CHECKING:
    from loadwatch.services.csv_import import CsvImportReport

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


def point_log_elsewhere(outcome: FileOutcome, where: str) -> None:
    """A training log (CSV) sent as an activity file reads as an unknown format: its failure
    names where logs go (``where``: the CLI's command or the API's endpoint), in the same
    words on every face."""
    if outcome.status == "failed" and outcome.file.lower().endswith(".csv"):
        outcome.reason = f"{outcome.reason}; a training log (CSV) goes to {where}"


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
