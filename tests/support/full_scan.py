"""The sweep's answer found the old way, by a pass over every athlete: the reference that the
indexed ``due_at`` query (``services.job_work.rolled_athletes``) is tested and benchmarked
against."""

from __future__ import annotations

from loadwatch.clock import local_today
from loadwatch.store import athletes as athlete_store
from loadwatch.store import triage as triage_rows
from loadwatch.store import views as view_rows
from loadwatch.store.db import Session


def stale(session: Session) -> list[int]:
    """Athletes whose stored view is not for their local today (a new day began for them, or
    they were never evaluated), and those a store upgraded to the triage table has views but
    no triage rows for."""
    days = view_rows.as_of(session)
    untriaged = set(triage_rows.missing(session))
    return [
        aid
        for aid, tz in athlete_store.athlete_zones(session).items()
        if days.get(aid) != local_today(tz) or aid in untriaged
    ]
