"""Changing what is stored about an athlete's activities."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from loadwatch.clock import as_utc
from loadwatch.services.importing import local_date
from loadwatch.store import repo
from loadwatch.store.db import Session
from loadwatch.store.models import Activity


def delete_activity(session: Session, activity: Activity) -> date:
    """Delete one activity and return its local day (flags are re-evaluated from there).

    The file it came from is forgotten too once none of its activities is left, so that
    uploading it again imports it again instead of answering "duplicate"; its bytes stay in
    the blob store (content-addressed, perhaps shared with another athlete's upload).
    """
    tz = ZoneInfo(activity.athlete.timezone)
    day = local_date(as_utc(activity.start_time), activity.utc_offset_s, tz)
    file_id = activity.file_id
    repo.delete_activity(session, activity)
    if file_id is not None and repo.file_activity_count(session, file_id) == 0:
        source = repo.file_by_id(session, file_id)
        if source is not None:
            repo.delete_file(session, source)
    return day
