"""Queries over the store: athletes, source files, activities, pending evaluations.

Only reads and writes rows; every number it stores was computed upstream (ingest/analytics).
Functions take a ``Session`` so callers decide the transaction (one file = one transaction).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
from sqlalchemy import Table, case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA, validate
from loadwatch.clock import as_utc, local_today
from loadwatch.errors import Conflict, InvalidRequest, NotFound
from loadwatch.ingest.activity import ActivitySummary
from loadwatch.store.models import Activity, Athlete, PendingEvaluation, SourceFile, name_key

MAX_NAME = 200


# --- athletes -----------------------------------------------------------------------------
def check_timezone(tz: str) -> str:
    """The IANA name, or ``InvalidRequest`` naming the bad value."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidRequest(
            f"unknown time zone {tz!r} (use an IANA name like Europe/Paris)"
        ) from e
    return tz


def _clean_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise InvalidRequest("athlete name must not be empty")
    if len(clean) > MAX_NAME:
        raise InvalidRequest(f"athlete name longer than {MAX_NAME} characters")
    return clean


def get_athlete(session: Session, athlete_id: int) -> Athlete:
    athlete = session.get(Athlete, athlete_id)
    if athlete is None:
        raise NotFound(f"no athlete with id {athlete_id}")
    return athlete


def find_athlete_by_name(session: Session, name: str) -> Athlete | None:
    """The athlete called ``name``, trimmed and compared case-insensitively (one athlete per
    person: "bea " and "Bea" are the same runner, the database's unique ``name_key`` says so);
    None when there is none."""
    return session.scalars(select(Athlete).where(Athlete.name_key == name_key(name))).first()


def get_athlete_by_name(session: Session, name: str) -> Athlete:
    athlete = find_athlete_by_name(session, name)
    if athlete is None:
        clean = name.strip()
        names = list(session.scalars(select(Athlete.name)))
        by_lower = {n.lower(): n for n in names}
        close = difflib.get_close_matches(clean.lower(), list(by_lower), n=1, cutoff=0.6)
        hint = f" — did you mean {by_lower[close[0]]!r}?" if close else ""
        raise NotFound(f"no athlete {clean!r}{hint}")
    return athlete


def get_or_create_athlete(session: Session, name: str, timezone: str | None = None) -> Athlete:
    """The athlete called ``name``; created (with ``timezone``, default UTC) when new.

    A time zone that contradicts an existing athlete's is a ``Conflict`` rather than a silent
    change: it would move every past activity to another local day.
    """
    clean = _clean_name(name)
    if timezone is not None:
        check_timezone(timezone)
    athlete = find_athlete_by_name(session, clean)
    if athlete is None:
        athlete = Athlete(name=clean, timezone=timezone or "UTC", thresholds={})
        try:
            # A savepoint, so that losing a creation race to another process keeps the
            # caller's transaction usable.
            with session.begin_nested():
                session.add(athlete)
        except IntegrityError:
            athlete = get_athlete_by_name(session, clean)
        else:
            return athlete
    if timezone is not None and athlete.timezone != timezone:
        raise Conflict(
            f"athlete {athlete.name!r} already exists with time zone {athlete.timezone}, "
            f"not {timezone} (change it with: loadwatch athlete set {athlete.name!r} "
            f"--timezone {timezone})"
        )
    return athlete


def save_athlete(session: Session, athlete: Athlete) -> Athlete:
    """Insert or update ``athlete`` now (flushed); a name another athlete has (trimmed, in any
    case) is a ``Conflict``, and the caller's transaction stays usable (a savepoint)."""
    try:
        with session.begin_nested():
            session.add(athlete)
            session.flush()
    except IntegrityError as e:
        raise Conflict(_name_taken(session, athlete.name)) from e
    return athlete


def _name_taken(session: Session, name: str) -> str:
    other = find_athlete_by_name(session, name)
    shown = other.name if other is not None else name.strip()
    return f"an athlete named {shown!r} already exists (names are matched ignoring case)"


def athlete_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Athlete.id).order_by(Athlete.id)))


def athlete_zones(session: Session) -> dict[int, str]:
    """Every athlete's time zone, by id."""
    rows = session.execute(select(Athlete.id, Athlete.timezone).order_by(Athlete.id)).tuples()
    return {aid: tz for aid, tz in rows}


def set_fast_threshold(athlete: Athlete, speed_mps: float | None) -> bool:
    """The coach's fast threshold from the athlete's local today on (the days before keep the
    threshold that was in force then); None goes back to the derived one everywhere.  True
    when it changed."""
    if speed_mps == athlete.fast_speed_mps:
        return False
    athlete.fast_speed_mps = speed_mps
    athlete.fast_speed_since = local_today(athlete.timezone) if speed_mps is not None else None
    return True


