"""CSV training logs into the store: one ``Activity`` (source "csv") per logged row.

The raw file is kept in the blob store like any other upload.  Each row is keyed by a digest of
its normalised content (``LogRow.digest``), with identical rows in one file told apart by their
occurrence number, so importing the same log again - or a longer version of it - adds only the
new rows.  The activities and the ``PendingEvaluation`` they call for are written in one
transaction.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loadwatch.analytics.days import local_day
from loadwatch.clock import local_today
from loadwatch.ingest.formats.csvlog import CsvLog, LogRow, RowError, parse_log, resolve_start
from loadwatch.services.rehab import EARLIEST
from loadwatch.services.sameness import SAME_ACTIVITY_WINDOW, carries_a_run, same_time
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store import pending
from loadwatch.store import symptoms as symptom_store
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity, Athlete


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What became of one readable row: ``imported`` (with its activity) or ``duplicate``."""

    line: int
    status: str
    start: datetime
    sport: str
    distance_m: float
    moving_time_s: float | None
    name: str | None
    activity_id: int | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "status": self.status,
            "start_time": self.start,
            "sport": self.sport,
            "distance_m": self.distance_m,
            "moving_time_s": self.moving_time_s,
            "name": self.name,
            "activity_id": self.activity_id,
        }


@dataclass
class CsvImportReport:
    file: str
    imported: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    from_date: date | None = None  # earliest local day touched; None when nothing new
    rows: list[RowOutcome] = field(default_factory=list)  # every readable row, in file order
    symptom_days: list[date] = field(default_factory=list)  # days given pain (docs/rehab.md)

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.file,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "errors": [{"line": e.line, "message": e.message} for e in self.errors],
            "activity_ids": self.activity_ids,
            "columns": self.columns,
            "from_date": self.from_date.isoformat() if self.from_date else None,
            "symptom_days": [d.isoformat() for d in self.symptom_days],
        }


def _activity(
    athlete_id: int, row: LogRow, key: str, index: int, tz: ZoneInfo, file_id: int
) -> Activity:
    def zone(naive: datetime) -> timedelta | None:
        return naive.replace(tzinfo=tz).utcoffset()

    start, offset = resolve_start(row, zone)
    moving = row.moving_time_s
    totals = {"distance_m": "log"}
    if moving is None:
        # The schema wants a number; 0 with "missing" recorded is honest about it.
        totals["moving_time_s"] = "missing"
    else:
        totals["moving_time_s"] = "log"
    if row.elevation_gain_m is not None:
        totals["elevation_gain_m"] = "log"
    if row.fast_distance_m is not None:
        totals["fast_distance_m"] = "log"
    pace = moving / (row.distance_m / 1000) if moving and row.distance_m > 0 else None
    return Activity(
        athlete_id=athlete_id,
        file_id=file_id,
        source="csv",
        format="csv",
        sport=row.sport,
        name=row.name,
        start_time=start,
        utc_offset_s=offset,
        elapsed_time_s=row.elapsed_time_s if row.elapsed_time_s is not None else (moving or 0.0),
        moving_time_s=moving or 0.0,
        distance_m=row.distance_m,
        elevation_gain_m=row.elevation_gain_m,
        avg_pace_s_per_km=pace,
        fast_distance_m=row.fast_distance_m,
        rpe=row.rpe,
        n_samples=0,
        source_sha256=key,
        session_index=index,
        totals_source=totals,
    )


