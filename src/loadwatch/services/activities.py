"""Changing what is stored about an athlete's activities."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from loadwatch.analytics.days import local_day, local_start
from loadwatch.clock import as_utc
from loadwatch.errors import IngestError, InvalidRequest, NotFound, StoreError
from loadwatch.ingest.sports import SPORTS
from loadwatch.services import hr_load
from loadwatch.services.importing import analyse
from loadwatch.store import activities as activity_store
from loadwatch.store import files as file_store
from loadwatch.store import pending
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Activity, SourceFile

log = logging.getLogger(__name__)


def delete_activity(session: Session, activity: Activity) -> date:
    """Delete one activity and return its local day (flags are re-evaluated from there).

    The file it came from is forgotten too once none of its activities is left, so that
    uploading it again imports it again instead of answering "duplicate"; its bytes stay in
    the blob store (content-addressed, perhaps shared with another athlete's upload).
    """
    tz = ZoneInfo(activity.athlete.timezone)
    day = local_day(as_utc(activity.start_time), activity.utc_offset_s, tz)
    file_id = activity.file_id
    activity_store.delete_activity(session, activity)
    if file_id is not None and file_store.file_activity_count(session, file_id) == 0:
        source = file_store.file_by_id(session, file_id)
        if source is not None:
            file_store.delete_file(session, source)
    return day


@dataclass(frozen=True, slots=True)
class Deleted:
    athlete_id: int
    athlete_name: str
    reevaluate_from: date


def delete_activity_by_id(session: Session, activity_id: int) -> Deleted:
    """``delete_activity`` for the CLI: by id, with the evaluation from its day requested in
    the same transaction (``NotFound`` when there is no such activity)."""
    activity = activity_store.activity_by_id(session, activity_id)
    if activity is None:
        raise NotFound(f"no activity with id {activity_id}")
    athlete_id, athlete_name = activity.athlete_id, activity.athlete.name
    day = delete_activity(session, activity)
    pending.request_evaluation(session, athlete_id, day)
    return Deleted(athlete_id, athlete_name, day)


@dataclass(frozen=True, slots=True)
class Relabelled:
    activity: Activity
    previous_sport: str
    reevaluate_from: date  # the activity's local day: flags are re-judged from there


def check_sport(sport: str) -> str:
    """A sport of the vocabulary (``ingest.sports.SPORTS``), else ``InvalidRequest`` listing
    them."""
    clean = sport.strip().lower()
    if clean not in SPORTS:
        raise InvalidRequest(f"unknown sport {sport!r}; one of: {', '.join(SPORTS)}")
    return clean


def _declare_only(session: Session, activity: Activity) -> Activity:
    if activity.sport_relabel is not None:
        activity.sport = activity.sport_relabel
        activity.totals_source = {**(activity.totals_source or {}), "sport": "relabel"}
    session.flush()
    return activity


def reanalyse(store: Store, session: Session, activity: Activity) -> Activity:
    """Analyse the activity's file again with the athlete's settings and the user's relabel
    (which beats every other source of the sport, ``ingest.sports_choice.decide``): the sport
    sets the limits the numbers are computed with, so a ride relabelled a run gets a runner's
    moving time.  A training-log row has no file, and a file that can no longer be read keeps
    its numbers: then only the sport is the relabel's."""
    if activity.source != "file":
        return _declare_only(session, activity)
    athlete = activity.athlete
    try:
        data = store.blobs.get(activity.source_sha256)
        decoded = analyse(
            data,
            # The stored bytes are the leaf file (a .gz was unpacked): its format names it.
            f"activity.{activity.format}",
            sha256=activity.source_sha256,
            fast_speed_mps=athlete.fast_speed_mps,
            default_tz=athlete.timezone,
            relabel=activity.sport_relabel,
        )
    except (IngestError, StoreError) as e:
        log.warning("activity %d not analysed again (%s): sport set only", activity.id, e)
        return _declare_only(session, activity)
    for act in decoded.activities:
        if act.summary.session_index == activity.session_index:
            done = activity_store.reanalysed(session, activity, act.summary)
            # Its new heart-rate peak may move an estimated maximum: every activity follows.
            hr_load.refresh(session, activity.athlete)
            return done
    log.warning("activity %d: session %d not in its file", activity.id, activity.session_index)
    return _declare_only(session, activity)


def relabel_activity(store: Store, session: Session, activity: Activity, sport: str) -> Relabelled:
    """The user declares the activity's sport: stored as the relabel, the activity analysed
    again with it, and an evaluation requested from its local day in the same transaction (the
    running load gains or loses it)."""
    sport = check_sport(sport)
    previous = activity.sport
    activity.sport_relabel = sport
    reanalyse(store, session, activity)
    tz = ZoneInfo(activity.athlete.timezone)
    day = local_day(as_utc(activity.start_time), activity.utc_offset_s, tz)
    pending.request_evaluation(session, activity.athlete_id, day)
    return Relabelled(activity, previous, day)


@dataclass(frozen=True, slots=True)
class LocalStart:
    """Where an activity sits on the athlete's calendar: the day the rules count it on and its
    local clock time (``analytics.days.local_start``)."""

    local_date: date
    local_start: str  # HH:MM
    start_local: datetime  # aware, in the offset the day is counted with


def local_start_of(activity: Activity, tz: ZoneInfo | str) -> LocalStart:
    """The local start every list shows: the one its flags, series and report count it on."""
    local = local_start(as_utc(activity.start_time), activity.utc_offset_s, tz)
    return LocalStart(local.date(), local.strftime("%H:%M"), local)


def find_activity(session: Session, activity_id: int) -> Activity | None:
    return activity_store.activity_by_id(session, activity_id)


# The most a run's local day and the UTC day of its start differ by: UTC offsets run from
# -12 h to +14 h, a run's own and a zone's alike.
_EAST = timedelta(hours=14)
_WEST = timedelta(hours=12)


def activity_page(
    session: Session,
    athlete_id: int,
    *,
    limit: int = 50,
    offset: int = 0,
    first: date | None = None,
    last: date | None = None,
    tz: ZoneInfo | str = "UTC",
    sport: str | None = None,
) -> tuple[list[Activity], int]:
    """The athlete's activities newest first, on local days ``first``..``last`` (inclusive;
    the day each shows under, ``local_start_of``: its own offset, else ``tz``) and of
    ``sport`` when given, and how many match in all."""
    if first is None and last is None:
        return activity_store.list_activities(
            session, athlete_id, limit=limit, offset=offset, sport=sport
        )
    # The UTC window that holds every start of those local days, wider than them by the
    # largest offsets; each start in it is then judged by its own local day.
    since = None if first is None else datetime.combine(first, time(), UTC) - _EAST
    before = (
        None if last is None else datetime.combine(last + timedelta(days=1), time(), UTC) + _WEST
    )
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    ids = [
        i
        for i, start, off in activity_store.starts_between(
            session, athlete_id, since=since, before=before, sport=sport
        )
        if (first is None or local_day(start, off, zone) >= first)
        and (last is None or local_day(start, off, zone) <= last)
    ]
    return activity_store.activities_by_ids(session, ids[offset : offset + limit]), len(ids)


def source_file(session: Session, activity: Activity) -> SourceFile | None:
    """The file the activity came from (None for a training-log row)."""
    return (
        file_store.file_by_id(session, activity.file_id) if activity.file_id is not None else None
    )


def files_of(
    session: Session, athlete_id: int, *, status: str | None = None, limit: int = 100
) -> tuple[list[SourceFile], int]:
    """The files received for an athlete, newest first, and how many there are in all."""
    rows, total = file_store.list_files(session, athlete_id, status=status, limit=limit)
    return list(rows), total
