"""What the nightly roll of an unchanged athlete reads first, in one query: their stored view
(its day, summary and row blobs) and whether they have anything that takes the roll off its
short path or that it must read besides (``services/roll.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from loadwatch.store.models import AthleteView, Flag, PlannedSession, RehabPlan, SymptomEntry
from loadwatch.store.views import blob_column, with_days
from loadwatch.vocabulary import RESOLVED

_BLOBS = ("days", "days_tail", "weeks")


@dataclass(frozen=True, slots=True)
class RollState:
    as_of: date  # the stored view's day
    summary: dict[str, Any]
    blobs: dict[str, bytes]  # days, days_tail (b"": none), weeks
    plans: bool  # any return-to-run plan
    symptoms: bool  # any symptom entry up to the day rolled to
    planned: bool  # any planned session from the day rolled to on
    plan_flags: bool  # any flag of these rules not resolved


def roll_state(
    session: Session, athlete_id: int, day: date, plan_rules: tuple[str, ...]
) -> RollState | None:
    """The athlete's stored view and what else they have for a roll to ``day`` (None: no
    view)."""
    q = select(
        AthleteView.as_of,
        AthleteView.summary,
        *(blob_column(b) for b in _BLOBS),
        exists().where(RehabPlan.athlete_id == athlete_id),
        exists().where(SymptomEntry.athlete_id == athlete_id, SymptomEntry.date <= day),
        exists().where(PlannedSession.athlete_id == athlete_id, PlannedSession.date >= day),
        exists().where(
            Flag.athlete_id == athlete_id, Flag.rule.in_(plan_rules), Flag.status != RESOLVED
        ),
    ).where(AthleteView.athlete_id == athlete_id)
    row = session.execute(with_days(q, _BLOBS)).first()
    if row is None:
        return None
    as_of, summary, days, tail, weeks, plans, symptoms, planned, plan_flags = row
    blobs = {"days": days or b"", "days_tail": tail or b"", "weeks": weeks}
    return RollState(
        as_of, summary, blobs, bool(plans), bool(symptoms), bool(planned), bool(plan_flags)
    )
