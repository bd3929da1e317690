"""What an upload reports: every file, archive member and training-log row accounted for."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from loadwatch.clock import UtcDatetime
from loadwatch.schemas.base import OutModel


class UploadedFile(OutModel):
    file: str = Field(description="display path, e.g. export.zip/activities/1.fit.gz")
    status: Literal["imported", "duplicate", "not_activity", "failed"]
    reason: str | None
    activity_ids: list[int]
    warnings: list[str]


class UploadTotals(OutModel):
    files: int
    imported: int
    duplicate: int
    not_activity: int
    failed: int
    activities: int
    manual_imported: int = Field(description="Strava manual entries imported from their rows")
    manual_duplicate: int = Field(description="manual entries already stored")
    manual_failed: int = Field(description="manual entry rows that could not be read")
    skipped: int = Field(description="archive members that are not activity files")


class ManualEntry(OutModel):
    """A Strava manual entry (an ``activities.csv`` row without a file), imported from its row
    (``totals_source: "log"``) or already stored."""

    file: str = Field(description="the activities.csv it came from")
    line: int
    status: Literal["imported", "duplicate"]
    start_time: UtcDatetime
    sport: str
    distance_m: float
    moving_time_s: float | None
    name: str | None
    activity_id: int | None


class ManualError(OutModel):
    file: str
    line: int
    message: str


class SkippedMember(OutModel):
    file: str = Field(description="display path of the archive member")
    reason: str


class UploadResult(OutModel):
    files: list[UploadedFile]
    manual: list[ManualEntry]
    manual_errors: list[ManualError]
    skipped: list[SkippedMember]
    recovered: list[str] = Field(
        description="the files imported after a lenient read recovered from a defect: each is "
        "an entry of `files` (the same `file`), whose `warnings` say what was wrong; listed "
        "here by name only, so a warning is told once"
    )
    totals: UploadTotals
    evaluation_pending: bool = Field(
        default=False,
        description="the athlete's flags and numbers are being re-evaluated after this upload: "
        "status, series and the dashboard say `evaluating` until it is done",
    )


class LogRowError(OutModel):
    line: int
    message: str


class LogFileResult(OutModel):
    """One uploaded training log (CSV): its rows imported, already stored or unreadable."""

    file: str
    status: Literal["imported", "duplicate", "failed"] = Field(
        description="imported: something new was stored; duplicate: every row was already "
        "stored; failed: not a training log, or no readable row"
    )
    reason: str | None = Field(description="why it failed")
    imported: int
    duplicates: int
    activity_ids: list[int]
    errors: list[LogRowError] = Field(description="rows that could not be read, with why")
    columns: dict[str, str] = Field(description="which CSV column each field was read from")
    from_date: date | None = Field(description="flags are re-evaluated from this local day on")
    symptom_days: list[date] = Field(description="days whose pain columns were recorded")


class LogUploadTotals(OutModel):
    files: int
    imported: int
    duplicates: int
    bad_rows: int
    failed_files: int


class LogUploadResult(OutModel):
    files: list[LogFileResult]
    totals: LogUploadTotals
    evaluation_pending: bool = Field(
        default=False,
        description="the athlete's flags and numbers are being re-evaluated after this upload: "
        "status, series and the dashboard say `evaluating` until it is done",
    )

    @classmethod
    def of(cls, files: list[LogFileResult]) -> LogUploadResult:
        return cls(
            files=files,
            totals=LogUploadTotals(
                files=len(files),
                imported=sum(f.imported for f in files),
                duplicates=sum(f.duplicates for f in files),
                bad_rows=sum(len(f.errors) for f in files),
                failed_files=sum(f.status == "failed" for f in files),
            ),
        )
