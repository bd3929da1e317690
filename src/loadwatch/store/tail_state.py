"""What a change from a day reads first, in one query (``services/incremental.py``): the
athlete's stored view (its day, summary and row blobs) and whether they have anything that
takes the change off its short path or that it must read besides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, Select, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased

from loadwatch.clock import as_utc
from loadwatch.store.files import last_upload_columns
from loadwatch.store.models import (
    Activity,
    AthleteView,
    Flag,
    PlannedSession,
    RehabPlan,
    SymptomEntry,
)
from loadwatch.store.views import blob_column, with_days
from loadwatch.vocabulary import ACKNOWLEDGED

_BLOBS = ("days", "days_tail", "weeks")


@dataclass(frozen=True, slots=True)
class TailState:
    as_of: date  # the stored view's day
    summary: dict[str, Any]
    blobs: dict[str, bytes]  # days, days_tail (b"": none), weeks
    rpe: bool  # any activity with a session RPE
    plans: bool  # any return-to-run plan
    symptoms: bool  # any symptom entry up to the day evaluated
    planned: bool  # any planned session from the day evaluated on
    hr_peak: float | None  # the highest heart rate held a minute (``activity_hr.hr_peak``)
    # The heart-rate witness (``activity_hr.first_hr_activity``): id, histogram, stored load.
    witness: tuple[int, list[float], float | None] | None
    # What the triage row reads besides (``services.triage.Known``), here rather than in two
    # statements of their own: when a file was last received (``files.last_uploads``), and
    # whether any flag is acknowledged (none: no episode has an acknowledged flag to count;
    # only a coach acknowledges one, never an evaluation).
    last_upload: datetime | None
    acknowledged: bool


def _query() -> Select[Any]:
    aid = bindparam("athlete_id", type_=Integer)
    day = bindparam("day", type_=Date)
    mine = Activity.athlete_id == aid
    witness = aliased(Activity, name="witness")
    first_hr = (
        select(Activity.id)
        .where(mine, Activity.hr_time_hist_s.is_not(None))
        .order_by(Activity.id)
        .limit(1)
        .scalar_subquery()
    )
    q = select(
        AthleteView.as_of,
        AthleteView.summary,
        *(blob_column(b) for b in _BLOBS),
        exists().where(mine, Activity.rpe.is_not(None)),
        exists().where(RehabPlan.athlete_id == aid),
        exists().where(SymptomEntry.athlete_id == aid, SymptomEntry.date <= day),
        exists().where(PlannedSession.athlete_id == aid, PlannedSession.date >= day),
        select(func.max(Activity.hr_peak_bpm)).where(mine).scalar_subquery(),
        witness.id,
        witness.hr_time_hist_s,
        witness.hr_load,
        *last_upload_columns(aid),
        exists().where(Flag.athlete_id == aid, Flag.status == ACKNOWLEDGED),
    ).where(AthleteView.athlete_id == aid)
    return with_days(q, _BLOBS).outerjoin(witness, witness.id == first_hr)


# Built once: built per call, the statement's aliases made SQLAlchemy compile it again every
# time (3-4 ms, more than running it).
_QUERY = _query()


def tail_state(session: Session, athlete_id: int, day: date) -> TailState | None:
    """The athlete's stored view and what else they have, for a change evaluated to ``day``
    (None: no view).  One query; the witness is joined to it."""
    row = session.execute(_QUERY, {"athlete_id": athlete_id, "day": day}).first()
    if row is None:
        return None
    (as_of, summary, days, tail, weeks, rpe, plans, symptoms, planned, peak, wid, hist, load,
     created, updated, acked) = row  # fmt: skip
    uploads = [as_utc(t) for t in (created, updated) if t is not None]
    blobs = {"days": days or b"", "days_tail": tail or b"", "weeks": weeks}
    return TailState(
        as_of,
        summary,
        blobs,
        bool(rpe),
        bool(plans),
        bool(symptoms),
        bool(planned),
        float(peak) if peak is not None else None,
        (wid, list(hist or []), load) if wid is not None else None,
        max(uploads) if uploads else None,
        bool(acked),
    )
