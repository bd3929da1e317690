"""Session RPE load (sRPE = RPE x minutes, Foster 2001) meets the store: the RPE of an
activity set from the check-in, the API and the CLI, and the daily and weekly sRPE that series
and status show as context (docs/checkin.md, docs/rules.md "Session RPE")."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.days import local_day
from loadwatch.analytics.effort import (
    EFFORT_DAY_SCHEMA,
    EFFORT_WEEK_SCHEMA,
    SESSION_SCHEMA,
    daily_effort,
    daily_session_effort,
    session_load,
    weekly_effort,
)
from loadwatch.ingest.sports import RUNNING_SPORTS
from loadwatch.rounding import out_number
from loadwatch.rules.evidence import RULES
from loadwatch.schemas.checkin import ActivityEffortOut
from loadwatch.schemas.effort import EffortStatus
from loadwatch.store import activities as activity_store
from loadwatch.store import pending
from loadwatch.store.db import Session
from loadwatch.store.models import Activity, Athlete

EFFORT_RULE = "srpe_ramp"  # its evidence grade lives in rules/evidence.py


def activity_minutes(a: Activity) -> float:
    seconds = a.moving_time_s if a.moving_time_s and a.moving_time_s > 0 else a.elapsed_time_s
    return (seconds or 0.0) / 60.0


def activity_effort(a: Activity, tz: str) -> ActivityEffortOut:
    return ActivityEffortOut(
        activity_id=a.id,
        date=local_day(a.start_time, a.utc_offset_s, tz),
        rpe=a.rpe,
        minutes=out_number(activity_minutes(a)) or 0.0,
        srpe=out_number(session_load(a.rpe, a.moving_time_s, a.elapsed_time_s)),
    )


def set_activity_rpe(
    session: Session, athlete: Athlete, activity: Activity, rpe: float | None
) -> ActivityEffortOut:
    """Set (or clear) the activity's session RPE; its day is evaluated again."""
    activity_store.set_rpe(session, activity, rpe)
    day = local_day(activity.start_time, activity.utc_offset_s, athlete.timezone)
    pending.request_evaluation(session, athlete.id, day)
    return activity_effort(activity, athlete.timezone)


def effort_days(
    session: Session, athlete: Athlete, last: date, frame: pl.DataFrame | None = None
) -> pl.DataFrame:
    """``EFFORT_DAY_SCHEMA`` from the athlete's first activity (or ``last``) to ``last``, from
    ``frame`` (``EFFORT_FRAME_SCHEMA``) when the caller already read it, else from the rated
    activities and the first day's (unrated sessions add nothing to sRPE)."""
    if frame is None:
        frame = activity_store.effort_frame(session, athlete.id, rated_only=True)
    tz = athlete.timezone
    first = frame.select(local_day_expr(tz).min()).item() if frame.height else None
    start = min(first, last) if isinstance(first, date) else last
    return daily_effort(frame, tz, start, last)


def with_effort(
    session: Session, athlete: Athlete, frame: pl.DataFrame, period: str, last: date
) -> pl.DataFrame:
    """The series ``frame`` (day or week rows) with the sRPE columns joined on, read from the
    activities: for a view stored before evaluation put them in (``join_effort``)."""
    days = effort_days(session, athlete, last)
    return join_effort(frame, days if period == "day" else weekly_effort(days), period)


def join_effort(frame: pl.DataFrame, effort: pl.DataFrame, period: str) -> pl.DataFrame:
    """``frame`` (day or week rows) with ``effort``'s sRPE columns (``EFFORT_DAY_SCHEMA`` or
    ``EFFORT_WEEK_SCHEMA`` rows) joined on, after its own columns: what a series shows."""
    if period == "day":
        extra = effort.select(list(EFFORT_DAY_SCHEMA))
        key = "date"
    else:
        extra = effort.select(list(EFFORT_WEEK_SCHEMA))
        key = "week_start"
    if frame.is_empty():
        return frame.with_columns(
            [pl.lit(None, t).alias(c) for c, t in extra.schema.items() if c != key]
        )
    out = frame.join(extra, on=key, how="left", maintain_order="left")
    counts = [c for c, t in extra.schema.items() if c != key and t == pl.Int32()]
    sums = ["srpe"]
    return out.with_columns(pl.col(counts).fill_null(0), pl.col(sums).fill_null(0.0))


def view_effort(
    sessions: pl.DataFrame | None, first: date, last: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The day and week sRPE rows from ``first`` to ``last`` from each activity's session
    load (``EvaluationInputs.srpe``; None: no RPE given), computed once at evaluation into the
    stored view instead of per series request.  The same numbers ``effort_days`` gives: it
    starts on the athlete's first local day too, and unrated sessions add nothing."""
    rows = sessions if sessions is not None else pl.DataFrame(schema=SESSION_SCHEMA)
    days = daily_session_effort(rows, min(first, last), last)
    return days, weekly_effort(days)


def effort_status(session: Session, athlete: Athlete, today: date) -> EffortStatus | None:
    """Where the athlete's sRPE stands today; None when they never gave an RPE."""
    frame = activity_store.effort_frame(session, athlete.id)
    if frame.is_empty() or frame["rpe"].is_null().all():
        return None
    days = effort_days(session, athlete, today, frame)
    row = days.row(days.height - 1, named=True)
    tz = athlete.timezone
    week = frame.with_columns(local_day_expr(tz).alias("date")).filter(
        (pl.col("date") > today - timedelta(days=7)) & (pl.col("date") <= today)
    )
    unrated = week.filter(pl.col("sport").is_in(list(RUNNING_SPORTS)) & pl.col("rpe").is_null())
    ev = RULES[EFFORT_RULE]
    ratio = row["srpe_ratio"]
    note = (
        f"session RPE load {row['srpe_7d']:.0f} AU in 7 days"
        + (f", {ratio:.2f}x the usual week" if ratio is not None else "")
        + f"; context only ({ev.grade} evidence), never an alert on its own"
    )
    if unrated.height:
        note += f"; {unrated.height} run(s) of the week have no RPE"
    return EffortStatus(
        last_7d=out_number(row["srpe_7d"]) or 0.0,
        chronic_week=out_number(row["srpe_chronic_week"]),
        ratio_7_28=out_number(ratio),
        monotony=out_number(row["srpe_monotony"]),
        strain=out_number(row["srpe_strain"]),
        sessions_7d=int(
            days.filter(pl.col("date") > today - timedelta(days=7))["srpe_sessions"].sum()
        ),
        runs_without_rpe_7d=unrated.height,
        grade=ev.grade,
        note=note,
    )
