"""An athlete's status - the last 7 days against the usual week, headroom, flags, live episodes,
fast threshold - as ``status``, the report, the API and the check-in read it.

Read from the summary evaluation stored (``services/stored_summary.py``) when it is current:
the stored rows, flags and episodes through the store, no polars and no rules, so that
``loadwatch status`` costs a data command's floor (issue #19).  A summary that is not current
(another day, an import pending, one stored by an older loadwatch) is computed live by
``services/views.py``, with the same function evaluation used: the numbers are the same
either way, only the cost differs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from loadwatch.schemas.effort import EffortStatus
from loadwatch.schemas.status import REPORT_WEEKS, AthleteStatus, Summary, WeekRow
from loadwatch.services.episode_list import episodes_of, live_now
from loadwatch.services.flag_list import flags_of
from loadwatch.services.pending import is_evaluating
from loadwatch.services.stored_summary import stored_summaries
from loadwatch.store import activity_counts, athlete_rows
from loadwatch.store.athlete_rows import AthleteLike
from loadwatch.store.db import orm_session
from loadwatch.vocabulary import ACKNOWLEDGED, HISTORIC, LIVE_EPISODE, OPEN, FlagStatus

if TYPE_CHECKING:
    from loadwatch.store.blobs import BlobStore
    from loadwatch.store.db import Reads

IDLE_DAYS = 14
STANDING: tuple[FlagStatus, ...] = (OPEN, ACKNOWLEDGED, HISTORIC)


def summary_of(session: Reads, athlete: AthleteLike, today: date | None = None) -> Summary:
    """The athlete's summary as of ``today``: stored when current, else computed live."""
    found = stored_summaries(session, [athlete], today).get(athlete.id)
    if found is not None:
        return found
    # The live path: the athlete's activities as frames through the rules (polars, numpy),
    # and the mapped athlete, loaded only by the reader that needs them.
    from loadwatch.services.views import live_summary
    from loadwatch.store.athletes import get_athlete

    orm = orm_session(session)
    return live_summary(orm, get_athlete(orm, athlete.id), today)


def idle_note(last_run: date | None, today: date, days: int = IDLE_DAYS) -> str | None:
    """'no runs for 28 days' after ``days`` or more without a run; 'no runs yet' with none.
    ``last_run`` is the summary's ``last_run_date`` (a day with a run, as the dashboard and the
    rules' breaks count them), never the last activity: a ride or a swim is no run."""
    if last_run is None:
        return "no runs yet"
    idle = (today - last_run).days
    return f"no runs for {idle} days" if idle >= days else None


def reprocess_note(count: int, missing: int = 0) -> str | None:
    """What status, the API and the dashboard say of ``count`` activities derived by an older
    loadwatch (``store.activity_counts.stale_counts``), ``missing`` of them with their original
    file not kept; None: none.  Said rather than done in the background: re-deriving rewrites
    history (flags may move, episodes reopen, webhooks fire), so the operator chooses when,
    and can look first (``reprocess --dry-run``).  ``reprocess`` cannot re-derive one whose
    file is missing (it reports it "not kept"): for those the note asks for the file again,
    which keeps its bytes even though the import answers "duplicate"."""
    if count <= 0:
        return None
    kept = count - missing
    # The command as it runs (trial11 F9: without --all it asks for an athlete), in quotes
    # rather than backticks: the dashboard prints the note as plain text.
    run = '"loadwatch reprocess --all"'
    if missing <= 0:
        what = "activity was" if count == 1 else "activities were"
        return (
            f"{count} {what} derived by an older version of loadwatch; run {run} to re-derive "
            "them from their kept files"
        )
    files = "its original file is" if missing == 1 else "their original files are"
    again = "the file" if missing == 1 else "those files"
    lost = f"import {again} again, then run {run}"
    if kept <= 0:
        what = "activity was" if count == 1 else "activities were"
        return (
            f"{count} {what} derived by an older version of loadwatch and {files} not kept: {lost}"
        )
    what = "activity was" if kept == 1 else "activities were"
    return (
        f"{kept} {what} derived by an older version of loadwatch; run {run} to re-derive them "
        f"from their kept files; {missing} more whose original "
        f"{'file is' if missing == 1 else 'files are'} not kept: {lost}"
    )


