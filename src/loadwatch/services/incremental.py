"""A change from day D (a new run, the common upload; an edit or a deletion): the view from
the stored day rows before D and the days from D to today derived from only what can change.

- The daily columns of a day read that day's activities and the fast threshold of the day,
  which reads the runs of the ``WINDOW_DAYS`` days before it: the activities from
  ``D - WINDOW_DAYS`` on are read (one query bounded by date) and the days from D computed
  from them (``analytics/day_rows.py``, else ``daily_frame(start=D)``); the stored rows
  before D are the full path's, since nothing before D changed.  A change on today with
  today's view stored (today's run) reads today's activities only: today's threshold reads
  the days before it, unchanged, so it is the stored one.
- The derived columns of the days from D continue from the stored rows (``analytics.windows``):
  windows (7-day sums, the chronic week, monotony, the sRPE windows) each from their own days,
  read from the daily columns back to ``D - 35``; EWMAs (load, fitness, fatigue) one step a
  day from the stored value of ``D - 1``.  The full path computes each day the same way from
  its first day, so the same bits; the fast threshold's windows are summed in integers
  (``analytics.fast.threshold_frame``), exact whichever day they start on.
- The weeks from D's are summed again from their day rows; headroom for today and the rules
  from D read the whole daily frame, as the full path's.
- What else it needs is read with the stored view in one query (``store/tail_state.py``):
  whether there are session RPEs, plans, symptoms, sessions planned ahead, and the heart-rate
  peak the profile is estimated from.  The newest activity read is the athlete's last (the
  window runs to the last one): the triage row takes it from here (``evaluation``).
- Only the day rows from D changed: the view stores them as its tail when they are all in the
  stored tail, else cuts the day rows at D (``stored_view.View.split``), so that the next
  change from the same day writes its tail alone.

Anything this cannot vouch for returns None and the caller takes the full path: no stored
view (or one older than this loadwatch), a stored view for a day before ``D - 1`` or after
today, D within the EWMAs' seeds (the mean of the first ``CHRONIC_DAYS`` days; a settings or
zone change asks for evaluation from the first day), a coach's threshold, session RPEs, a
plan, a fitness basis the new days would change (another source, or impulses imputed from the
median of every activity), no activity left from D on, heart rates that moved (the witness
read with the state: ``hr_load.moved``; the full path then refreshes every load).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.day_rows import few_day_rows
from loadwatch.analytics.days import local_day, week_start
from loadwatch.analytics.effort import EFFORT_DAY_SCHEMA, effort_windows
from loadwatch.analytics.fast import WINDOW_DAYS, FastThreshold, explain, threshold_frame
from loadwatch.analytics.fitness import daily_impulses, few_day_impulses, fitness_columns
from loadwatch.analytics.load import ACUTE_DAYS, CHRONIC_DAYS, Carried, load_columns
from loadwatch.analytics.schema import DAILY_SCHEMA, FEW_ROWS, few_rows
from loadwatch.analytics.weekly import weekly_frame
from loadwatch.clock import as_utc, local_today
from loadwatch.rules.arrays import Judged
from loadwatch.rules.config import athlete_config
from loadwatch.rules.headroom import Headroom, headroom_judged
from loadwatch.rules.spike_limit import SpikeFlag
from loadwatch.schemas.fitness import FitnessOut
from loadwatch.schemas.status import REPORT_WEEKS, WeekRow
from loadwatch.services.fitness import hr_out
from loadwatch.services.hr_load import moved, profile_with_peak
from loadwatch.services.inputs import EvaluationInputs, RehabInputs, rehab_inputs
from loadwatch.services.out_frames import out_frame
from loadwatch.services.stored_summary import parse_summary
from loadwatch.services.stored_view import View, decode
from loadwatch.services.view_summary import fitness_on, summary_from
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Session
from loadwatch.store.tail_state import tail_state

# An activity's local day is its UTC start moved by at most 14 hours (the widest offsets).
_WIDEST_OFFSET = timedelta(hours=14)
_NO_SYMPTOMS = RehabInputs([], [], [])
_WEEK_ROW = list(WeekRow.model_fields)
# The farthest back an effort window reads: the chronic window, lagged by the acute one.
_EFFORT_BACK = CHRONIC_DAYS + ACUTE_DAYS
_EFFORT_COLS = [c for c in EFFORT_DAY_SCHEMA if c not in ("date", "srpe", "srpe_sessions")]


@dataclass(frozen=True)
class Tailed:
    """What the view after a change from ``since`` is made of, and what the evaluation reads
    besides.  The summary waits for ``view``: its spike cap reads the flags the evaluation
    judges from this ``inp``."""

    inp: EvaluationInputs  # what the rules, the plan rules, pre-flight and the triage read
    since: date  # the first day changed (every flag before it stands)
    last_activity: tuple[int, datetime]  # the athlete's newest activity: (id, start UTC)
    planned: bool  # sessions planned from today on: pre-flight judges them
    row: dict[str, object]  # today's load row
    rooms: dict[str, Headroom]
    fitness: FitnessOut
    days: pl.DataFrame
    weeks: pl.DataFrame
    stored_days: int  # the rows of the stored ``days`` blob (the tail is after them)
    report: list[WeekRow] | None  # the report's weeks (None: rounded from ``weeks``)
    # The daily frame's judgements by headroom's panel (``rules.arrays.Judged``): the rules
    # from ``since`` read them when their look back starts there (a change on today).
    judged: Judged | None
    last_upload: datetime | None  # read with the change's state (``store.tail_state``)
    acknowledged: bool  # any acknowledged flag (``store.tail_state``)

    def view(self, spikes: Sequence[SpikeFlag] | None) -> View:
        """The view, its summary capped by ``spikes`` (the spike flags current today, as the
        evaluation judged them; None: judged again, ``summary_from``)."""
        daily = self.inp.daily
        runs = daily["runs"].to_numpy() > 0
        out = summary_from(
            self.inp,
            self.row,
            self.rooms,
            self.weeks,
            self.fitness,
            _last(daily, runs | (daily["other_sessions"].to_numpy() > 0)),
            _last(daily, runs),
            report=self.report,
            spikes=spikes,
        )
        # Only the rows from ``since`` changed: when they are all in the stored tail (or
        # after it) the tail alone is written; else the day rows are cut at ``since``, so
        # that the next change from the same day (the next upload of the day) writes only
        # its tail.
        k = (self.since - self.days["date"][0]).days
        if k >= self.stored_days:
            return View(out, self.days, self.weeks, tail=self.days.slice(self.stored_days))
        return View(out, self.days, self.weeks, split=k)


def from_day(session: Session, athlete_id: int, today: date | None, since: date) -> Tailed | None:
    """The view for ``today`` after a change from ``since``, from the stored view; None when
    the full evaluation must compute it (module docstring)."""
    athlete = athlete_store.get_athlete(session, athlete_id)
    day = today or local_today(athlete.timezone)
    if since > day or athlete.fast_speed_mps is not None:
        return None
    state = tail_state(session, athlete_id, day)
    # A plan's caps and quiet days are judged in full; so is any session RPE.
    if state is None or state.plans or state.rpe:
        return None
    if not since - timedelta(days=1) <= state.as_of <= day:
        return None
    summary = parse_summary(state.summary)
    fit = summary.fitness if summary is not None else None
    if summary is None or fit is None or fit.imputed:
        return None
    blobs = state.blobs
    main = decode(blobs["days"])
    days = pl.concat([main, decode(blobs["days_tail"])]) if blobs["days_tail"] else main
    if "srpe" not in days.columns or days.is_empty() or days["date"][-1] != state.as_of:
        return None
    first: date = days["date"][0]
    k = (since - first).days  # the row of ``since``
    if k < CHRONIC_DAYS or days["srpe_sessions"].sum():
        return None
    hr = profile_with_peak(athlete, state.hr_peak)
    if moved(state.witness, hr):
        return None  # the heart rates moved: every load is computed again, in full
    if fit.source == "trimp" and fit.hr != hr_out(hr):
        return None
    tz = athlete.timezone
    # A day's fast threshold reads the runs of the days before it only: a change on today,
    # with today's stored, leaves today's threshold the stored one, and the window unread.
    same = since == day == state.as_of
    back = 0 if same else WINDOW_DAYS
    begin = datetime.combine(since - timedelta(days=back), time(), UTC) - _WIDEST_OFFSET
    window = activity_store.activity_frame(session, athlete_id, begin)
    # The local days in Python (``local_day_expr``'s: ``analytics.days.local_day``): a polars
    # query costs more than the window's few rows.
    zone = ZoneInfo(tz)
    starts, offsets = window["start_time"].to_list(), window["utc_offset_s"].to_list()
    local = [local_day(t, off, zone) for t, off in zip(starts, offsets, strict=True)]
    mine = [since <= d <= day for d in local]
    hit = [i for i, m in enumerate(mine) if m]
    # Usually one run of rows (the window is in start order): a slice, where a filter plans a
    # query.
    acts = (
        window.slice(hit[0], len(hit))
        if hit and hit[-1] - hit[0] + 1 == len(hit)
        else window.filter(pl.Series(mine, dtype=pl.Boolean()))
    )
    if acts.is_empty():
        return None
    # The days' impulses in numpy (``few_day_impulses``), else as the full path's query.
    acts_days = [d for d, m in zip(local, mine, strict=True) if m]
    few = few_day_impulses(acts, acts_days, first=since, last=day)
    if few is not None:
        impulses, basis_source = few
    else:
        frame, basis = daily_impulses(acts, tz=tz, first=since, last=day)
        if basis.imputed:
            return None
        impulses, basis_source = frame["fitness_load"].to_numpy().astype(np.float64), basis.source
    if basis_source != fit.source:
        return None
    if same:
        per_day = pl.DataFrame(
            {"date": [day], "fast_speed_mps": [days["fast_threshold_mps"][-1]]},
            schema={"date": pl.Date(), "fast_speed_mps": pl.Float64()},
        )
        kept = summary.fast_threshold
        source = cast(Literal["coach", "derived", "default"], kept.source)  # stored by explain()
        threshold = FastThreshold(days["fast_threshold_mps"][-1], source, kept.explanation)
    else:
        per_day = threshold_frame(
            window, tz=tz, first=since, last=day, coach_speed_mps=None, coach_since=None
        )
        threshold = explain(per_day.row(per_day.height - 1, named=True))
    new = few_day_rows(acts, tz=tz, fast_speed_mps=per_day, start=since, end=day)
    if new is None:
        new = daily_frame(acts, tz=tz, fast_speed_mps=per_day, start=since, end=day)
    before = days.slice(0, k)
    # One chunk, as the full path's frame: polars sums a series chunk by chunk (headroom's
    # week sums), so two chunks would add the same days in another order.
    # Columns by name (``df[names]``: the same columns, chunks and all, without planning a
    # query: ``select`` costs ~5x as much for a frame this wide).
    daily = pl.concat([before[list(DAILY_SCHEMA)], new], rechunk=True)
    rin = rehab_inputs(session, athlete_id, daily, day) if state.symptoms else _NO_SYMPTOMS
    config = athlete_config(athlete.thresholds)
    inp = EvaluationInputs(athlete, acts, day, config, threshold, daily, rin, hr, None, first)
    last = before.row(k - 1, named=True)
    load = load_columns(daily, k, Carried.stored(last))
    fit_days = fitness_columns(impulses, (last["fitness"], last["fatigue"]))
    # No RPE before nor now: the days from ``since`` rate nothing.  The effort windows read
    # ``_EFFORT_BACK`` days at most before a day (each from its own days:
    # ``analytics.windows``): past that many stored days every window of a new day reads
    # zeros only, as the last stored day's did, so its row is the new days' (the bits
    # ``effort_windows`` gives, without building its frames); else only those stored rows are
    # read.
    n_new = new.height
    effort: dict[str, object]
    if k - 1 >= _EFFORT_BACK:
        effort = {c: [last[c]] * n_new for c in _EFFORT_COLS}
    else:
        back = min(k, _EFFORT_BACK)
        rated = pl.concat(
            [
                before[["date", "srpe", "srpe_sessions"]].slice(k - back),
                new.select(
                    "date",
                    pl.lit(0.0).alias("srpe"),
                    pl.lit(0, EFFORT_DAY_SCHEMA["srpe_sessions"]).alias("srpe_sessions"),
                ),
            ]
        )
        effort = dict(effort_windows(rated, back).drop("date").to_dict())
    effort["srpe"], effort["srpe_sessions"] = [0.0] * n_new, [0] * n_new
    # The columns the day rows add to the daily ones, in one frame: row by row for a few
    # days (``few_rows``: one constructor for ~40 columns).
    added = {**load, **fit_days, **effort}
    # ``days.schema`` once: the property builds the whole schema at every call.
    schema = {c: t for c, t in days.schema.items() if c in added}
    extra = (
        few_rows(added, schema)
        if n_new <= FEW_ROWS
        else pl.DataFrame(added, schema=schema, nan_to_null=True)
    )
    # The same days in the same order: side by side, as the full path's joins give them.
    # Two chunks: the stored rows are not copied (only the few new ones are written, or the
    # rows are written whole, chunks and all, and read back as the same values).
    all_days = pl.concat([before, pl.concat([new, extra], how="horizontal")[days.columns]])
    monday = week_start(since)
    weeks = decode(blobs["weeks"])
    # Without any RPE a week's sRPE columns are what ``weekly_effort`` gives zeros: 0, 0 and
    # no ratio (its baseline is 0).
    # The rows are consecutive days: Monday's is ``k`` less the days since it.
    summed = weekly_frame(all_days.slice(k - (since - monday).days)[list(DAILY_SCHEMA)])
    w = summed.height
    # Added side by side and put in order by name: ``with_columns`` and ``select`` plan queries.
    redone = summed.hstack(
        [
            pl.Series("srpe", [0.0] * w, pl.Float64),
            pl.Series("srpe_sessions", [0] * w, pl.Int32),
            pl.Series("srpe_ratio", [None] * w, pl.Float64),
        ]
    )[weeks.columns]
    # The stored weeks before Monday's (in order: a search, not a filter's query).
    earlier = int(np.searchsorted(weeks["week_start"].to_numpy(), np.datetime64(monday)))
    all_weeks = pl.concat([weeks.head(earlier), redone], rechunk=True)
    # Today's load row (``load_rows``' last, NaN null).
    row: dict[str, object] = {"date": day}
    row.update({c: None if math.isnan(v[-1]) else float(v[-1]) for c, v in load.items()})
    rooms, judged = headroom_judged(daily, config, today=day)
    now = {c: float(v[-1]) for c, v in fit_days.items()}
    newest = window.row(window.height - 1, named=True)
    latest = (newest["activity_id"], as_utc(newest["start_time"]))
    return Tailed(
        inp,
        since,
        latest,
        state.planned,
        row,
        {h.dimension: h for h in rooms},
        fitness_on(fit, day, now),
        all_days,
        all_weeks,
        main.height,
        _report(summary.report_weeks, monday, redone),
        judged,
        state.last_upload,
        state.acknowledged,
    )


def _report(
    stored: list[WeekRow] | None, monday: date, redone: pl.DataFrame
) -> list[WeekRow] | None:
    """The report's weeks (``view_summary.report_weeks``) from the stored ones: the weeks
    before ``monday`` are the stored rows, rounded from the same numbers; only the weeks
    summed again are rounded (None: none stored, all rounded)."""
    if stored is None:
        return None
    kept = [w for w in stored if w.week_start < monday]
    # ``report_weeks``' rounding of the weeks summed again (in order already, and the last
    # ``REPORT_WEEKS`` taken below): their columns by name, no sort nor select to plan.
    fresh = out_frame(redone[_WEEK_ROW]).iter_rows(named=True)
    return [*kept, *(WeekRow.model_validate(r) for r in fresh)][-REPORT_WEEKS:]


def _last(daily: pl.DataFrame, active: np.ndarray) -> date | None:
    """The last day of the frame (which ends today) where ``active`` holds (a null count,
    NaN in numpy, is no activity)."""
    hit = np.flatnonzero(active)
    return daily["date"][int(hit[-1])] if hit.size else None
