"""A change from day D (a new run, the common upload): the view from the stored day rows
before D and the days from D to today computed from only the activities in that range.

A day's daily columns (``analytics/daily.daily_frame``) read that day's activities and the
fast threshold of the day, which reads the runs of the ``WINDOW_DAYS`` days before it: so
the days from D are computed from the activities from ``D - WINDOW_DAYS`` on (one query
bounded by date), and the stored rows before D are the full path's, since no change reaches
back before D.  The daily frame is the stored rows before D and the new rows from D.

Every derived column is then computed over that whole daily frame by the full path's own
functions (``load_frame``, ``fitness_frame``): the EWMAs' seeds are the means of the first
rows, which D must be past (``_SEEDS``), and a frame of the same daily columns gives the same
derived bits.  Those passes over a few years of day rows cost a few milliseconds; what the
full path spends besides is reading and summing every activity, which this skips.  Without
any RPE the sRPE columns are the stored ones (the same days, zeros).  The weeks from D's are
summed again from their day rows.

The days' fast thresholds are summed from the window's start instead of the first day's (as
``services/roll.py``'s): the same runs, so the speed agrees to ~1e-15, not always the same bits.

Anything this cannot vouch for returns None and the caller takes the full path: no stored view
for today, D within the seeds' first days, a coach's threshold, session RPEs, a plan, a
fitness basis that the new days would change (another source, or impulses imputed from the
median of every activity), no activity left from D on (a deletion).  The caller falls back
too when heart rates moved (``evaluation._evaluate_in``); a settings or zone change asks for
evaluation from the first activity's day, before the stored rows' seeds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.days import local_day_expr, week_start
from loadwatch.analytics.effort import EFFORT_DAY_SCHEMA, weekly_effort
from loadwatch.analytics.fast import WINDOW_DAYS, explain, threshold_frame
from loadwatch.analytics.fitness import daily_impulses, fitness_frame
from loadwatch.analytics.load import CHRONIC_DAYS, load_frame
from loadwatch.analytics.schema import DAILY_SCHEMA
from loadwatch.analytics.weekly import weekly_frame
from loadwatch.clock import local_today
from loadwatch.rules.config import athlete_config
from loadwatch.rules.headroom import headroom
from loadwatch.services.effort import join_effort
from loadwatch.services.fitness import hr_out
from loadwatch.services.hr_load import hr_profile
from loadwatch.services.inputs import EvaluationInputs, rehab_inputs
from loadwatch.services.roll import Rolled
from loadwatch.services.rounding import out_number
from loadwatch.services.stored_view import View, decode, parse_summary
from loadwatch.services.view_summary import summary_from
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import views as view_rows
from loadwatch.store.db import Session

# An activity's local day is its UTC start moved by at most 14 hours (the widest offsets).
_WIDEST_OFFSET = timedelta(hours=14)
# The EWMAs' seeds are the means of the first CHRONIC_DAYS rows (analytics/load.seeded_ewma):
# a change within them moves every row after.
_SEEDS = CHRONIC_DAYS


def quick_tail(session: Session, athlete_id: int, today: date | None, since: date) -> Rolled | None:
    """The view for ``today`` after a change from ``since``, from the stored view for
    ``today``; None when the full evaluation must compute it (module docstring)."""
    athlete = athlete_store.get_athlete(session, athlete_id)
    day = today or local_today(athlete.timezone)
    if since > day or athlete.fast_speed_mps is not None:
        return None
    found = view_rows.frames(session, athlete_id, ["days", "weeks"])
    if found is None or found[0] != day:
        return None
    summary = parse_summary(found[1])
    fit = summary.fitness if summary is not None else None
    if summary is None or fit is None or fit.imputed:
        return None
    days, weeks = decode(found[2]["days"]), decode(found[2]["weeks"])
    if "srpe" not in days.columns or days.is_empty() or days["date"][-1] != day:
        return None
    first: date = days["date"][0]
    if since < first + timedelta(days=_SEEDS) or days["srpe_sessions"].sum():
        return None
    if activity_store.any_rpe(session, athlete_id):
        return None
    hr = hr_profile(session, athlete)
    if fit.source == "trimp" and fit.hr != hr_out(hr):
        return None
    tz = athlete.timezone
    begin = datetime.combine(since - timedelta(days=WINDOW_DAYS), time(), UTC) - _WIDEST_OFFSET
    window = activity_store.activity_frame(session, athlete_id, begin)
    local = window.select(local_day_expr(tz).alias("d"))["d"]
    acts = window.filter((local >= since) & (local <= day))
    if acts.is_empty():
        return None
    impulses, basis = daily_impulses(acts, tz=tz, first=since, last=day)
    if basis.source != fit.source or basis.imputed:
        return None
    per_day = threshold_frame(
        window,
        tz=tz,
        first=since,
        last=day,
        coach_speed_mps=None,
        coach_since=athlete.fast_speed_since,
    )
    new = daily_frame(acts, tz=tz, fast_speed_mps=per_day, start=since, end=day)
    before = days.filter(pl.col("date") < since)
    daily = pl.concat([before.select(list(DAILY_SCHEMA)), new])
    rin = rehab_inputs(session, athlete_id, daily, day)
    if rin.plans:
        return None  # a plan's caps and quiet days: judged in full
    config = athlete_config(athlete.thresholds)
    threshold = explain(per_day.row(per_day.height - 1, named=True))
    inp = EvaluationInputs(athlete, acts, day, config, threshold, daily, rin, hr, None, first)
    load = load_frame(daily)
    fit_days = fitness_frame(pl.concat([before.select("date", "fitness_load"), impulses]))
    # No RPE now nor in the stored rows, over the same days: the stored sRPE columns are what
    # ``view_effort`` would compute again (zeros, and the windows' nulls).
    all_days = join_effort(
        daily.join(load, on="date", how="left").join(fit_days, on="date", how="left"),
        days.select(list(EFFORT_DAY_SCHEMA)),
        "day",
    ).select(days.columns)
    monday = week_start(since)
    recent = all_days.filter(pl.col("date") >= monday)
    effort_from = all_days.filter(pl.col("date") >= monday - timedelta(weeks=5))
    redone = join_effort(
        weekly_frame(recent.select(list(DAILY_SCHEMA))),
        weekly_effort(effort_from.select(list(EFFORT_DAY_SCHEMA))),
        "week",
    )
    all_weeks = pl.concat([weeks.filter(pl.col("week_start") < monday), redone])
    row = load.row(load.height - 1, named=True)
    last = fit_days.row(fit_days.height - 1, named=True)
    fitness = fit.model_copy(
        update={
            "as_of": day,
            "fitness": out_number(last["fitness"]),
            "fatigue": out_number(last["fatigue"]),
            "form": out_number(last["form"]),
        }
    )
    runs = daily.filter(pl.col("runs") > 0)["date"]
    last_run = runs.max() if runs.len() else None
    out = summary_from(
        inp,
        row,
        {h.dimension: h for h in headroom(daily, config, today=day)},
        all_weeks,
        fitness,
        local.filter(local <= day).max(),  # type: ignore[arg-type]
        last_run,  # type: ignore[arg-type]
    )
    return Rolled(inp, View(out, all_days, all_weeks))
