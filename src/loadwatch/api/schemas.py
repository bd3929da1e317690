"""Request and response models: every route declares one, so /docs is the contract."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from loadwatch.clock import UtcDatetime
from loadwatch.ingest.sports import SPORTS
from loadwatch.services.athletes import parse_fast_threshold
from loadwatch.services.episodes import EpisodeOut
from loadwatch.services.flag_list import FlagOut
from loadwatch.services.importing import ImportReport
from loadwatch.services.rehab import SymptomOut, ToleranceOut


def format_pace(mps: float | None) -> str | None:
    """m/s → ``"m:ss"`` min/km."""
    if mps is None or mps <= 0:
        return None
    seconds = round(1000.0 / mps)
    return f"{seconds // 60}:{seconds % 60:02d}"


FastThreshold = Annotated[
    float | None,
    BeforeValidator(parse_fast_threshold),
    Field(
        description="pace in min/km ('4:30') or speed in m/s (3.7); null = derive from the "
        "athlete's own running",
        json_schema_extra={"examples": ["4:30", 3.7]},
    ),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        # PostgreSQL cannot store a NUL in text (SQLite can): refused here, on both, as what it
        # is, a malformed request, rather than a storage error.
        if _has_nul(data):
            raise ValueError("text must not contain a NUL (\\u0000) character")
        return data


class Page(_Out):
    """The one list envelope (``api/query.py``): ``data`` is this page; page on with
    ``offset += limit`` while ``offset < count``."""

    count: int = Field(description="every item matching the filters, over all pages")
    limit: int = Field(description="the page size asked for")
    offset: int = Field(description="items skipped before this page")


# --- health / me --------------------------------------------------------------------------
class Health(_Out):
    status: Literal["ok"]
    version: str
    database: Literal["ok"]


class Me(_Out):
    id: int
    name: str
    role: Literal["admin", "coach", "athlete"]
    athlete_id: int | None
    athlete_ids: list[int] = Field(description="the athletes this user can see")


# --- athletes -----------------------------------------------------------------------------
class AthleteCreate(_In):
    name: Name
    timezone: str = Field("UTC", description="IANA zone, e.g. Europe/Paris")
    fast_threshold: FastThreshold = None
    thresholds: dict[str, Any] = Field(
        default_factory=dict,
        description='rule overrides, e.g. {"session_spike": {"caution": 1.2}}',
    )


class AthletePatch(_In):
    name: Name | None = None
    timezone: str | None = None
    fast_threshold: FastThreshold = None
    thresholds: dict[str, Any] | None = None


class AthleteOut(_Out):
    id: int
    name: str
    timezone: str
    fast_speed_mps: float | None
    fast_pace: str | None = Field(None, description="the fast threshold as min/km")
    thresholds: dict[str, Any]
    created_at: UtcDatetime

    @classmethod
    def of(cls, athlete: Any) -> AthleteOut:
        out = cls.model_validate(athlete)
        out.fast_pace = format_pace(out.fast_speed_mps)
        return out


class AthleteList(Page):
    data: list[AthleteOut]


class AthleteCoaches(_Out):
    athlete_id: int
    coach_ids: list[int]


# --- activities ---------------------------------------------------------------------------
class ActivityOut(_Out):
    id: int
    athlete_id: int
    file_id: int | None
    name: str | None
    format: str
    sport: str
    start_time: UtcDatetime
    utc_offset_s: int | None
    elapsed_time_s: float
    moving_time_s: float
    distance_m: float
    elevation_gain_m: float | None
    elevation_loss_m: float | None
    avg_pace_s_per_km: float | None
    gap_distance_m: float | None
    uphill_distance_m: float | None
    downhill_distance_m: float | None
    fast_distance_m: float | None = Field(
        description="metres held quicker than the fast threshold of the run's local day "
        "(docs/fast.md); null for other sports"
    )
    max_speed_mps: float | None
    best_1km_s: float | None
    avg_hr: float | None
    max_hr: float | None
    n_samples: int
    device: str | None
    source_sha256: str
    session_index: int
    totals_source: dict[str, Any]
    sport_relabel: str | None = Field(
        None, description="the sport the user declared (PATCH), if any"
    )


class ActivityPatch(_In):
    sport: str = Field(
        description="the activity's sport as the user declares it: beats the export's type, "
        "the file's sport and any guess",
        json_schema_extra={"enum": list(SPORTS)},
    )

    @field_validator("sport")
    @classmethod
    def _known_sport(cls, value: str) -> str:
        clean = value.strip().lower()
        if clean not in SPORTS:
            raise ValueError(f"unknown sport {value!r}; one of: {', '.join(SPORTS)}")
        return clean


class ActivityRelabelled(_Out):
    activity: ActivityOut
    previous_sport: str
    reevaluate_from: date = Field(description="flags are re-evaluated from this local day on")


class ActivityPage(Page):
    data: list[ActivityOut]


class ActivityDeleted(_Out):
    id: int
    athlete_id: int
    reevaluate_from: date


class UploadedFile(_Out):
    file: str = Field(description="display path, e.g. export.zip/activities/1.fit.gz")
    status: Literal["imported", "duplicate", "not_activity", "failed"]
    reason: str | None
    activity_ids: list[int]
    warnings: list[str]


class UploadTotals(_Out):
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


class ManualEntry(_Out):
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


class ManualError(_Out):
    file: str
    line: int
    message: str


class SkippedMember(_Out):
    file: str = Field(description="display path of the archive member")
    reason: str


class RecoveredFile(_Out):
    """A file imported after a lenient read recovered from a defect, with what was wrong."""

    file: str
    warnings: list[str]


class UploadResult(_Out):
    files: list[UploadedFile]
    manual: list[ManualEntry]
    manual_errors: list[ManualError]
    skipped: list[SkippedMember]
    recovered: list[RecoveredFile]
    totals: UploadTotals

    @classmethod
    def of(cls, report: ImportReport) -> UploadResult:
        counts = report.counts()
        manual = report.manual_counts()
        return cls(
            files=[
                UploadedFile(
                    file=o.file,
                    status=o.status,
                    reason=o.reason,
                    activity_ids=o.activity_ids,
                    warnings=o.warnings,
                )
                for o in report.outcomes
            ],
            manual=[
                ManualEntry(
                    file=m.file,
                    line=r.line,
                    status="imported" if r.status == "imported" else "duplicate",
                    start_time=r.start,
                    sport=r.sport,
                    distance_m=r.distance_m,
                    moving_time_s=r.moving_time_s,
                    name=r.name,
                    activity_id=r.activity_id,
                )
                for m in report.manual
                for r in m.report.rows
            ],
            manual_errors=[
                ManualError(file=m.file, line=e.line, message=e.message)
                for m in report.manual
                for e in m.report.errors
            ],
            skipped=[SkippedMember(file=f, reason=why) for f, why in report.skipped],
            recovered=[RecoveredFile(file=o.file, warnings=o.warnings) for o in report.recovered()],
            totals=UploadTotals(
                files=len(report.outcomes),
                imported=counts["imported"],
                duplicate=counts["duplicate"],
                not_activity=counts["not_activity"],
                failed=counts["failed"],
                activities=sum(len(o.activity_ids) for o in report.outcomes),
                manual_imported=manual["imported"],
                manual_duplicate=manual["duplicate"],
                manual_failed=manual["failed"],
                skipped=len(report.skipped),
            ),
        )


# --- series / flags -----------------------------------------------------------------------
SeriesValue = float | int | str | date | datetime | bool | None


class SeriesOut(_Out):
    athlete_id: int
    period: Literal["day", "week"]
    columns: list[str]
    data: list[dict[str, SeriesValue]]


class SymptomPage(Page):
    data: list[SymptomOut]
    tolerance: list[ToleranceOut] = Field(
        description="the tolerated and provoking load per dimension, from every entry"
    )


class FlagList(Page):
    data: list[FlagOut]


class EpisodeList(Page):
    data: list[EpisodeOut]


class FlagAck(_In):
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=1000, description="flag ids to acknowledge"
    )


# --- webhooks -----------------------------------------------------------------------------
class WebhookCreate(_In):
    url: AnyHttpUrl = Field(
        description="https URL on a public address that receives a POST per new flag "
        "(plain http and in-house addresses only as the admin allows; see docs/webhooks.md)"
    )

    @field_validator("url")
    @classmethod
    def _no_credentials(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if url.username or url.password:
            raise ValueError("put no credentials in the URL; verify the signature instead")
        return url


class WebhookOut(_Out):
    id: int
    url: str
    active: bool
    created_at: UtcDatetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 signing secret, shown only this once")


class WebhookList(Page):
    data: list[WebhookOut]


# --- training logs ------------------------------------------------------------------------
class LogRowError(_Out):
    line: int
    message: str


class LogFileResult(_Out):
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


class LogUploadTotals(_Out):
    files: int
    imported: int
    duplicates: int
    bad_rows: int
    failed_files: int


class LogUploadResult(_Out):
    files: list[LogFileResult]
    totals: LogUploadTotals

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
