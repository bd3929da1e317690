"""Activity rows: every number stored was computed upstream (ingest/analytics); here they
are written, listed and read back as frames.  Callers decide the transaction."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from loadwatch.analytics.effort import EFFORT_FRAME_SCHEMA
from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA, validate
from loadwatch.clock import as_utc
from loadwatch.errors import NotFound
from loadwatch.ingest.derivation import DERIVATION
from loadwatch.ingest.sports import RUNNING_SPORTS
from loadwatch.ingest.summary import hrload
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.store.models import Activity, Athlete


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
    row = new_activity(
        athlete_id=athlete_id, summary=summary, file_id=file_id, stream_path=stream_path, name=name
    )
    session.add(row)
    session.flush()
    return row


def new_activity(
    *,
    athlete_id: int,
    summary: ActivitySummary,
    file_id: int | None,
    stream_path: str | None,
    name: str | None = None,
) -> Activity:
    """One summarised activity as a row not yet in any session: an import batch adds its rows
    together, once their files have ids (``add_activities``)."""
    return Activity(
        athlete_id=athlete_id,
        file_id=file_id,
        source="file",
        format=summary.format,
        name=name if name is not None else summary.name,
        start_time=as_utc(summary.start_time),
        source_sha256=summary.source_sha256,
        session_index=summary.session_index,
        stream_path=stream_path,
        hr_load=None,  # set by the import (services/hr_load.py); every row of a batch alike
        derivation=DERIVATION,
        **_summary_numbers(summary),
    )


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
        "sustained_speed_hist_m": (
            list(summary.sustained_speed_hist_m)
            if summary.sustained_speed_hist_m is not None
            else None
        ),
        "flat_speed_hist_m": (
            list(summary.flat_speed_hist_m) if summary.flat_speed_hist_m is not None else None
        ),
        "hr_time_hist_s": (
            list(summary.hr_time_hist_s) if summary.hr_time_hist_s is not None else None
        ),
        "hr_peak_bpm": (
            hrload.sustained_peak(np.asarray(summary.hr_time_hist_s, dtype=np.float64))
            if summary.hr_time_hist_s is not None
            else None
        ),
    }


def reanalysed(session: Session, activity: Activity, summary: ActivitySummary) -> Activity:
    """Overwrite the activity's sport, start and numbers with a new analysis of its file
    (flushed), recording the derivation that made them.  The row keeps its id, name, RPE,
    relabel and file: what points at it or what the user set."""
    for key, value in derived_figures(summary).items():
        setattr(activity, key, value)
    activity.derivation = DERIVATION
    session.flush()
    return activity


# The columns an analysis of the file sets (``derived_figures``): what re-deriving compares.
DERIVED_COLUMNS = (
    "start_time", "sport", "utc_offset_s", "elapsed_time_s", "moving_time_s", "stopped_time_s",
    "distance_m", "elevation_gain_m", "elevation_loss_m", "avg_pace_s_per_km", "gap_distance_m",
    "uphill_distance_m", "downhill_distance_m", "fast_distance_m", "max_speed_mps",
    "best_1km_s", "avg_hr", "max_hr", "n_samples", "device", "totals_source", "speed_hist_m",
    "gap_speed_hist_m", "sustained_speed_hist_m", "flat_speed_hist_m", "hr_time_hist_s",
    "hr_peak_bpm",
)  # fmt: skip


def derived_figures(summary: ActivitySummary) -> dict[str, Any]:
    """Every column a new analysis of the file sets, as stored: what re-deriving compares."""
    return {"start_time": as_utc(summary.start_time), **_summary_numbers(summary)}


def stale_activities(session: Session, athlete_id: int) -> list[Activity]:
    """The athlete's activities from files whose figures an older derivation produced (or one
    from before revision 0017: null), by start."""
    return list(
        session.scalars(
            select(Activity)
            .where(
                Activity.athlete_id == athlete_id,
                Activity.source == "file",
                or_(Activity.derivation.is_(None), Activity.derivation < DERIVATION),
            )
            .order_by(Activity.start_time, Activity.id)
        )
    )


def file_activities(session: Session, athlete_id: int) -> list[Activity]:
    """The athlete's activities from files, by start (``reprocess --duplicates`` compares
    them all)."""
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.athlete_id == athlete_id, Activity.source == "file")
            .order_by(Activity.start_time, Activity.id)
        )
    )


def log_row_count(session: Session, athlete_id: int) -> int:
    """How many of the athlete's activities are training-log rows (nothing to re-derive)."""
    q = select(func.count(Activity.id)).where(
        Activity.athlete_id == athlete_id, Activity.source == "csv"
    )
    return session.scalar(q) or 0


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


