"""What the views read - status, series and the triage's numbers - computed once, at evaluation.

Evaluation (services/evaluation.py) builds an athlete's view from the very inputs the rules
judged and stores it in the flags' transaction (store/views.py): a summary (per dimension the
7-day load, its ratios and headroom; the fast threshold; the last run; the load ratios the
triage sorts by; the weekly distances) and the day and week rows that series return.

A reader uses the stored view when it is for the day asked and nothing is pending for the
athlete (an import or a settings change not yet evaluated); otherwise it computes the same view
live with the same function.  So the numbers are the same either way; only the cost differs.
A view stored by an older loadwatch (``VIEW_VERSION``) is computed live until re-evaluated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import polars as pl

from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.days import week_start
from loadwatch.analytics.load import load_frame
from loadwatch.analytics.weekly import weekly_frame
from loadwatch.clock import local_today
from loadwatch.errors import InvalidRequest
from loadwatch.rules.config import athlete_config
from loadwatch.rules.headroom import headroom
from loadwatch.rules.ramp_days import with_ramp_days
from loadwatch.rules.spike_limit import SpikeFlag
from loadwatch.schemas.fitness import FitnessOut
from loadwatch.schemas.status import (
    Period,
    Summary,
)
from loadwatch.services import fitness
from loadwatch.services.effort import join_effort, view_effort, with_effort
from loadwatch.services.inputs import EvaluationInputs, evaluation_inputs, first_day
from loadwatch.services.out_frames import out_frame
from loadwatch.services.stored_view import View as View
from loadwatch.services.stored_view import keep as keep
from loadwatch.services.stored_view import stored_rows
from loadwatch.services.view_summary import summary_from
from loadwatch.store import athletes as athlete_store
from loadwatch.store import pending
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete


# --- computing ----------------------------------------------------------------------------
def compute(inp: EvaluationInputs, spikes: Sequence[SpikeFlag] | None = None) -> View:
    """The athlete's view as of ``inp.today``, from the inputs the rules judge (``spikes``:
    the spike flags current today when the caller has just judged them, else judged here)."""
    daily = inp.daily
    load = load_frame(daily) if daily.height else None
    row: dict[str, object] = {}
    if load is not None:
        at = load.filter(pl.col("date") == inp.today)
        row = at.row(0, named=True) if at.height else {}
    rooms = (
        {h.dimension: h for h in headroom(daily, inp.config, today=inp.today)}
        if load is not None
        else {}
    )
    days = daily.join(load, on="date", how="left") if load is not None else daily
    fit_days, fit = fitness.compute(inp)
    if fit_days is not None:
        days = days.join(fit_days, on="date", how="left")
    weeks = weekly_frame(daily)
    # Session RPE load rides along as context (docs/checkin.md): computed here, once, not
    # per series request.
    first = inp.first or first_day(inp.activities, inp.athlete.timezone, inp.today)
    day_effort, week_effort = view_effort(inp.srpe, first, inp.today)
    summary = summary_from(
        inp,
        row,
        rooms,
        weeks,
        fit,
        _last_activity(inp),
        _last_run(daily, inp.today),
        spikes=spikes,
    )
    return View(
        summary, join_effort(days, day_effort, "day"), join_effort(weeks, week_effort, "week")
    )


def _last_activity(inp: EvaluationInputs) -> date | None:
    if inp.activities.is_empty():
        return None
    days = inp.activities.select(local_day_expr(inp.athlete.timezone).alias("d"))["d"]
    past = days.filter(days <= inp.today)
    last = past.max() if len(past) else None
    return last if isinstance(last, date) else None


def _last_run(daily: pl.DataFrame, today: date) -> date | None:
    if daily.is_empty():
        return None
    runs = daily.filter((pl.col("runs") > 0) & (pl.col("date") <= today))["date"]
    last = runs.max() if runs.len() else None
    return last if isinstance(last, date) else None


# --- reading ------------------------------------------------------------------------------
def live_summary(session: Session, athlete: Athlete, today: date | None = None) -> Summary:
    """The athlete's summary as of ``today`` computed from their activities: what a reader
    falls back on when the stored one is not current (``status.summary_of``)."""
    return compute(evaluation_inputs(session, athlete.id, today)).summary


def rows_of(
    session: Session, athlete: Athlete, end: date | None = None, today: date | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``rows_and_fitness`` without the fitness."""
    days, weeks, _ = rows_and_fitness(session, athlete, end, today)
    return days, weeks


