"""The nightly roll of an unchanged athlete, from the stored view instead of every activity.

When only the day moved since the stored view (the caller's word, ``unchanged_since``: every
change writes a pending row) and nothing is dated after that view's day, the days appended
are rest days, and each column of a rest day follows from the rows before it:

- the daily columns are a rest day's: zeros, and the fast threshold of the day, from the
  window the view carries (``analytics.fast.Window``: the histograms of the runs of the 90
  days before the day after the view's, in ``threshold_frame``'s integer units): a new day's
  window is the day before's without the runs leaving it, which are read alone, and only
  when the day rows say one left.  The same integers as the full path's, so the same bits.
  Without a carried window (the first roll after any other write) it is the stored one when
  no run enters or leaves, else computed from the runs of the new days' windows (one query
  bounded by date), and the window is carried from then on;
- the EWMAs step exactly, ``y = (1 - a)·y_prev`` (the load's and fitness'), the 7- and
  28-day sums, means and deviations are read over the stored rows of their window;
- the weeks holding the new days are summed again from their day rows;
- headroom for the new today is judged on the stored daily rows plus the rest days;
- the summary is built by ``view_summary.summary_from``, as the full evaluation builds it.

The full path computes the EWMAs as polars' ``ewm_mean`` plus a closed-form seed correction,
and the windows as polars' rolling sums; stepping the stored value and summing the window
here give the same numbers to about 1e-15 relative, not always the same bits
(``tests/services/test_incremental.py`` holds them to 1e-9).  No flag reads these columns
(the rules judge the daily columns, which are exact), so no flag or label can move.

Anything this cannot vouch for returns None and the caller takes the full path: no stored
view for that day, an activity that may be dated after it, a plan, heart rates that moved, a
coach's threshold starting meanwhile.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any, Literal, cast

import numpy as np
import polars as pl

from loadwatch.analytics.days import local_day, week_start
from loadwatch.analytics.effort import BASELINE_WEEKS
from loadwatch.analytics.fast import (
    EMPTY_WINDOW,
    SPEED_FRAME_SCHEMA,
    WINDOW_DAYS,
    FastThreshold,
    Window,
    day_windows,
    explain,
    threshold_frame,
    trace_windows,
    windows_thresholds,
)
from loadwatch.analytics.fitness import FATIGUE_DAYS, FITNESS_DAYS, rate
from loadwatch.analytics.load import ACUTE_DAYS, CHRONIC_DAYS, MONOTONY_DAYS
from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA, DAILY_SCHEMA, DIMENSIONS
from loadwatch.analytics.weekly import weekly_frame
from loadwatch.clock import local_today
from loadwatch.rules.config import RuleConfig, athlete_config
from loadwatch.rules.episodes import CURRENT_DAYS
from loadwatch.rules.headroom import Headroom, headroom, headroom_days
from loadwatch.rules.plan import PLAN_RULES
from loadwatch.rules.spike_limit import SPIKE_RULE
from loadwatch.schemas.fitness import FitnessOut
from loadwatch.schemas.status import REPORT_WEEKS, Summary, WeekKm, WeekRow
from loadwatch.services.fitness import hr_out
from loadwatch.services.hr_load import hr_profile
from loadwatch.services.inputs import EvaluationInputs, RehabInputs, rehab_inputs
from loadwatch.services.stored_summary import parse_summary
from loadwatch.services.stored_view import View, day_rows, decode
from loadwatch.services.view_summary import (
    fitness_on,
    report_weeks,
    summary_from,
    weekly_distance,
)
from loadwatch.store import activities as activity_store
from loadwatch.store import flags as flag_rows
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete
from loadwatch.store.roll_state import RollState, roll_state, view_of

# An activity's local day is its UTC start moved by at most 14 hours (the widest offsets).
_WIDEST_OFFSET = timedelta(hours=14)
_SD_ZERO = 1e-9  # as analytics/load.py and analytics/effort.py: a sd below it is no sd
# A roll reads no activity.  Built once: an empty frame of this schema costs ~0.17 ms to
# build, a tenth of the roll's budget; nothing writes into a frame of the inputs.
_NO_ACTIVITIES = pl.DataFrame(schema=ACTIVITY_FRAME_SCHEMA)


@dataclass(frozen=True)
class Rolled:
    inp: EvaluationInputs  # what the plan rules, pre-flight and the triage read
    view: View
    since: date  # the stored view's day it rolled from
    # Symptoms or unresolved plan-rule flags: the plan rules' flags are judged and read.
    # Without (and without plans, which the roll leaves to the full path) none fires or
    # stands to be resolved.
    plan_flags: bool = True
    planned: bool = True  # sessions planned from today on: pre-flight judges them
    # What the roll read (the triage's and the episodes' inputs among it); None: another
    # path built this (services/incremental.py).
    state: RollState | None = None


def read_state(
    session: Session, athlete_id: int, since: date, today: date | None = None
) -> RollState | None:
    """What a roll from the view for ``since`` to ``today`` reads, in one query
    (``store/roll_state.py``), with the forecast stored for ``today`` (None: the athlete's
    local today, not known before the query: the day after ``since``, the nightly roll's);
    None: no such athlete or no view."""
    # Activities that may be dated after ``since``: starting less than the widest offset
    # before its end.
    end = datetime.combine(since + timedelta(days=1), time(), UTC) - _WIDEST_OFFSET
    # The spike cap reads the spike flags current on the new day (``quick_roll``), from
    # ``day - (CURRENT_DAYS - 1)``; the new day is at least ``since + 1``, so none dated from
    # ``_spikes_from(since)``, none to read.
    day = today or since + timedelta(days=1)
    spikes = _spikes_from(since)
    return roll_state(session, athlete_id, since, end, PLAN_RULES, SPIKE_RULE, spikes, day)


def _spikes_from(since: date) -> date:
    """The first day a spike flag is current on the day after ``since``."""
    return since + timedelta(days=1) - timedelta(days=CURRENT_DAYS - 1)


def quick_roll(
    session: Session, state: RollState, today: date | None, since: date
) -> Rolled | None:
    """The view for ``today`` rolled from the stored view for ``since`` (``state``, from
    ``read_state``); None when the full evaluation must compute it (module docstring)."""
    ahead = rolled_ahead(session, state, today, since)
    return None if ahead is None else ahead.on(session, ahead.days)


@dataclass(frozen=True)
class Ahead:
    """The rest days after the stored view's day ``since`` rolled in one go, up to ``last``:
    what the roll of each of them stores is ``on`` of its number (``services/forecast.py``
    asks for the days after the roll's own).  Each day's rows read only the days before it,
    so the roll to a day is the same whichever day the batch runs to."""

    state: RollState
    since: date
    days: int  # the roll's own day is ``since + days``
    last: date
    new_dates: list[date]
    old: pl.DataFrame  # the stored daily columns
    stored_days: pl.DataFrame  # the stored day rows
    weeks: pl.DataFrame  # the stored week rows
    added: pl.DataFrame  # the daily columns of the rest days
    daily: pl.DataFrame  # ``old`` then ``added``
    all_days: pl.DataFrame  # the stored day rows then the rest days'
    tail_rows: pl.DataFrame  # the stored tail then the rest days'
    thresholds: list[FastThreshold]  # of each new day
    windows: list[Window | None]  # of the day after each new day (None: none carried)
    config: RuleConfig
    hr: Any
    fit: FitnessOut
    summary: Summary
    # The spike flags of every night's current window, read once for the batch (``_spikes``).
    _spike_rows: list[Any] = field(default_factory=list, compare=False, repr=False)

    def _spikes(self, session: Session, day: date) -> list[Any]:
        """``flags.raised_in`` of ``day``'s current window: the rows of the windows of every
        new day, read on the first call (one statement a batch, not one a night: nothing
        writes a flag while the batch rolls), those dated inside ``day``'s window kept."""
        if not self._spike_rows:
            lo = self.new_dates[0] - timedelta(days=CURRENT_DAYS - 1)
            rows = flag_rows.raised_in(
                session, self.state.athlete.id, lo, self.new_dates[-1], SPIKE_RULE
            )
            self._spike_rows.append(rows)
        first = day - timedelta(days=CURRENT_DAYS - 1)
        return [r for r in self._spike_rows[0] if first <= r.date <= day]

    @cached_property
    def _all_weeks(self) -> pl.DataFrame:
        return _rest_weeks(self.weeks, self.added)

    def _weeks(self, j: int) -> pl.DataFrame:
        """``_rest_weeks`` of the first ``j`` rest days, cut from those of them all: a rest
        week's row sums zeros whatever its days, so only the last week's count of days
        differs (one ``weekly_frame`` per batch instead of one per night)."""
        if j == self.added.height:
            return self._all_weeks
        starts = self._starts
        last = starts[j - 1]
        rows = self.weeks.height + len(set(starts[:j]) - {self.weeks["week_start"][-1]})
        out = self._all_weeks.head(rows)
        counts = out["days"].to_numpy().copy()
        counts[-1] -= sum(1 for s in starts[j:] if s == last)
        # In place on a copy (the columns shared), not ``with_columns``: an expression is
        # planned and collected, a tenth of a forecast night.
        out = out.clone()
        out.replace_column(
            out.get_column_index("days"), pl.Series("days", counts, dtype=out.schema["days"])
        )
        return out

    @cached_property
    def _starts(self) -> list[date]:
        return cast(list[date], self.added["week_start"].to_list())

    @cached_property
    def _reports(self) -> dict[int, list[WeekRow] | None]:
        return {}

    @cached_property
    def _weekly(self) -> dict[int, list[WeekKm]]:
        return {}

    def _weekly_distance(self, weeks: pl.DataFrame) -> list[WeekKm]:
        """``weekly_distance`` of ``weeks``, by its number of weeks (as ``_report``): the
        summary's ~150 weeks built once per batch, not once per night."""
        if weeks.height not in self._weekly:
            self._weekly[weeks.height] = weekly_distance(weeks)
        return self._weekly[weeks.height]

    def _report(self, weeks: pl.DataFrame) -> list[WeekRow] | None:
        """``_report`` of the stored weeks and ``weeks``: by its number of weeks, which are
        the same in every night's (only the last one's count of days, not reported, moves)."""
        if weeks.height not in self._reports:
            self._reports[weeks.height] = _report(
                self.summary.report_weeks, weeks, self.weeks.height
            )
        return self._reports[weeks.height]

    def rooms(self, first: int, last: int) -> dict[int, list[Headroom]]:
        """The headroom of the ``first``-th to ``last``-th days after ``since`` (for ``on``),
        judged together (``headroom.headroom_days``: one panel, not one per day)."""
        n_old = self.old.height
        count = last - first + 1
        daily = self.daily.head(n_old + last)
        days = headroom_days(daily, self.config, today=self.new_dates[first - 1], count=count)
        return {first + i: day for i, day in enumerate(days)}

    def on(self, session: Session, j: int, rooms: list[Headroom] | None = None) -> Rolled | None:
        """The roll of the ``j``-th day after ``since`` (1: the day after); ``rooms``: its
        headroom when already judged (``rooms``)."""
        state = self.state
        athlete = state.athlete
        day = self.new_dates[j - 1]
        n_old, n_days = self.old.height, self.stored_days.height
        daily = self.daily.head(n_old + j)
        no_symptoms = RehabInputs([], [], [])
        symptoms = state.symptoms(day)
        rin = rehab_inputs(session, athlete.id, daily, day) if symptoms else no_symptoms
        if rin.plans:
            return None  # a plan's caps and quiet days run to today: judged in full
        inp = EvaluationInputs(
            athlete,
            _NO_ACTIVITIES,
            day,
            self.config,
            self.thresholds[j - 1],
            daily,
            rin,
            self.hr,
            None,
            self.stored_days["date"][0],
        )
        tail_rows = self.tail_rows.head(self.tail_rows.height - self.added.height + j)
        row = self.all_days.row(n_days + j - 1, named=True)
        all_weeks = self._weeks(j)
        if rooms is None:
            rooms = headroom(daily, self.config, today=day)
        by_dim = {h.dimension: h for h in rooms}
        fitness = fitness_on(self.fit, day, row)
        summary = self.summary
        # Nothing changed since the stored view, so the stored spike flags are the ones the
        # rules would raise: the spike cap reads them instead of judging the rules again.
        out = summary_from(
            inp,
            row,
            by_dim,
            all_weeks,
            fitness,
            summary.last_activity_date,
            summary.last_run_date,
            self._report(all_weeks),
            spikes=self._spikes(session, day) if state.recent_spikes else [],
            weekly=self._weekly_distance(all_weeks),
        )
        plan_flags = symptoms or state.plan_flags
        window = self.windows[j - 1]
        view = View(
            out,
            self.all_days.head(n_days + j),
            all_weeks,
            tail_rows,
            window.to_bytes() if window else None,
        )
        return Rolled(inp, view, self.since, plan_flags, state.planned(day), state)


def rolled_ahead(
    session: Session,
    state: RollState,
    today: date | None,
    since: date,
    last: date | None = None,
) -> Ahead | None:
    """The rest days from the stored view for ``since`` to ``last`` (None: ``today``, the
    roll's own day, or the athlete's local today) rolled in one go; None when the full
    evaluation must compute the roll's own day (module docstring)."""
    athlete = state.athlete
    athlete_id = athlete.id
    day = today or local_today(athlete.timezone)
    last = max(last or day, day)
    if since >= day or state.as_of != since or state.plans:
        return None  # (a plan's caps and quiet days run to today: judged in full)
    blobs, as_stored = state.blobs, state.summary
    if as_stored is None:  # a forecast was read, and not served (``store.roll_state``)
        as_stored, blobs = view_of(session, athlete_id)
    summary = parse_summary(as_stored)
    if summary is None or summary.last_activity_date is None:
        return None
    # Nothing dated after the view's day: of the activities that may be (starting less than
    # the widest offset before its end), none is on a later local day.
    if state.late_starts:
        end = datetime.combine(since + timedelta(days=1), time(), UTC) - _WIDEST_OFFSET
        for start, offset in activity_store.starts_from(session, athlete_id, end):
            if local_day(start, offset, athlete.timezone) > since:
                return None
    coach_since = athlete.fast_speed_since
    if athlete.fast_speed_mps is not None and coach_since is not None and since < coach_since:
        return None  # the coach's speed starts on one of the new days
    fit = summary.fitness
    if fit is None:
        return None
    # Only a heart-rate fitness reads the heart rates (a query for the estimated maximum).
    hr = hr_profile(session, athlete) if fit.source == "trimp" else None
    if fit.source == "trimp" and fit.hr != hr_out(hr):
        return None
    days, weeks = day_rows(blobs), decode(blobs["weeks"])
    if "srpe" not in days.columns or days.is_empty() or days["date"][-1] != since:
        return None
    old = days[list(DAILY_SCHEMA)]  # (columns picked eagerly: a select plans a query)
    fast = summary.fast_threshold
    if fast.speed_mps is None:
        return None
    idle = (old["runs"].to_numpy() == 0) & (old["other_sessions"].to_numpy() == 0)
    if not idle.any():
        return None  # no rest day to copy the zeros of
    rest = old.row(int(np.flatnonzero(idle)[-1]), named=True)
    new_dates = [since + timedelta(days=i) for i in range(1, (last - since).days + 1)]
    source = cast(Literal["coach", "derived", "default"], fast.source)  # stored by explain()
    stored = FastThreshold(fast.speed_mps, source, fast.explanation)
    thresholds = [stored] * len(new_dates)
    windows: list[Window | None] = [None] * len(new_dates)
    per_day = [old["fast_threshold_mps"][-1]] * len(new_dates)
    carried = Window.from_bytes(state.fast_window) if fast.source != "coach" else None
    if carried is not None:
        rows, windows = _carry(session, athlete, old, since, new_dates, carried)
        per_day = [r["fast_speed_mps"] for r in rows]
        thresholds = [explain(r) for r in rows]
    elif fast.source != "coach" and not _window_stands(old, since, last):
        # A run enters or leaves the 90-day window: the new days' thresholds from the runs
        # of their windows only (the history before is not read), and the window carried
        # from now on.
        first = since + timedelta(days=1)
        begin = datetime.combine(first - timedelta(days=WINDOW_DAYS), time(), UTC)
        acts = activity_store.activity_frame(
            session, athlete_id, begin - _WIDEST_OFFSET, SPEED_FRAME_SCHEMA
        )
        frame = threshold_frame(
            acts,
            tz=athlete.timezone,
            first=first,
            last=last,
            coach_speed_mps=athlete.fast_speed_mps,
            coach_since=coach_since,
        )
        speeds = frame["fast_speed_mps"].to_list()
        by_day = day_windows(acts, athlete.timezone, first - timedelta(days=WINDOW_DAYS), since)
        for i, (d, r) in enumerate(zip(new_dates, frame.iter_rows(named=True), strict=True)):
            # The nights before a run leaves are rolled as the window standing (the stored
            # threshold, no window carried), as the roll to that night alone rolls them.
            if _window_stands(old, since, d):
                continue
            per_day[i], thresholds[i] = speeds[i], explain(r)
            # The window of the day after ``d``: the runs of its 90 days, the last of which
            # are the new rest days (integers: the same sums in any order).
            ws = [w for k, w in by_day.items() if k >= d - timedelta(days=WINDOW_DAYS - 1)]
            windows[i] = Window(
                sum((w.units for w in ws), EMPTY_WINDOW.units), sum(w.runs for w in ws)
            )
    added = pl.DataFrame(
        [
            {**rest, "date": d, "week_start": week_start(d), "fast_threshold_mps": f}
            for d, f in zip(new_dates, per_day, strict=True)
        ],
        schema=old.schema,
    )
    appended = _rest_rows(days, added)
    tail = blobs["days_tail"]
    return Ahead(
        state=state,
        since=since,
        days=(day - since).days,
        last=last,
        new_dates=new_dates,
        old=old,
        stored_days=days,
        weeks=weeks,
        added=added,
        daily=pl.concat([old, added]),
        all_days=pl.concat([days, appended]),
        tail_rows=pl.concat([decode(tail), appended]) if tail else appended,
        thresholds=thresholds,
        windows=windows,
        config=athlete_config(athlete.thresholds),
        hr=hr,
        fit=fit,
        summary=summary,
    )


def _report(stored: list[WeekRow] | None, weeks: pl.DataFrame, had: int) -> list[WeekRow] | None:
    """The report's weeks of ``weeks`` (the stored ``had`` rows, then the weeks the roll
    added), as ``view_summary.report_weeks`` gives them, from the stored ones: the last
    stored week gains rest days, which move none of the report's columns, so only the weeks
    added are rounded and checked (None: none stored, compute them all)."""
    if stored is None:
        return None
    added = report_weeks(weeks.slice(had)) if weeks.height > had else []
    return [*stored, *added][-REPORT_WEEKS:]


def _rest_weeks(weeks: pl.DataFrame, added: pl.DataFrame) -> pl.DataFrame:
    """The stored week rows with the rest days ``added`` (daily rows after the last stored
    day) counted in: the last stored week gains days and nothing else (a rest day adds zeros
    to its sums and lowers no maximum; its sRPE and the weeks before it, its baseline, are
    the same); a week after it is ``weekly_frame``'s row of its rest days with no sRPE, its
    ratio 0 against the mean of the 4 weeks before (``weekly_effort``), none while that is
    0 or they are fewer."""
    # ``added`` is in date order: its days in the last stored week, then those after it (no
    # filter: a polars expression costs a few tenths of a millisecond to plan).
    last_start = weeks["week_start"][-1]
    more = sum(1 for s in added["week_start"].to_list() if s <= last_start)
    ahead = added.slice(more)
    if more:
        counts = weeks["days"].to_numpy().copy()
        counts[-1] += more
        weeks = weeks.with_columns(pl.Series("days", counts, dtype=weeks.schema["days"]))
    if ahead.is_empty():
        return weeks
    srpe: list[float] = weeks["srpe"].to_list()
    new = []
    for week in weekly_frame(ahead.select(list(DAILY_SCHEMA))).iter_rows(named=True):
        base = sum(srpe[-BASELINE_WEEKS:]) / BASELINE_WEEKS if len(srpe) >= BASELINE_WEEKS else 0
        ratio = 0.0 if base > 0 else None
        new.append({**week, "srpe": 0.0, "srpe_sessions": 0, "srpe_ratio": ratio})
        srpe.append(0.0)
    return pl.concat([weeks, pl.DataFrame(new, schema=weeks.schema)])


def _carry(
    session: Session,
    athlete: Athlete,
    old: pl.DataFrame,
    since: date,
    new_dates: list[date],
    carried: Window,
) -> tuple[list[dict[str, Any]], list[Window | None]]:
    """The threshold rows of the new days from the window carried for the day after
    ``since`` (``old``'s last day), and the window of the day after each of them.  The
    window of day ``d + 1`` is that of ``d`` without the runs of ``d - 90`` (``d`` is a rest
    day): only those runs are read, and only when the stored day rows say there are some.
    The integers ``threshold_frame`` sums, so the same thresholds, bit for bit."""
    lo = since - timedelta(days=WINDOW_DAYS - 1)
    hi = new_dates[-1] - timedelta(days=WINDOW_DAYS)
    # One row per day ending on ``since``: the rows of those days by position.
    runs = old["runs"].to_numpy()
    end = runs.size - 1
    first, last = max(end - (since - lo).days, 0), end - (since - hi).days
    leaving: dict[date, Window] = {}
    if last >= first and runs[first : last + 1].any():
        begin = datetime.combine(lo, time(), UTC) - _WIDEST_OFFSET
        until = datetime.combine(hi + timedelta(days=1), time(), UTC) + _WIDEST_OFFSET
        traces = activity_store.speed_traces(session, athlete.id, begin, until)
        leaving = trace_windows(traces, athlete.timezone, lo, hi)
    windows, window = [], carried
    after: list[Window | None] = []
    for d in new_dates:
        windows.append(window)
        window = window.minus(leaving.get(d - timedelta(days=WINDOW_DAYS), EMPTY_WINDOW))
        after.append(window)
    return windows_thresholds(windows), after


def _window_stands(old: pl.DataFrame, since: date, day: date) -> bool:
    """Whether the derived (or default) fast threshold of every new day is the stored one:
    a day's window is the 90 days before it, so from ``since`` to ``day`` the runs of
    ``[since - 90, day - 91]`` leave it and those of ``since`` enter it (the new days have
    none).  With the same runs the window's histogram sums are the same bits
    (``analytics/fast.threshold_frame``: differences of one cumulative sum that adds only
    zeros over rest days), so the same threshold and explanation."""
    lo, hi = since - timedelta(days=WINDOW_DAYS), day - timedelta(days=WINDOW_DAYS + 1)
    # One row per day ending on ``since``: the rows of those days by position.
    runs = old["runs"].to_numpy()
    end = runs.size - 1
    first, last = max(end - (since - lo).days, 0), end - (since - hi).days
    leaving = int(runs[first : last + 1].sum()) if last >= first else 0
    return leaving + int(runs[end]) == 0


def _rest_rows(days: pl.DataFrame, added: pl.DataFrame) -> pl.DataFrame:
    """The stored day rows' columns for the appended rest days (``added``'s daily columns)."""
    n = added.height
    cols: dict[str, Sequence[object]] = {c: added[c].to_list() for c in added.columns}
    for dim, (col, _) in DIMENSIONS.items():
        x = np.concatenate([days[col].to_numpy(), np.zeros(n)])
        cols[f"{dim}_load"] = [0.0] * n
        acute = _decay(days[f"{dim}_acute_ewma"][-1], 2.0 / (ACUTE_DAYS + 1.0), n)
        chronic = _decay(days[f"{dim}_chronic_ewma"][-1], 2.0 / (CHRONIC_DAYS + 1.0), n)
        cols[f"{dim}_acute_ewma"], cols[f"{dim}_chronic_ewma"] = acute, chronic
        cols[f"{dim}_ewma_ratio"] = [
            a / c if a is not None and c is not None and c > 0 else None
            for a, c in zip(acute, chronic, strict=True)
        ]
        w = _windows(x, days.height, n, min_week=ACUTE_DAYS)
        cols[f"{dim}_acute_7d"], cols[f"{dim}_chronic_week"] = w["7d"], w["chronic_week"]
        cols[f"{dim}_ratio"], cols[f"{dim}_monotony"] = w["ratio"], w["monotony"]
        cols[f"{dim}_strain"] = w["strain"]
    cols["fitness_load"] = [0.0] * n
    fitness = _decay(days["fitness"][-1], rate(FITNESS_DAYS), n)
    fatigue = _decay(days["fatigue"][-1], rate(FATIGUE_DAYS), n)
    cols["fitness"], cols["fatigue"] = fitness, fatigue
    cols["form"] = [
        f - g if f is not None and g is not None else None
        for f, g in zip(fitness, fatigue, strict=True)
    ]
    x = np.concatenate([days["srpe"].to_numpy(), np.zeros(n)])
    w = _windows(x, days.height, n, min_week=1)  # srpe_7d sums from the first day
    cols["srpe"], cols["srpe_sessions"] = [0.0] * n, [0] * n
    cols["srpe_7d"], cols["srpe_chronic_week"] = w["7d"], w["chronic_week"]
    cols["srpe_ratio"], cols["srpe_monotony"] = w["ratio"], w["monotony"]
    cols["srpe_strain"] = w["strain"]
    # Built row-wise: a frame of a few rows costs a third of a column-wise build of ~70 columns.
    rows = list(zip(*(cols[c] for c in days.columns), strict=True))
    return pl.DataFrame(rows, schema=days.schema, orient="row")


def _decay(last: float | None, a: float, n: int) -> list[float | None]:
    """An EWMA over ``n`` rest days after ``last``: ``y = (1 - a)·y_prev + a·0``."""
    out: list[float | None] = []
    y = last
    for _ in range(n):
        y = None if y is None else (1.0 - a) * y
        out.append(y)
    return out


def _windows(x: np.ndarray, start: int, n: int, min_week: int) -> dict[str, list[float | None]]:
    """The 7-day sum, the mean week of the 28 days before it, their ratio, monotony and strain
    of rows ``start .. start + n - 1`` of ``x``, as polars' rolling windows give them (null
    until the window is full; the 7-day sum from ``min_week`` rows)."""
    out: dict[str, list[float | None]] = {
        k: [] for k in ("7d", "chronic_week", "ratio", "monotony", "strain")
    }
    for j in range(start, start + n):
        week = x[max(j - ACUTE_DAYS + 1, 0) : j + 1]
        s7 = float(week.sum()) if j + 1 >= min_week and week.size >= min_week else None
        cw = (
            float(x[j - ACUTE_DAYS - CHRONIC_DAYS + 1 : j - ACUTE_DAYS + 1].sum())
            * (ACUTE_DAYS / CHRONIC_DAYS)
            if j >= ACUTE_DAYS + CHRONIC_DAYS - 1
            else None
        )
        mono: float | None = None
        if j + 1 >= MONOTONY_DAYS:
            span = x[j - MONOTONY_DAYS + 1 : j + 1]
            sd = float(np.std(span, ddof=1))
            mono = float(span.mean()) / sd if sd > _SD_ZERO and math.isfinite(sd) else None
        out["7d"].append(s7)
        out["chronic_week"].append(cw)
        out["ratio"].append(s7 / cw if s7 is not None and cw is not None and cw > 0 else None)
        out["monotony"].append(mono)
        out["strain"].append(s7 * mono if s7 is not None and mono is not None else None)
    return out
