"""What the rules and every view read for one athlete as of a day, built in one place so that
flags, status, series and the dashboard show one set of numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.effort import day_max_rpe, session_frame
from loadwatch.analytics.fast import FastThreshold, explain, fast_threshold, threshold_frame
from loadwatch.analytics.trimp import HrProfile
from loadwatch.clock import local_today
from loadwatch.rules.config import RuleConfig, athlete_config
from loadwatch.rules.plan import PlanSpec
from loadwatch.rules.response import Response, Symptom, classify
from loadwatch.schemas.fitness import HrChangeOut
from loadwatch.services import hr_basis
from loadwatch.services.hr_load import hr_profile
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import plans as plan_store
from loadwatch.store import symptoms as symptom_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete, RehabPlan, SymptomEntry


# --- symptoms and plans (docs/rehab.md) ---------------------------------------------------
def to_symptom(e: SymptomEntry) -> Symptom:
    return Symptom(
        date=e.date,
        pain_during=e.pain_during,
        pain_after=e.pain_after,
        pain_next_morning=e.pain_next_morning,
        aggravators=tuple(e.aggravators or ()),
        sitting_hours=e.sitting_hours,
    )


def to_spec(p: RehabPlan) -> PlanSpec:
    return PlanSpec(
        start=p.start_date,
        end=p.end_date,
        weekly_km=p.weekly_km,
        longest_run_km=p.longest_run_km,
        weekly_fast_km=p.weekly_fast_km,
        weekly_climb_m=p.weekly_climb_m,
        pace_floor_s_per_km=p.pace_floor_s_per_km,
        progression_pct=p.progression_pct,
        condition=p.condition,
        phase=p.phase,
    )


@dataclass(frozen=True)
class RehabInputs:
    entries: list[SymptomEntry]
    plans: list[RehabPlan]
    responses: list[Response]

    def specs(self) -> list[PlanSpec]:
        return [to_spec(p) for p in self.plans]


def rehab_inputs(
    session: Session, athlete_id: int, daily: pl.DataFrame, today: date
) -> RehabInputs:
    entries = symptom_store.of_athlete(session, athlete_id, until=today)
    plans = plan_store.of_athlete(session, athlete_id)
    # The hardest session RPE of each day, to say when pain followed a hard session; read
    # only for athletes who log pain.
    rpe = hardest_rpe(session, athlete_id) if entries else None
    return RehabInputs(entries, plans, classify([to_symptom(e) for e in entries], daily, rpe))


def hardest_rpe(session: Session, athlete_id: int) -> dict[date, float]:
    athlete = athlete_store.get_athlete(session, athlete_id)
    return day_max_rpe(activity_store.effort_frame(session, athlete_id), athlete.timezone)


# --- everything ---------------------------------------------------------------------------
@dataclass(frozen=True)
class EvaluationInputs:
    athlete: Athlete
    activities: pl.DataFrame
    today: date
    config: RuleConfig
    fast: FastThreshold
    daily: pl.DataFrame
    rehab: RehabInputs  # symptoms, their responses and plans (docs/rehab.md)
    hr: HrProfile | None = None  # the heart rates of the activities' hr_load (docs/hr-load.md)
    # Each activity's session RPE load (activity_id, srpe): the fitness impulse without heart
    # rate (analytics/fitness.py); None when no activity has an RPE.
    srpe: pl.DataFrame | None = None
    # The athlete's first local day (``today`` without activities): where the per-day frames
    # start, read once.
    first: date | None = None
    # The latest move of the maximum heart rate behind ``hr`` (services/hr_basis.py).
    hr_change: HrChangeOut | None = None


def evaluation_inputs(session: Session, athlete_id: int, today: date | None) -> EvaluationInputs:
    """The athlete, their activities, rules and fast threshold, and the daily frame, as of
    ``today`` (the athlete's local today when None)."""
    athlete = athlete_store.get_athlete(session, athlete_id)
    activities = activity_store.activity_frame(session, athlete_id)
    day = today or local_today(athlete.timezone)
    config = athlete_config(athlete.thresholds)
    tz = athlete.timezone
    coach = athlete.fast_speed_mps
    since = athlete.fast_speed_since
    # Each day's fast km with the threshold in force that day: one set of numbers for the
    # weekly table, status, series and flags; today's is the frame's last row (computed once).
    first = first_day(activities, tz, day)
    per_day = (
        threshold_frame(
            activities,
            tz=tz,
            first=first,
            last=day,
            coach_speed_mps=coach,
            coach_since=since,
        )
        if not activities.is_empty()
        else None
    )
    fast = (
        explain(per_day.row(per_day.height - 1, named=True))
        if per_day is not None
        else fast_threshold(activities, coach_speed_mps=coach, today=day, tz=tz, coach_since=since)
    )
    daily = daily_frame(activities, tz=tz, fast_speed_mps=per_day, end=day)
    rin = rehab_inputs(session, athlete_id, daily, day)
    hr = hr_profile(session, athlete)
    return EvaluationInputs(
        athlete,
        activities,
        day,
        config,
        fast,
        daily,
        rin,
        hr,
        session_loads(session, athlete),
        first,
        hr_basis.latest_change(session, athlete.id) if hr is not None else None,
    )


def session_loads(session: Session, athlete: Athlete) -> pl.DataFrame | None:
    """Each activity's sRPE (analytics/effort.py), or None when no activity has an RPE."""
    if not activity_store.any_rpe(session, athlete.id):
        return None  # most athletes: not worth reading every activity's effort to find out
    effort = activity_store.effort_frame(session, athlete.id)
    if effort["rpe"].null_count() == effort.height:
        return None
    return session_frame(effort, athlete.timezone)


def first_day(activities: pl.DataFrame, tz: str, today: date) -> date:
    first = activities.select(local_day_expr(tz).min()).item()
    return min(first, today) if isinstance(first, date) else today