def rows_and_fitness(
    session: Session, athlete: Athlete, end: date | None = None, today: date | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, FitnessOut | None]:
    """The fitness the view was computed with (as of its ``as_of``, docs/hr-load.md) and the
    day rows (with the load metrics) and week rows up to ``end`` (``today``, the
    athlete's local today when None, by default): cut from the stored view when it is current
    for ``today`` and nothing is pending, else computed live."""
    now = today or local_today(athlete.timezone)
    day = end or now
    found = (
        None
        if pending.waiting(session, [athlete.id])
        else stored_rows(session, athlete, day, now, ("day", "week"))
    )
    if found is not None:
        rows, fitness = found
        return rows["day"], rows["week"], fitness
    view = compute(evaluation_inputs(session, athlete.id, day))
    return view.days, view.weeks, view.summary.fitness


# --- what callers ask ---------------------------------------------------------------------
def series(
    session: Session,
    athlete_id: int,
    period: Period,
    start: date | None = None,
    end: date | None = None,
    *,
    today: date | None = None,
) -> pl.DataFrame:
    """Daily rows joined with the load metrics, or weekly rows, over ``[start, end]``
    (``end`` defaults to the athlete's today)."""
    return series_and_fitness(session, athlete_id, period, start, end, today=today)[0]


def series_and_fitness(
    session: Session,
    athlete_id: int,
    period: Period,
    start: date | None = None,
    end: date | None = None,
    *,
    today: date | None = None,
) -> tuple[pl.DataFrame, FitnessOut | None]:
    """``series`` and what its fitness columns are made of (docs/hr-load.md), from one view."""
    athlete = athlete_store.get_athlete(session, athlete_id)
    frame, fitness, _ = series_view(session, athlete, period, start, end, today=today)
    return frame, fitness


def series_view(
    session: Session,
    athlete: Athlete,
    period: Period,
    start: date | None = None,
    end: date | None = None,
    *,
    today: date | None = None,
) -> tuple[pl.DataFrame, FitnessOut | None, bool]:
    """``series_and_fitness`` and whether an evaluation is pending, from one pending check:
    what a series request answers.  A current stored view gives the period's rows with only
    that period's blob read and decoded."""
    if period not in ("day", "week"):
        raise InvalidRequest(f"period must be 'day' or 'week', not {period!r}")
    if start is not None and end is not None and start > end:
        # Each door checks the range naming its own inputs first; this is the last guard.
        raise InvalidRequest(f"the first day {start} is after the last day {end}")
    now = today or local_today(athlete.timezone)
    # Nothing has happened after today: a later end asks for the rows up to today.
    day = min(end, now) if end is not None else now
    busy = bool(pending.waiting(session, [athlete.id]))
    found = None if busy else stored_rows(session, athlete, day, now, (period,))
    if found is not None:
        frame, fitness = found[0][period], found[1]
    else:
        view = compute(evaluation_inputs(session, athlete.id, day))
        frame = view.days if period == "day" else view.weeks
        fitness = view.summary.fitness
    if "srpe" not in frame.columns:  # a view stored before evaluation computed them
        frame = with_effort(session, athlete, frame, period, day)
    if period == "day":
        # The weekly ramp's usual week beside the plain one: what status and the flags say,
        # for the charts (from every day: breaks and pre-break capacity reach back).
        frame = with_ramp_days(frame, athlete_config(athlete.thresholds))
    key = "date" if period == "day" else "week_start"
    if start is not None:
        frame = frame.filter(pl.col(key) >= (start if period == "day" else week_start(start)))
    if end is not None:
        frame = frame.filter(pl.col(key) <= end)
    return out_frame(frame), fitness, busy