def update_athlete(
    session: Session,
    athlete: Athlete,
    *,
    name: str | None = None,
    timezone: str | None = None,
    fast_speed_mps: float | None = None,
) -> bool:
    """Rename, move to another time zone or set the fast threshold.  Returns True when the time
    zone or the threshold changed: every activity may then fall on another local day (or count
    other kilometres as fast), so a re-evaluation from the athlete's first day is requested in
    the same transaction."""
    if name is not None:
        clean = _clean_name(name)
        other = find_athlete_by_name(session, clean)
        if other is not None and other.id != athlete.id:
            raise Conflict(f"another athlete is already called {other.name!r}")
        athlete.name = clean
        save_athlete(session, athlete)  # a rename racing another is a Conflict too
    moved = False
    old_zone = athlete.timezone
    if timezone is not None:
        check_timezone(timezone)
        moved = timezone != athlete.timezone
        athlete.timezone = timezone
    if fast_speed_mps is not None:
        if not (fast_speed_mps > 0 and fast_speed_mps < 15):
            raise InvalidRequest(f"fast threshold {fast_speed_mps} m/s is not a running speed")
        moved |= set_fast_threshold(athlete, fast_speed_mps)
    session.flush()
    if moved:
        first = session.scalar(
            select(func.min(Activity.start_time)).where(Activity.athlete_id == athlete.id)
        )
        if first is not None:
            # Flags on the days the old zone gave are re-judged too: the earlier of the two.
            start = as_utc(first)
            day = min(start.astimezone(ZoneInfo(z)).date() for z in (old_zone, athlete.timezone))
            request_evaluation(session, athlete.id, day)
    return moved


def list_athletes(session: Session) -> list[Athlete]:
    return list(session.scalars(select(Athlete).order_by(Athlete.name)))


@dataclass(frozen=True, slots=True)
class ActivityStats:
    count: int
    first_start: datetime | None
    last_start: datetime | None


def activity_stats(session: Session) -> dict[int, ActivityStats]:
    """Per athlete id: how many activities and the first/last start (UTC)."""
    rows = session.execute(
        select(
            Activity.athlete_id,
            func.count(Activity.id),
            func.min(Activity.start_time),
            func.max(Activity.start_time),
        ).group_by(Activity.athlete_id)
    )
    return {aid: ActivityStats(n, first, last) for aid, n, first, last in rows}


# --- source files -------------------------------------------------------------------------
def find_file(session: Session, athlete_id: int, sha256: str) -> SourceFile | None:
    return session.scalars(
        select(SourceFile).where(SourceFile.athlete_id == athlete_id, SourceFile.sha256 == sha256)
    ).one_or_none()


def record_file(
    session: Session,
    *,
    athlete_id: int,
    sha256: str,
    name: str,
    size: int,
    format: str | None,
    status: str,
    reason: str | None,
    warnings: Sequence[str] = (),
    existing: SourceFile | None = None,
) -> SourceFile:
    """Insert the file's row, or overwrite ``existing`` (a retried file) in place; flushed, so
    the returned row has its id."""
    row = existing or SourceFile(athlete_id=athlete_id, sha256=sha256)
    row.name = name
    row.size = size
    row.format = format
    row.status = status
    row.reason = reason
    row.warnings = list(warnings) or None
    if existing is None:
        session.add(row)
    session.flush()
    return row


