"""What the nightly roll of an unchanged athlete reads, in one query: the athlete, their stored
view (its day, summary and row blobs) and triage row, and whether they have anything that
takes the roll off its short path or that it must read besides (``services/roll.py``).

One statement instead of the eight a roll read before (the athlete, whether work is pending,
the view, the activities that may be dated after it, the triage row, the last upload, the
open flags, the live episodes): each costs a few tenths of a millisecond of client CPU on
SQLite and about a millisecond on PostgreSQL, the roll's whole budget.  The row sets (open
flags, live episodes, late activities) are read apart only when it says there are some.
The athlete and the triage row come back as the session's own objects, so reading them again
(``get_athlete``, ``triage.get``) costs no statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, exists, func, select
from sqlalchemy.orm import Session

from loadwatch.clock import as_utc
from loadwatch.store.files import last_upload_columns
from loadwatch.store.forecasts import STANDS_COLUMNS, Stands, stands_of
from loadwatch.store.models import (
    Activity,
    Athlete,
    AthleteTriage,
    AthleteView,
    AthleteViewDays,
    Episode,
    Flag,
    PendingEvaluation,
    PlannedSession,
    RehabPlan,
    SymptomEntry,
)
from loadwatch.store.tables import athlete_forecasts
from loadwatch.vocabulary import ACKNOWLEDGED, LIVE_EPISODE, OPEN, RESOLVED


@dataclass(frozen=True, slots=True)
class RollState:
    athlete: Athlete
    as_of: date  # the stored view's day
    summary: dict[str, Any] | None  # None when a forecast was read (``view_of``)
    # days, days_tail (b"": none), weeks; none when a forecast was read (``view_of``).
    blobs: dict[str, bytes]
    fast_window: bytes | None  # the fast threshold's window the roll carries (None: none)
    pending: bool  # a change not yet evaluated: the caller's "unchanged" no longer holds
    plans: bool  # any return-to-run plan
    first_symptom: date | None  # the earliest symptom entry
    last_planned: date | None  # the latest planned session
    plan_flags: bool  # any flag of these rules not resolved
    late_starts: bool  # an activity starting at or after the given instant
    triage: AthleteTriage | None  # the stored triage row
    # The forecast stored for the day asked for, when the view is still the chain of its
    # batch (``store/forecasts.py``); None: none.
    forecast: Stands | None
    last_upload: datetime | None  # when a file was last received (``files.last_uploads``)
    open_flags: bool  # any open flag
    live_episodes: bool  # any live episode, or one whose last flag is after the view's day
    # Any flag of the spike rule (or one that carried a spike), not resolved, dated from the
    # given day: the roll reads the stored spike flags for the summary's spike cap only when
    # there are some.
    recent_spikes: bool
    # Any acknowledged flag (none: no episode has one to count, and only a coach
    # acknowledges a flag, never an evaluation).
    acknowledged: bool

    def symptoms(self, day: date) -> bool:
        """Any symptom entry up to ``day``."""
        return self.first_symptom is not None and self.first_symptom <= day

    def planned(self, day: date) -> bool:
        """Any planned session from ``day`` on."""
        return self.last_planned is not None and self.last_planned >= day


# What a roll reads of the view besides its day (``_query``, ``view_of``).
_VIEW_COLUMNS = (
    AthleteView.summary,
    AthleteViewDays.days,
    AthleteView.days_tail,
    AthleteView.weeks,
)


@cache
def _query(plan_rules: tuple[str, ...], spike_rule: str) -> Select[Any]:
    """Built once: constructing a statement this size costs more than running it."""
    aid = bindparam("aid", type_=Integer)
    return (
        select(
            Athlete,
            AthleteTriage,
            AthleteView.as_of,
            # The summary and the row blobs (three years of day rows: about 400 kB, sent as
            # hex and decoded by psycopg) only when no forecast stands for the day: a served
            # night never reads them, a roll that cannot serve it reads them apart
            # (``view_of``).
            *(case((athlete_forecasts.c.day.is_(None), c)) for c in _VIEW_COLUMNS),
            AthleteView.fast_window,
            *STANDS_COLUMNS,
            exists().where(PendingEvaluation.athlete_id == aid),
            exists().where(RehabPlan.athlete_id == aid),
            select(func.min(SymptomEntry.date))
            .where(SymptomEntry.athlete_id == aid)
            .scalar_subquery(),
            select(func.max(PlannedSession.date))
            .where(PlannedSession.athlete_id == aid)
            .scalar_subquery(),
            exists().where(
                Flag.athlete_id == aid, Flag.rule.in_(plan_rules), Flag.status != RESOLVED
            ),
            exists().where(Activity.athlete_id == aid, Activity.start_time >= bindparam("end")),
            *last_upload_columns(aid),
            exists().where(Flag.athlete_id == aid, Flag.status == OPEN),
            exists().where(
                Episode.athlete_id == aid,
                Episode.status.in_(LIVE_EPISODE) | (Episode.last > bindparam("since")),
            ),
            exists().where(
                Flag.athlete_id == aid,
                # A return's flag that carried the day's spike stands for it (revision 0018).
                (Flag.rule == spike_rule) | Flag.spike_baseline.is_not(None),
                Flag.date >= bindparam("spikes_from"),
                Flag.status != RESOLVED,
            ),
            exists().where(Flag.athlete_id == aid, Flag.status == ACKNOWLEDGED),
        )
        .select_from(Athlete)
        .join(AthleteView, AthleteView.athlete_id == Athlete.id)
        .outerjoin(AthleteViewDays, AthleteViewDays.athlete_id == Athlete.id)
        .outerjoin(AthleteTriage, AthleteTriage.athlete_id == Athlete.id)
        .outerjoin(
            athlete_forecasts,
            (athlete_forecasts.c.athlete_id == aid)
            & (athlete_forecasts.c.day == bindparam("day"))
            & (athlete_forecasts.c.basis == AthleteView.forecast),
        )
        .where(Athlete.id == aid)
    )


def roll_state(
    session: Session,
    athlete_id: int,
    since: date,
    end: datetime,
    plan_rules: tuple[str, ...],
    spike_rule: str,
    spikes_from: date,
    day: date,
) -> RollState | None:
    """The athlete and their stored view, and what else they have, for a roll from the view
    for ``since``; ``end``: the instant from which an activity may be dated after it;
    ``spikes_from``: the first day a flag of ``spike_rule`` counts in ``recent_spikes`` (None:
    no such athlete, or no view); ``day``: the day whose forecast to read, if any."""
    params = {
        "aid": athlete_id,
        "end": end,
        "since": since,
        "spikes_from": spikes_from,
        "day": day,
    }
    row = session.execute(_query(plan_rules, spike_rule), params).first()
    if row is None:
        return None
    (athlete, triage, as_of, summary, days, tail, weeks, fast_window) = row[:8]
    forecast = stands_of(row[8 : 8 + len(STANDS_COLUMNS)])
    (pending, plans, first_symptom, last_planned, plan_flags, late, created, updated, open_flags,
     live, spikes, acked) = row[8 + len(STANDS_COLUMNS) :]  # fmt: skip
    uploads = [as_utc(t) for t in (created, updated) if t is not None]
    return RollState(
        athlete=athlete,
        as_of=as_of,
        summary=summary,
        blobs={} if forecast is not None else _blobs(days, tail, weeks),
        fast_window=fast_window,
        pending=bool(pending),
        plans=bool(plans),
        first_symptom=first_symptom,
        last_planned=last_planned,
        plan_flags=bool(plan_flags),
        late_starts=bool(late),
        triage=triage,
        forecast=forecast,
        last_upload=max(uploads) if uploads else None,
        open_flags=bool(open_flags),
        live_episodes=bool(live),
        recent_spikes=bool(spikes),
        acknowledged=bool(acked),
    )


def view_of(session: Session, athlete_id: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The view's summary and blobs (``RollState.blobs``) a ``roll_state`` that read a
    forecast left out."""
    summary, days, tail, weeks = session.execute(_VIEW, {"aid": athlete_id}).one()
    return summary, _blobs(days, tail, weeks)


def _blobs(days: bytes | None, tail: bytes | None, weeks: bytes) -> dict[str, bytes]:
    return {"days": days or b"", "days_tail": tail or b"", "weeks": weeks}


_VIEW = (
    select(*_VIEW_COLUMNS)
    .select_from(AthleteView)
    .outerjoin(AthleteViewDays, AthleteViewDays.athlete_id == AthleteView.athlete_id)
    .where(AthleteView.athlete_id == bindparam("aid", type_=Integer))
)