def missing_files(session: Reads, athlete_id: int, blobs: BlobStore | None) -> int:
    """How many of the athlete's older activities have no original bytes in ``blobs`` (what
    ``reprocess`` reports "not kept"); 0 when no blob store is given."""
    if blobs is None:
        return 0
    return sum(
        n
        for sha, n in activity_counts.stale_files(session, athlete_id).items()
        if not blobs.path(sha).is_file()
    )


def effort_of(session: Reads, athlete: AthleteLike, today: date) -> EffortStatus | None:
    """Where the athlete's session RPE load stands today; None when they never gave an RPE,
    known from one query: most athletes never do, and the load is computed from the frame of
    every activity (polars), which only an athlete with an RPE needs."""
    if not activity_counts.any_rated(session, athlete.id):
        return None
    from loadwatch.services.effort import effort_status
    from loadwatch.store.athletes import get_athlete

    orm = orm_session(session)
    return effort_status(orm, get_athlete(orm, athlete.id), today)


def athlete_status(
    session: Reads, athlete_id: int, *, today: date | None = None, blobs: BlobStore | None = None
) -> AthleteStatus:
    """``blobs``: the store's kept files, for the reprocess note to tell the older activities
    ``reprocess`` can re-derive from those it cannot (``reprocess_note``)."""
    athlete = athlete_rows.get(session, athlete_id)
    return _status(session, athlete, summary_of(session, athlete, today), blobs)


def status_and_weeks(
    session: Reads, athlete_id: int, *, weeks: int, today: date | None = None
) -> tuple[AthleteStatus, list[WeekRow]]:
    """What the report shows: the status and the week rows up to its day (the last ``weeks``
    of them at least).  A current stored summary holds the last REPORT_WEEKS; else they are
    the weekly series' rows (stored or live: polars)."""
    athlete = athlete_rows.get(session, athlete_id)
    stored = stored_summaries(session, [athlete], today).get(athlete.id)
    summary = stored if stored is not None else summary_of(session, athlete, today)
    status = _status(session, athlete, summary)
    if stored is not None and stored.report_weeks is not None and weeks <= REPORT_WEEKS:
        return status, stored.report_weeks
    from loadwatch.services.views import series

    frame = series(orm_session(session), athlete_id, "week", None, status.today)
    return status, [WeekRow.model_validate(r) for r in frame.iter_rows(named=True)]


def _status(
    session: Reads, athlete: AthleteLike, summary: Summary, blobs: BlobStore | None = None
) -> AthleteStatus:
    stale = activity_counts.stale_counts(session, [athlete.id]).get(athlete.id, 0)
    return AthleteStatus(
        athlete_id=athlete.id,
        athlete=athlete.name,
        timezone=athlete.timezone,
        today=summary.as_of,
        last_activity_date=summary.last_activity_date,
        last_run_date=summary.last_run_date,
        dimensions=summary.dimensions,
        open_flags=flags_of(session, athlete),
        flags_on_day=[
            f for f in flags_of(session, athlete, statuses=STANDING) if f.date <= summary.as_of
        ],
        idle_note=idle_note(summary.last_run_date, summary.as_of),
        episodes=live_now(episodes_of(session, athlete, LIVE_EPISODE), summary.as_of),
        fast_threshold=summary.fast_threshold,
        rehab=summary.rehab,
        effort=effort_of(session, athlete, summary.as_of),
        fitness=summary.fitness,
        evaluating=is_evaluating(session, athlete.id),
        reprocess_note=reprocess_note(
            stale, missing_files(session, athlete.id, blobs) if stale else 0
        ),
    )