def import_log(store: Store, athlete_id: int, data: bytes, name: str) -> CsvImportReport:
    """Parse ``data`` as a training log and store its new rows.  Raises ``CorruptFile`` when the
    file is not a training log at all; bad rows are reported, not fatal."""
    log: CsvLog = parse_log(data, name)
    report = CsvImportReport(file=name, errors=list(log.errors), columns=log.columns)
    sha = store.blobs.put(data)
    with store.transaction() as s:
        athlete = athlete_store.get_athlete(s, athlete_id)
        tz = ZoneInfo(athlete.timezone)
        existing = file_store.find_file(s, athlete_id, sha)
        src = file_store.record_file(
            s,
            athlete_id=athlete_id,
            sha256=sha,
            name=name,
            size=len(data),
            format="csv",
            status="imported" if log.rows else "failed",
            reason=None if log.rows else "no readable rows",
            warnings=[str(e) for e in log.errors][:100],
            existing=existing,
        )
        keys = [r.digest() for r in log.rows]
        seen = activity_store.log_activity_keys(s, athlete_id, set(keys))
        recorded = activity_store.recorded_spans(s, athlete_id)
        # A run in the log is hidden only by a recorded run: a 0 km "other" file of the same
        # minutes must not swallow it (sameness.log_row_hides).
        recorded_runs = activity_store.recorded_spans(s, athlete_id, runs_only=True)
        occurrence: Counter[str] = Counter()
        new: list[Activity] = []
        fates: list[tuple[LogRow, Activity | None]] = []
        rpe_of_seen: dict[tuple[str, int], float] = {}
        rpe_days: list[date] = []
        today = local_today(athlete.timezone)
        for row, key in zip(log.rows, keys, strict=True):
            index = occurrence[key]
            occurrence[key] += 1
            if (day := _row_day(row, tz)) > today:
                # A typo'd year would count as a real run on a day not yet lived, and raise
                # flags then; a run still to come is a plan, not a log.
                report.errors.append(RowError(row.line, future_row(day, today)))
                fates.append((row, None))
                continue
            if (key, index) in seen:
                report.duplicates += 1
                fates.append((row, None))
                if row.rpe is not None:
                    # The same log again with an rpe column: complete the runs it holds.
                    rpe_of_seen[(key, index)] = row.rpe
                    rpe_days.append(_row_day(row, tz))
                continue
            act = _activity(athlete_id, row, key, index, tz, src.id)
            spans = recorded_runs if carries_a_run(act.sport, act.distance_m) else recorded
            if row.time_known and _already_recorded(spans, act):
                # Strava's activities.csv next to the FIT files it lists: the file wins.
                report.duplicates += 1
                fates.append((row, None))
                continue
            new.append(act)
            fates.append((row, act))
        activity_store.add_activities(s, new)
        refused = {e.line for e in report.errors}
        report.rows = [
            RowOutcome(
                line=row.line,
                status="duplicate" if act is None else "imported",
                start=row.start,
                sport=row.sport,
                distance_m=row.distance_m,
                moving_time_s=row.moving_time_s,
                name=row.name,
                activity_id=None if act is None else act.id,
            )
            for row, act in fates
            if row.line not in refused
        ]
        report.errors.sort(key=lambda e: e.line)
        report.imported = len(new)
        report.activity_ids = [a.id for a in new]
        days = [local_day(a.start_time, a.utc_offset_s, tz) for a in new]
        days += _symptoms(s, athlete, log, tz, report)
        if activity_store.set_log_rpe(s, athlete_id, rpe_of_seen):
            days += rpe_days
        if days:
            report.from_date = min(days)
            pending.request_evaluation(s, athlete_id, report.from_date)
    return report


def _symptoms(
    session: Session, athlete: Athlete, log: CsvLog, tz: ZoneInfo, report: CsvImportReport
) -> list[date]:
    """The rows' pain columns as symptom entries of their local days (a later row of the same
    day completes an earlier one); a day in the athlete's future is a row error."""
    today = local_today(athlete.timezone)
    by_day: dict[date, dict[str, object]] = {}
    for row in log.rows:
        pains = row.pains()
        if not pains:
            continue
        day = _row_day(row, tz)
        if day > today:
            if all(e.line != row.line for e in report.errors):  # not twice for a future run
                report.errors.append(RowError(row.line, f"pain on {day}, a day in the future"))
            continue
        if day < EARLIEST:
            report.errors.append(RowError(row.line, f"pain on {day}, before {EARLIEST}"))
            continue
        by_day.setdefault(day, {}).update(pains)
    for day, values in sorted(by_day.items()):
        symptom_store.upsert(session, athlete.id, day, {**values, "source": "csv"})
    report.symptom_days = sorted(by_day)
    return report.symptom_days


def future_row(day: date, today: date) -> str:
    """Why a logged activity dated after the athlete's today is refused."""
    return (
        f"{day} is in the future (today is {today} for the athlete);"
        " planned runs go to plan add or plan import"
    )


def _row_day(row: LogRow, tz: ZoneInfo) -> date:
    """The athlete's local day of a log row."""
    start, offset = resolve_start(row, lambda naive: naive.replace(tzinfo=tz).utcoffset())
    if offset is not None:
        return (start + timedelta(seconds=offset)).date()
    return start.astimezone(tz).date()


def _already_recorded(recorded: list[tuple[datetime, float]], act: Activity) -> bool:
    start = act.start_time
    lo = bisect_left(recorded, (start - SAME_ACTIVITY_WINDOW, -1.0))
    hi = bisect_right(recorded, (start + SAME_ACTIVITY_WINDOW, float("inf")))
    return any(same_time(t, e, start, act.elapsed_time_s) for t, e in recorded[lo:hi])
