"""The store meets the pure analytics and rules: evaluate an athlete, keep their flags.

Flags are upserted per (athlete, rule, dimension, local day).  Re-evaluating a range
``[from_date, today]``:

- a flag that fires and is not stored is inserted ``open``;
- a stored flag that fires again gets the new numbers, message and severity but keeps its
  status, so a coach's acknowledgement survives re-evaluation;
- a stored flag that no longer fires (the data changed: an activity deleted, a threshold
  raised) is deleted when still ``open`` - nobody acted on it and it is no longer true.  An
  ``acked`` or ``resolved`` flag is kept as it is: it records a conversation between coach and
  runner, and deleting it would rewrite that history.

Rules read windows backwards (up to 30 days for the single-run spike, 35 for the weekly ramp),
so a run on day D can change flags up to D + 35: callers pass the earliest local day they
touched and the whole range up to today is re-evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import polars as pl
import polars.selectors as cs
from pydantic import BaseModel

from loadwatch.analytics.daily import daily_frame, local_date_expr
from loadwatch.analytics.fast import FastThreshold, fast_threshold, threshold_frame
from loadwatch.analytics.load import load_frame
from loadwatch.analytics.schema import DIMENSIONS, UNITS
from loadwatch.analytics.weekly import weekly_frame
from loadwatch.clock import UtcDatetime, local_today
from loadwatch.errors import Conflict, InvalidRequest
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import evaluate as run_rules
from loadwatch.rules.episodes import HISTORIC_DAYS, classify
from loadwatch.rules.headroom import headroom
from loadwatch.services import rehab
from loadwatch.services.rehab import RehabInputs, RehabStatus
from loadwatch.store import flags, pending, repo
from loadwatch.store.db import Session, Store
from loadwatch.store.models import Athlete, Flag

Period = Literal["day", "week"]


@dataclass
class EvaluationResult:
    athlete_id: int
    new_flag_ids: list[int] = field(default_factory=list)
    updated_flag_ids: list[int] = field(default_factory=list)
    removed: int = 0
    evaluated_from: date | None = None  # None: the whole history
    today: date | None = None


@dataclass(frozen=True)
class EvaluationInputs:
    athlete: Athlete
    activities: pl.DataFrame
    today: date
    config: RuleConfig
    fast: FastThreshold
    daily: pl.DataFrame
    rehab: RehabInputs  # symptoms, their responses and plans (docs/rehab.md)


def evaluation_inputs(session: Session, athlete_id: int, today: date | None) -> EvaluationInputs:
    """What every view and the rules read for one athlete as of ``today``: built in one place
    so that flags, status, series and the dashboard show one set of numbers."""
    athlete = repo.get_athlete(session, athlete_id)
    activities = repo.activity_frame(session, athlete_id)
    day = today or local_today(athlete.timezone)
    config = RuleConfig.from_overrides(dict(athlete.thresholds or {}))
    tz = athlete.timezone
    coach = athlete.fast_speed_mps
    fast = fast_threshold(activities, coach_speed_mps=coach, today=day, tz=tz)
    # Each day's fast km with the threshold in force that day: one set of numbers for the
    # weekly table, status, series and flags.
    per_day = (
        threshold_frame(
            activities,
            tz=tz,
            first=_first_day(activities, tz, day),
            last=day,
            coach_speed_mps=coach,
        )
        if not activities.is_empty()
        else None
    )
    daily = daily_frame(activities, tz=tz, fast_speed_mps=per_day, end=day)
    rin = rehab.rehab_inputs(session, athlete_id, daily, day)
    return EvaluationInputs(athlete, activities, day, config, fast, daily, rin)


def _first_day(activities: pl.DataFrame, tz: str, today: date) -> date:
    first = activities.select(local_date_expr(tz).min()).item()
    return min(first, today) if isinstance(first, date) else today


def _evaluate_in(
    session: Session,
    athlete_id: int,
    from_date: date | None,
    today: date | None,
    historic_days: int = HISTORIC_DAYS,
) -> EvaluationResult:
    inp = evaluation_inputs(session, athlete_id, today)
    result = EvaluationResult(athlete_id, evaluated_from=from_date, today=inp.today)
    # Plans and symptoms (docs/rehab.md): their flags, and the days a plan quiets the others.
    plan = rehab.verdict(inp)
    fired = [
        f
        for f in [
            *run_rules(inp.daily, inp.config, since=from_date, quiet=plan.quiet),
            *plan.records,
        ]
        if (from_date is None or f.date >= from_date) and f.date <= inp.today
    ]
    stored = {
        (f.rule, f.dimension, f.date): f
        for f in flags.in_range(session, athlete_id, from_date, inp.today)
    }
    new: list[Flag] = []
    for rec in fired:
        key = (rec.rule, rec.dimension, rec.date)
        row = stored.pop(key, None)
        numbers = {
            "severity": rec.severity,
            "value": float(rec.value),
            "baseline": float(rec.baseline),
            "ratio": float(rec.ratio),
            "threshold": float(rec.threshold),
            "message": rec.message,
        }
        if row is None:
            row = Flag(athlete_id=athlete_id, rule=rec.rule, dimension=rec.dimension, date=rec.date)
            for k, v in numbers.items():
                setattr(row, k, v)
            # First raised long after its day (a backfill of old history): kept and listed as
            # history, never announced, never "at risk" (docs/rules.md, Flags over time).
            row.status = classify(rec.date, inp.today, historic_days)
            flags.add(session, row)
            new.append(row)
        elif any(getattr(row, k) != v for k, v in numbers.items()):
            for k, v in numbers.items():
                setattr(row, k, v)
            result.updated_flag_ids.append(row.id)
    for row in stored.values():
        if row.status in ("open", "historic"):
            flags.remove(session, row)
            result.removed += 1
    flags.flush(session)
    result.new_flag_ids = [f.id for f in new]
    return result


def evaluate_athlete(
    store: Store,
    athlete_id: int,
    *,
    from_date: date | None = None,
    today: date | None = None,
    historic_days: int = HISTORIC_DAYS,
) -> EvaluationResult:
    """Re-evaluate ``[from_date, today]`` (``today`` defaults to the athlete's local date) and
    store the flags.  One transaction; a concurrent evaluation of the same athlete that wins the
    race to insert a flag makes this one retry once on the updated state."""
    for attempt in (1, 2):
        try:
            with store.transaction() as s:
                return _evaluate_in(s, athlete_id, from_date, today, historic_days)
        except Conflict:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def drain_pending(
    store: Store,
    *,
    athlete_id: int | None = None,
    today: date | None = None,
    historic_days: int = HISTORIC_DAYS,
    on_result: Callable[[EvaluationResult], None] | None = None,
) -> list[int]:
    """Evaluate every pending request (or only ``athlete_id``'s) and return the athletes done.

    The request row is deleted by the transaction's first statement and the flags written by the
    same transaction: a crash rolls both back, so nothing is lost, and an import that renews
    the request meanwhile waits for the row lock and then inserts a fresh one.
    """
    with store.sessions() as s:
        ids = pending.athlete_ids(s, athlete_id)
    done: list[int] = []
    for aid in ids:
        with store.transaction() as s:
            from_date = pending.claim(s, aid)
            if from_date is None:
                continue  # another worker drained it
            result = _evaluate_in(s, aid, from_date, today, historic_days)
        done.append(aid)
        if on_result is not None:
            on_result(result)
    return done


# --- reading ------------------------------------------------------------------------------


class FlagOut(BaseModel):
    """A flag as the API, the CLI and the report show it."""

    id: int
    athlete: str
    athlete_id: int
    date: date
    dimension: str
    rule: str
    severity: Literal["caution", "alert"]
    value: float
    baseline: float
    ratio: float
    threshold: float
    message: str
    status: str
    acked_by: int | None
    acked_at: UtcDatetime | None
    created_at: UtcDatetime


# Numbers leave the service rounded: 64.99000000000001 km is noise to a runner and to a client.
DECIMALS = 4


def flag_out(flag: Flag, athlete_name: str) -> FlagOut:
    fields = {name: getattr(flag, name) for name in FlagOut.model_fields if name != "athlete"}
    for name in ("value", "baseline", "ratio", "threshold"):
        fields[name] = round(fields[name], DECIMALS)
    return FlagOut(athlete=athlete_name, **fields)


def flags_of(session: Session, athlete: Athlete, *, include_closed: bool = False) -> list[FlagOut]:
    """The athlete's flags, newest day first; open ones only unless ``include_closed``."""
    rows = flags.of_athlete(session, athlete.id, include_closed=include_closed)
    return [flag_out(f, athlete.name) for f in rows]


def list_flags(session: Session, athlete_id: int, *, include_closed: bool = False) -> list[FlagOut]:
    return flags_of(session, repo.get_athlete(session, athlete_id), include_closed=include_closed)


class DimensionStatus(BaseModel):
    dimension: str
    unit: str
    last_7d: float  # sum of the 7 days ending today
    chronic_week: float | None  # mean week of the 28 days before those 7
    ratio_7_28: float | None
    acute_ewma: float | None  # fatigue (per day)
    chronic_ewma: float | None  # fitness (per day)
    ewma_ratio: float | None
    monotony: float | None
    strain: float | None
    headroom_week: float | None  # more in the 7 days ending today before the ramp caution
    week_limit: float | None  # the 7-day load at the ramp caution threshold
    headroom_run: float | None  # largest next single run before the spike caution threshold
    headroom_note: str | None = None  # the sentence for the runner


class FastThresholdOut(BaseModel):
    speed_mps: float | None
    pace_s_per_km: float | None
    source: str
    explanation: str


class AthleteStatus(BaseModel):
    athlete_id: int
    athlete: str
    timezone: str
    today: date
    last_activity_date: date | None
    dimensions: list[DimensionStatus]
    open_flags: list[FlagOut]
    fast_threshold: FastThresholdOut
    rehab: RehabStatus | None = None  # plan caps, what is left, pain (docs/rehab.md)


def _num(v: object) -> float | None:
    if v is None:
        return None
    f = float(v)  # type: ignore[arg-type]
    return round(f, DECIMALS) if f == f else None  # NaN → None


def athlete_status(
    session: Session, athlete_id: int, *, today: date | None = None
) -> AthleteStatus:
    inp = evaluation_inputs(session, athlete_id, today)
    open_flags = flags_of(session, inp.athlete)
    last = None
    if not inp.activities.is_empty():
        days = inp.activities.select(local_date_expr(inp.athlete.timezone).alias("d"))["d"]
        past = days.filter(days <= inp.today)
        last = past.max() if len(past) else None
    load = load_frame(inp.daily) if not inp.daily.is_empty() else None
    row: dict[str, object] = {}
    if load is not None:
        at = load.filter(pl.col("date") == inp.today)
        row = at.row(0, named=True) if at.height else {}
    rooms = (
        {h.dimension: h for h in headroom(inp.daily, inp.config, today=inp.today)}
        if load is not None
        else {}
    )
    dims: list[DimensionStatus] = []
    for dim in DIMENSIONS:
        h = rooms.get(dim)
        dims.append(
            DimensionStatus(
                dimension=dim,
                unit=UNITS[dim],
                last_7d=h.week_value if h else 0.0,
                # The weekly ramp's own numbers: the same as a flag on this window would carry.
                chronic_week=_num(h.ramp_own if h else None),
                ratio_7_28=_num(h.ramp_ratio if h else None),
                acute_ewma=_num(row.get(f"{dim}_acute_ewma")),
                chronic_ewma=_num(row.get(f"{dim}_chronic_ewma")),
                ewma_ratio=_num(row.get(f"{dim}_ewma_ratio")),
                monotony=_num(row.get(f"{dim}_monotony")),
                strain=_num(row.get(f"{dim}_strain")),
                headroom_week=h.week_room if h else None,
                week_limit=h.week_limit if h else None,
                headroom_run=h.next_run_limit if h else None,
                headroom_note=h.message if h else None,
            )
        )
    rehab_now = rehab.rehab_status(inp, dims)
    dims = rehab.follow_plan(dims, rehab_now)
    fast = inp.fast
    return AthleteStatus(
        athlete_id=athlete_id,
        athlete=inp.athlete.name,
        timezone=inp.athlete.timezone,
        today=inp.today,
        last_activity_date=last if isinstance(last, date) else None,
        dimensions=dims,
        open_flags=open_flags,
        fast_threshold=FastThresholdOut(
            speed_mps=fast.speed_mps,
            pace_s_per_km=1000.0 / fast.speed_mps if fast.speed_mps else None,
            source=fast.source,
            explanation=fast.explanation,
        ),
        rehab=rehab_now,
    )


def series(
    session: Session,
    athlete_id: int,
    period: Period,
    start: date | None = None,
    end: date | None = None,
    *,
    today: date | None = None,
) -> pl.DataFrame:
    """Daily frame joined with the load metrics, or the weekly frame, over ``[start, end]``
    (``end`` defaults to the athlete's today)."""
    if period not in ("day", "week"):
        raise InvalidRequest(f"period must be 'day' or 'week', not {period!r}")
    if start is not None and end is not None and start > end:
        raise InvalidRequest(f"--from {start} is after --to {end}")
    inp = evaluation_inputs(session, athlete_id, end or today)
    daily = inp.daily
    if period == "day":
        frame = daily.join(load_frame(daily), on="date", how="left") if daily.height else daily
        key = "date"
    else:
        frame = weekly_frame(daily)
        key = "week_start"
    if start is not None:
        frame = frame.filter(pl.col(key) >= (start if period == "day" else _monday(start)))
    if end is not None:
        frame = frame.filter(pl.col(key) <= end)
    return frame.with_columns(cs.float().round(DECIMALS))


def _monday(d: date) -> date:
    return date.fromordinal(d.toordinal() - d.weekday())