def activities_near_any(
    session: Session, athlete_id: int, starts: Sequence[datetime], window: timedelta
) -> list[Activity]:
    """The athlete's activities starting within ``window`` of any of ``starts``, by start: what
    an import batch compares its activities with, in a query per 100 time ranges."""
    ranges: list[list[datetime]] = []  # overlapping ranges merged
    for s in sorted({as_utc(s) for s in starts}):
        if ranges and s - window <= ranges[-1][1]:
            ranges[-1][1] = s + window
        else:
            ranges.append([s - window, s + window])
    found: dict[int, Activity] = {}
    # Chunked: SQLite parses a chain of ORs as a tree 1,000 deep at most.
    for i in range(0, len(ranges), 100):
        near = [Activity.start_time.between(lo, hi) for lo, hi in ranges[i : i + 100]]
        rows = session.scalars(
            select(Activity).where(Activity.athlete_id == athlete_id, or_(*near))
        )
        found.update((a.id, a) for a in rows)
    return sorted(found.values(), key=lambda a: (as_utc(a.start_time), a.id))


def _window(
    athlete_id: int, since: datetime | None, before: datetime | None, sport: str | None
) -> list[ColumnElement[bool]]:
    """The athlete's activities with ``since <= start_time < before`` (UTC), of ``sport``."""
    where = [Activity.athlete_id == athlete_id]
    if since is not None:
        where.append(Activity.start_time >= since)
    if before is not None:
        where.append(Activity.start_time < before)
    if sport is not None:
        where.append(Activity.sport == sport)
    return where


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
    where = _window(athlete_id, since, before, sport)
    total = session.scalar(select(func.count(Activity.id)).where(*where))
    rows = session.scalars(
        select(Activity)
        .where(*where)
        .order_by(Activity.start_time.desc(), Activity.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0


def starts_between(
    session: Session,
    athlete_id: int,
    *,
    since: datetime | None = None,
    before: datetime | None = None,
    sport: str | None = None,
) -> list[tuple[int, datetime, int | None]]:
    """The id, UTC start and UTC offset of the athlete's activities with ``since <= start_time
    < before`` (UTC) and of ``sport`` when given, newest first (their local days, read
    without their rows)."""
    where = _window(athlete_id, since, before, sport)
    rows = session.execute(
        select(Activity.id, Activity.start_time, Activity.utc_offset_s)
        .where(*where)
        .order_by(Activity.start_time.desc(), Activity.id.desc())
    )
    return [(i, as_utc(t), off) for i, t, off in rows]


def activities_by_ids(session: Session, ids: Sequence[int]) -> list[Activity]:
    """The activities of ``ids``, in that order (an id with no row left out)."""
    by_id = {a.id: a for a in session.scalars(select(Activity).where(Activity.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id]


def activity_by_id(session: Session, activity_id: int) -> Activity | None:
    return session.get(Activity, activity_id)


def first_start(session: Session, athlete_id: int) -> datetime | None:
    """The UTC start of the athlete's first activity."""
    first = session.scalar(
        select(func.min(Activity.start_time)).where(Activity.athlete_id == athlete_id)
    )
    return as_utc(first) if first is not None else None


def starts_from(
    session: Session, athlete_id: int, start: datetime
) -> list[tuple[datetime, int | None]]:
    """The UTC start and UTC offset of the athlete's activities starting at or after ``start``
    (to find their local days without reading their rows)."""
    rows = session.execute(
        select(Activity.start_time, Activity.utc_offset_s).where(
            Activity.athlete_id == athlete_id, Activity.start_time >= start
        )
    ).all()
    return [(as_utc(t), off) for t, off in rows]


def first_activity(session: Session, athlete_id: int) -> Activity | None:
    """The athlete's earliest activity by UTC start."""
    return session.scalars(
        select(Activity)
        .where(Activity.athlete_id == athlete_id)
        .order_by(Activity.start_time, Activity.id)
        .limit(1)
    ).first()


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


def last_runs(session: Session, athlete_id: int, since: datetime, limit: int = 5) -> list[Activity]:
    """The athlete's newest running activities started at or after ``since``, newest first."""
    return list(
        session.scalars(
            select(Activity)
            .where(
                Activity.athlete_id == athlete_id,
                Activity.start_time >= since,
                Activity.sport.in_(list(RUNNING_SPORTS)),
            )
            .order_by(Activity.start_time.desc(), Activity.id.desc())
            .limit(limit)
        )
    )


def set_rpe(session: Session, activity: Activity, rpe: float | None) -> None:
    activity.rpe = rpe
    session.flush()


def set_log_rpe(session: Session, athlete_id: int, rpe_by_key: dict[tuple[str, int], float]) -> int:
    """Set the RPE of training-log activities by (row digest, occurrence): a log imported
    again with an ``rpe`` column completes the runs it already holds.  Returns how many
    changed."""
    if not rpe_by_key:
        return 0
    rows = session.scalars(
        select(Activity).where(
            Activity.athlete_id == athlete_id,
            Activity.source == "csv",
            Activity.source_sha256.in_({k for k, _ in rpe_by_key}),
        )
    )
    changed = 0
    for row in rows:
        rpe = rpe_by_key.get((row.source_sha256, row.session_index))
        if rpe is not None and row.rpe != rpe:
            row.rpe = rpe
            changed += 1
    session.flush()
    return changed


def any_rpe(session: Session, athlete_id: int) -> bool:
    """Whether any of the athlete's activities has an RPE, so that
    evaluation reads the effort frame only for athletes who log effort (one query, no rows
    built)."""
    q = select(Activity.id).where(Activity.athlete_id == athlete_id, Activity.rpe.is_not(None))
    return session.execute(q.limit(1)).first() is not None


# An activity's local day is its UTC start moved by at most 14 hours either way (the widest
# offsets in use): one starting 28 hours or more after the athlete's first activity cannot be
# on an earlier local day than that first one.
_FIRST_DAY_SPAN = timedelta(hours=28)


def effort_frame(session: Session, athlete_id: int, *, rated_only: bool = False) -> pl.DataFrame:
    """Every activity's start, sport, durations and RPE (``EFFORT_FRAME_SCHEMA``), by start:
    what session RPE load is computed from (analytics/effort.py).

    ``rated_only``: the activities with an RPE, and those of the athlete's first day (what the
    first local day is read from): all that a series' sRPE columns need, without reading an
    athlete's whole history on every request when few or none of their runs are rated."""
    q = select(
        Activity.id,
        Activity.start_time,
        Activity.utc_offset_s,
        Activity.sport,
        Activity.moving_time_s,
        Activity.elapsed_time_s,
        Activity.rpe,
    ).where(Activity.athlete_id == athlete_id)
    if rated_only:
        first = session.scalar(
            select(func.min(Activity.start_time)).where(Activity.athlete_id == athlete_id)
        )
        if first is not None:
            cut = as_utc(first) + _FIRST_DAY_SPAN
            q = q.where(Activity.rpe.is_not(None) | (Activity.start_time < cut))
    rows = session.execute(q.order_by(Activity.start_time, Activity.id)).all()
    cols = list(EFFORT_FRAME_SCHEMA)
    data: dict[str, list[Any]] = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    data["start_time"] = [as_utc(t) for t in data["start_time"]]
    df = pl.DataFrame(data, schema=EFFORT_FRAME_SCHEMA)
    validate(df, EFFORT_FRAME_SCHEMA, "effort frame")
    return df


def delete_activity(session: Session, activity: Activity) -> None:
    session.delete(activity)
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


def recorded_spans(
    session: Session, athlete_id: int, *, runs_only: bool = False
) -> list[tuple[datetime, float]]:
    """(UTC start, elapsed s) of the athlete's activities from files, sorted by start;
    ``runs_only``: those that are runs with distance."""
    where = [Activity.athlete_id == athlete_id, Activity.source != "csv"]
    if runs_only:
        where += [Activity.sport.in_(RUNNING_SPORTS), Activity.distance_m > 0]
    rows = session.execute(
        select(Activity.start_time, Activity.elapsed_time_s)
        .where(*where)
        .order_by(Activity.start_time)
    )
    return [(as_utc(t), e) for t, e in rows]


def add_activities(session: Session, rows: Sequence[Activity]) -> None:
    """Insert (flushed, so each has its id)."""
    session.add_all(rows)
    session.flush()


def insert_rows(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many activities given as column dicts, in one executemany and without ORM
    objects: the bulk path (seeding benchmarks, moving stores), many times faster than
    ``add_activities`` for hundreds of thousands of rows."""
    if rows:
        session.execute(insert(Activity), list(rows))


def get_activity(session: Session, athlete_id: int, activity_id: int) -> Activity:
    row = session.get(Activity, activity_id)
    if row is None or row.athlete_id != athlete_id:
        raise NotFound(f"no activity {activity_id} for this athlete")
    return row


# The histogram columns, read as JSON text and decoded by polars in one call per column
# (SQLAlchemy's JSON type parses each row's value in Python: most of reading the frame).
_HISTOGRAMS = tuple(c for c, t in ACTIVITY_FRAME_SCHEMA.items() if isinstance(t, pl.List))


def speed_traces(
    session: Session, athlete_id: int, since: datetime, until: datetime
) -> list[tuple[datetime, int | None, str, str | None, str | None]]:
    """The UTC start, UTC offset, sport and the flat-ground and actual speed histograms (JSON
    text, None: none) of the athlete's activities starting in ``[since, until)``: what the
    fast threshold's window reads of the few runs leaving it (``analytics.fast``), without
    building an activity frame."""
    params = {"aid": athlete_id, "since": since, "until": until}
    rows = session.execute(_speed_traces(), params)
    return [(as_utc(t), off, sport, flat, hist) for t, off, sport, flat, hist in rows]


@cache
def _speed_traces() -> Select[datetime, int | None, str, str, str]:
    """Built once: the nightly roll runs it on most nights (a run leaves the window), and
    building it per call cost about as much as running it."""
    return select(
        Activity.start_time,
        Activity.utc_offset_s,
        Activity.sport,
        cast(Activity.flat_speed_hist_m, Text),
        cast(Activity.speed_hist_m, Text),
    ).where(
        Activity.athlete_id == bindparam("aid", type_=Integer),
        Activity.start_time >= bindparam("since", type_=Activity.start_time.type),
        Activity.start_time < bindparam("until", type_=Activity.start_time.type),
    )


@functools.cache
def _frame_query(cols: tuple[str, ...], since: bool) -> Select[Any]:
    """``activity_frame``'s statement, built once per shape with bound parameters: building
    it per call cost more than running it for the few rows of a change."""
    q = select(
        Activity.id,
        *(
            cast(getattr(Activity, c), Text) if c in _HISTOGRAMS else getattr(Activity, c)
            for c in cols
        ),
    ).where(Activity.athlete_id == bindparam("athlete_id", type_=Integer))
    if since:
        q = q.where(Activity.start_time >= bindparam("since", type_=Activity.start_time.type))
    return q.order_by(Activity.start_time, Activity.id)


def activity_frame(
    session: Session,
    athlete_id: int,
    since: datetime | None = None,
    columns: dict[str, pl.DataType] | None = None,
) -> pl.DataFrame:
    """Every activity of the athlete (running or not) as ``ACTIVITY_FRAME_SCHEMA``, by start;
    only those starting at or after ``since`` (UTC) when given; only the columns of
    ``columns`` (a part of that schema, with ``start_time``) when given.

    Columns are built once from the rows (one transpose), the histograms decoded and the
    start times made UTC by polars, a column at a time: a Python call per row and column was
    15 % of an evaluation."""
    schema = columns or ACTIVITY_FRAME_SCHEMA
    cols = [c for c in schema if c != "activity_id"]
    q = _frame_query(tuple(cols), since is not None)
    rows = session.execute(q, {"athlete_id": athlete_id, "since": since}).all()
    if not rows:
        return pl.DataFrame(schema=schema)
    values = list(zip(*rows, strict=True))
    data: dict[str, Any] = {"activity_id": values[0]}
    texts: dict[str, pl.Series] = {}
    for i, c in enumerate(cols, start=1):
        if c in _HISTOGRAMS and any(v is not None for v in values[i]):
            texts[c] = pl.Series(c, values[i], pl.Utf8)
        elif c in _HISTOGRAMS:  # none stored (a log's rows): nothing to decode
            data[c] = pl.Series(c, values[i], ACTIVITY_FRAME_SCHEMA[c])
        else:
            data[c] = values[i]
    # SQLite gives naive UTC datetimes, PostgreSQL aware ones (``clock.as_utc`` per row).
    start = pl.Series("start_time", values[cols.index("start_time") + 1])
    zone = getattr(start.dtype, "time_zone", None)
    at = pl.col("start_time")
    # The histograms decoded and the start times made UTC in one query: each polars query has
    # a fixed cost that, for the few rows of a change (``services/incremental.py``), was most
    # of reading them.
    done = pl.DataFrame([start, *texts.values()]).select(
        (at.dt.replace_time_zone("UTC") if zone is None else at.dt.convert_time_zone("UTC")).cast(
            ACTIVITY_FRAME_SCHEMA["start_time"]
        ),
        *(pl.col(c).str.json_decode(ACTIVITY_FRAME_SCHEMA[c]) for c in texts),
    )
    data.update({c: done[c] for c in done.columns})
    df = pl.DataFrame({c: data[c] for c in schema}, schema=schema)
    validate(df, schema, "activity frame")
    return df


# --- duplicates: which copy of an activity is kept --------------------------------------------
def lock_athlete_activities(session: Session, athlete_id: int) -> None:
    """Hold the athlete's row until the transaction ends, so that deciding whether a new file
    repeats a stored activity, and storing or replacing it, is one step per athlete: two
    concurrent imports of twins queue here and the second sees the first's activity.  SQLite
    needs nothing: a write transaction begins IMMEDIATE, holding the database's write lock."""
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: imports queue on each other, while rows that only reference the
        # athlete (flags, views, symptoms: a FOR KEY SHARE) are written meanwhile.
        session.execute(
            select(Athlete.id).where(Athlete.id == athlete_id).with_for_update(key_share=True)
        )


def starts_of(session: Session, ids: Sequence[int]) -> list[tuple[datetime, int | None]]:
    """The UTC start and UTC offset of the activities of ``ids`` (their local days)."""
    out: list[tuple[datetime, int | None]] = []
    id_list = list(ids)
    for i in range(0, len(id_list), 500):  # bounded IN lists
        rows = session.execute(
            select(Activity.start_time, Activity.utc_offset_s).where(
                Activity.id.in_(id_list[i : i + 500])
            )
        )
        out.extend((as_utc(t), off) for t, off in rows)
    return out


def guessed_run_starts(
    session: Session, athlete_id: int, since: datetime | None
) -> list[tuple[datetime, int | None]]:
    """The UTC start and UTC offset of the athlete's runs whose sport loadwatch guessed (no
    sport in the file or the export, and no relabel: ``ingest.sports_choice``), started at or
    after ``since`` (all when None): a flag on such a run says so (trial 10 F19)."""
    q = select(Activity.start_time, Activity.utc_offset_s).where(
        Activity.athlete_id == athlete_id,
        Activity.sport.in_(sorted(RUNNING_SPORTS)),
        Activity.totals_source["sport"].as_string() == "guess",
        Activity.sport_relabel.is_(None),  # a relabel is the user's word, never a guess
    )
    if since is not None:
        q = q.where(Activity.start_time >= since)
    return [(as_utc(t), off) for t, off in session.execute(q)]
