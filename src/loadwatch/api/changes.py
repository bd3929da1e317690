"""After a change that moves an athlete's numbers: record what to re-evaluate, commit, and
hand it to the hook (the scheduler's wake-up, or in-process evaluation)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from loadwatch.api.state import AppState
from loadwatch.services.importing import ImportReport
from loadwatch.store import activities as activity_store
from loadwatch.store import pending
from loadwatch.store.db import Session

log = logging.getLogger(__name__)


def notify(state: AppState, report: ImportReport) -> None:
    """Run the hook.  The change is committed and its pending evaluation with it, so a failing
    evaluation must not turn a stored upload into an error the client would retry: it is
    logged, and the pending row stays for the next drain."""
    if not report.touched:
        return
    try:
        state.on_import(report)
    except Exception:
        log.exception("evaluation after a change failed; it stays pending")


def first_day(session: Session, athlete_id: int) -> date | None:
    """A day on or before the athlete's first activity, whatever its local offset."""
    first = activity_store.first_start(session, athlete_id)
    if first is None:
        return None
    # Offsets reach ±14 h: one day earlier than the UTC date is never after the local date.
    return first.date() - timedelta(days=1)


def reevaluate(state: AppState, session: Session, athlete_id: int, from_date: date | None) -> None:
    """Commit the session with a pending evaluation from ``from_date``, then notify."""
    if from_date is not None:
        pending.request_evaluation(session, athlete_id, from_date)
    session.commit()
    if from_date is not None:
        notify(state, ImportReport(outcomes=[], touched={athlete_id: from_date}))