def list_files(
    session: Session,
    athlete_id: int,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[SourceFile], int]:
    """Newest first, with the total count for paging."""
    where = [SourceFile.athlete_id == athlete_id]
    if status is not None:
        where.append(SourceFile.status == status)
    total = session.scalar(select(func.count(SourceFile.id)).where(*where)) or 0
    rows = session.scalars(
        select(SourceFile)
        .where(*where)
        .order_by(SourceFile.updated_at.desc(), SourceFile.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


# --- activities ---------------------------------------------------------------------------
def add_activity(
    session: Session,
    *,
    athlete_id: int,
    summary: ActivitySummary,
    file_id: int | None,
    stream_path: str | None,
    name: str | None = None,
) -> Activity:
    """Store one summarised activity (flushed, so it has its id)."""
    row = Activity(
        athlete_id=athlete_id,
        file_id=file_id,
        source="file",
        format=summary.format,
        name=name if name is not None else summary.name,
        start_time=as_utc(summary.start_time),
        source_sha256=summary.source_sha256,
        session_index=summary.session_index,
        stream_path=stream_path,
        **_summary_numbers(summary),
    )
    session.add(row)
    session.flush()
    return row


def _summary_numbers(summary: ActivitySummary) -> dict[str, Any]:
    """What an analysis of the file decides: the sport and every number (not the identity)."""
    return {
        "sport": summary.sport,
        "utc_offset_s": summary.utc_offset_s,
        "elapsed_time_s": summary.elapsed_time_s,
        "moving_time_s": summary.moving_time_s,
        "stopped_time_s": summary.stopped_time_s,
        "distance_m": summary.distance_m,
        "elevation_gain_m": summary.elevation_gain_m,
        "elevation_loss_m": summary.elevation_loss_m,
        "avg_pace_s_per_km": summary.avg_pace_s_per_km,
        "gap_distance_m": summary.gap_distance_m,
        "uphill_distance_m": summary.uphill_distance_m,
        "downhill_distance_m": summary.downhill_distance_m,
        "fast_distance_m": summary.fast_distance_m,
        "max_speed_mps": summary.max_speed_mps,
        "best_1km_s": summary.best_1km_s,
        "avg_hr": summary.avg_hr,
        "max_hr": summary.max_hr,
        "n_samples": summary.n_samples,
        "device": summary.device,
        "totals_source": dict(summary.totals_source),
        "speed_hist_m": list(summary.speed_hist_m) if summary.speed_hist_m is not None else None,
        "gap_speed_hist_m": (
            list(summary.gap_speed_hist_m) if summary.gap_speed_hist_m is not None else None
        ),
    }


def reanalysed(session: Session, activity: Activity, summary: ActivitySummary) -> Activity:
    """Overwrite the activity's sport and numbers with a new analysis of its file (flushed)."""
    for key, value in _summary_numbers(summary).items():
        setattr(activity, key, value)
    session.flush()
    return activity


def activities_starting_near(
    session: Session, athlete_id: int, start: datetime, window: timedelta
) -> list[Activity]:
    """The athlete's activities whose start lies within ``window`` of ``start``."""
    start = as_utc(start)
    return list(
        session.scalars(
            select(Activity)
            .where(
                Activity.athlete_id == athlete_id,
                Activity.start_time >= start - window,
                Activity.start_time <= start + window,
            )
            .order_by(Activity.start_time)
        )
    )


def list_activities(
    session: Session,
    athlete_id: int,
    limit: int = 50,
    offset: int = 0,
    *,
    since: datetime | None = None,
    before: datetime | None = None,
    sport: str | None = None,
) -> tuple[list[Activity], int]:
    """Newest first, with the count of all that match for paging; ``since <= start_time <
    before`` (UTC) and ``sport`` filter when given."""
    where = [Activity.athlete_id == athlete_id]
    if since is not None:
        where.append(Activity.start_time >= since)
    if before is not None:
        where.append(Activity.start_time < before)
    if sport is not None:
        where.append(Activity.sport == sport)
    total = session.scalar(select(func.count(Activity.id)).where(*where))
    rows = session.scalars(
        select(Activity)
        .where(*where)
        .order_by(Activity.start_time.desc(), Activity.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0


def activity_by_id(session: Session, activity_id: int) -> Activity | None:
    return session.get(Activity, activity_id)


def first_start(session: Session, athlete_id: int) -> datetime | None:
    """The UTC start of the athlete's first activity."""
    first = session.scalar(
        select(func.min(Activity.start_time)).where(Activity.athlete_id == athlete_id)
    )
    return as_utc(first) if first is not None else None


def last_activity(session: Session, athlete_id: int) -> Activity | None:
    return session.scalars(
        select(Activity)
        .where(Activity.athlete_id == athlete_id)
        .order_by(Activity.start_time.desc(), Activity.id.desc())
        .limit(1)
    ).first()


def last_activities(
    session: Session, athlete_ids: Sequence[int]
) -> dict[int, tuple[int, datetime]]:
    """Per athlete, the newest activity of any sport: (id, start UTC)."""
    newest = (
        select(Activity.athlete_id, func.max(Activity.start_time).label("t"))
        .where(Activity.athlete_id.in_(athlete_ids))
        .group_by(Activity.athlete_id)
        .subquery()
    )
    rows = session.execute(
        select(Activity.athlete_id, Activity.id, Activity.start_time)
        .join(
            newest,
            (Activity.athlete_id == newest.c.athlete_id) & (Activity.start_time == newest.c.t),
        )
        .order_by(Activity.id)
    ).all()
    return {aid: (act_id, as_utc(t)) for aid, act_id, t in rows}


def last_uploads(session: Session, athlete_ids: Sequence[int]) -> dict[int, datetime]:
    """Per athlete, when a file was last received (a repeat upload touches ``updated_at``)."""
    rows = session.execute(
        select(
            SourceFile.athlete_id,
            func.max(SourceFile.created_at),
            func.max(SourceFile.updated_at),
        )
        .where(SourceFile.athlete_id.in_(athlete_ids))
        .group_by(SourceFile.athlete_id)
    ).all()
    return {
        aid: max(as_utc(t) for t in (created, updated) if t is not None)
        for aid, created, updated in rows
        if created is not None or updated is not None
    }


def delete_activity(session: Session, activity: Activity) -> None:
    session.delete(activity)
    session.flush()


def file_by_id(session: Session, file_id: int) -> SourceFile | None:
    return session.get(SourceFile, file_id)


def file_activity_count(session: Session, file_id: int) -> int:
    return session.scalar(select(func.count(Activity.id)).where(Activity.file_id == file_id)) or 0


def delete_file(session: Session, source: SourceFile) -> None:
    session.delete(source)
    session.flush()


def log_activity_keys(session: Session, athlete_id: int, keys: set[str]) -> set[tuple[str, int]]:
    """(row digest, occurrence) of the athlete's training-log activities among ``keys``."""
    rows = session.execute(
        select(Activity.source_sha256, Activity.session_index).where(
            Activity.athlete_id == athlete_id,
            Activity.source == "csv",
            Activity.source_sha256.in_(keys),
        )
    )
    return {(k, i) for k, i in rows if k is not None}


def recorded_spans(session: Session, athlete_id: int) -> list[tuple[datetime, float]]:
    """(UTC start, elapsed s) of the athlete's activities from files, sorted by start."""
    rows = session.execute(
        select(Activity.start_time, Activity.elapsed_time_s)
        .where(Activity.athlete_id == athlete_id, Activity.source != "csv")
        .order_by(Activity.start_time)
    )
    return [(as_utc(t), e) for t, e in rows]


def add_activities(session: Session, rows: Sequence[Activity]) -> None:
    """Insert (flushed, so each has its id)."""
    session.add_all(rows)
    session.flush()


def get_activity(session: Session, athlete_id: int, activity_id: int) -> Activity:
    row = session.get(Activity, activity_id)
    if row is None or row.athlete_id != athlete_id:
        raise NotFound(f"no activity {activity_id} for this athlete")
    return row


def activity_frame(session: Session, athlete_id: int) -> pl.DataFrame:
    """Every activity of the athlete (running or not) as ``ACTIVITY_FRAME_SCHEMA``, by start."""
    cols = [c for c in ACTIVITY_FRAME_SCHEMA if c != "activity_id"]
    rows = session.execute(
        select(Activity.id, *(getattr(Activity, c) for c in cols))
        .where(Activity.athlete_id == athlete_id)
        .order_by(Activity.start_time, Activity.id)
    ).all()
    data: dict[str, list[Any]] = {"activity_id": [r[0] for r in rows]}
    for i, c in enumerate(cols, start=1):
        data[c] = [r[i] for r in rows]
    data["start_time"] = [as_utc(t) for t in data["start_time"]]
    df = pl.DataFrame(data, schema=ACTIVITY_FRAME_SCHEMA)
    validate(df, ACTIVITY_FRAME_SCHEMA, "activity frame")
    return df


# --- pending evaluations ------------------------------------------------------------------
def request_evaluation(session: Session, athlete_id: int, from_date: date) -> None:
    """Ask for the athlete's flags to be re-evaluated from ``from_date`` (local) on, keeping an
    earlier pending date: one atomic upsert, so concurrent imports cannot lose a request."""
    dialect = session.get_bind().dialect.name
    table: Table = PendingEvaluation.__table__  # type: ignore[assignment]
    if dialect == "postgresql":
        stmt: Any = pg_insert(table)
    elif dialect == "sqlite":
        stmt = sqlite_insert(table)
    else:  # pragma: no cover - only the two supported databases
        pending = session.get(PendingEvaluation, athlete_id)
        if pending is None:
            session.add(PendingEvaluation(athlete_id=athlete_id, from_date=from_date))
        elif from_date < pending.from_date:
            pending.from_date = from_date
        session.flush()
        return
    stmt = stmt.values(athlete_id=athlete_id, from_date=from_date)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.athlete_id],
        set_={
            "from_date": case(
                (stmt.excluded.from_date < table.c.from_date, stmt.excluded.from_date),
                else_=table.c.from_date,
            ),
            "requested_at": func.now(),
        },
    )
    session.execute(stmt)


def pending_from(session: Session, athlete_id: int) -> date | None:
    pending = session.get(PendingEvaluation, athlete_id)
    return pending.from_date if pending is not None else None
