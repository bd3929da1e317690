"""Headroom: how much an athlete can do next without any rule raising a caution, per dimension.

A promise, so it is computed *by the rules* (``engine.judgements``), never beside them:

* **next run** (``next_run_limit``, status ``headroom_run``): the largest single run tomorrow
  that raises no caution under any amount rule for that dimension - session_spike (the run vs
  its baseline), weekly_ramp (the 7 days ending tomorrow, the run included) and
  return_after_break (the load since the return, the run included) - with every hand-over
  the engine makes (during a return the ramp does not judge).  Each of these rules is
  monotone in the run's size with a baseline the run does not move, so the limit is the
  smallest ``caution × baseline − load already in the window`` over the rules that judge
  tomorrow, rounded down to the engine's unit and then checked by evaluating the history with
  that run added.  monotony judges sameness, not amount (a bigger run *lowers* it), so it has
  no headroom.
* **next 7 days** (``week_room``, status ``headroom_week``): the largest load that can be added
  over the next 7 days, in any order, without the 7-day ramp or return_after_break raising a
  caution on any of those days: the smallest ``caution × baseline − load already in the
  window`` over the windows ending on each of the next 7 days.  Single runs inside it are
  still bounded by the next-run figure.
* **already over**: when tomorrow's headroom is below half the athlete's usual run (their mean
  running day of the last 28 days), the message says what is safe tomorrow ("rest or up to
  4.0 km easy") and, resting until then, the first day of the next 14 on which a usual run
  fits again.

Days after the daily frame's end count as rest days; a run tomorrow ends a break that is open
today, as it would.  None when no rule judges yet (not enough history).

Under a return-to-run plan these are the rules' side only: ``rules.plan_headroom`` bounds them
by the plan's caps (a slow pace floor allows no fast km, a flat plan no climbing beyond the
flat allowance), and status shows the smaller of the two.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from loadwatch.analytics.days import week_start
from loadwatch.analytics.schema import DAILY_SCHEMA, DIMENSIONS, UNITS, validate_calendar
from loadwatch.rules import arrays, headroom_arrays
from loadwatch.rules.arrays import Judged
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import _DAY, _judgement_frames
from loadwatch.rules.headroom_arrays import Verdicts, floor_unit
from loadwatch.rules.judging import AMOUNT_RULES, SCALE, lookback_start
from loadwatch.rules.messages import amount, baseline_phrase, day_name, pace, tomorrow
from loadwatch.vocabulary import DIMENSION_HEADING

CLEAR_HORIZON_DAYS = 14
# "Over": not even half a usual run fits tomorrow.
OVER_SHARE = 0.5
_KEY = "_candidate"
_NOW = -1  # the candidate with no future: today's own judgements
_LOAD_COLS = [c for pair in DIMENSIONS.values() for c in pair]


@dataclass(frozen=True, slots=True)
class Headroom:
    dimension: str  # distance | speed | hills | uphill
    unit: str  # km | m
    week_value: float  # the 7 days ending today
    week_baseline: float | None  # the ramp's baseline for the 7 days ending today
    week_limit: float | None  # caution × that baseline: the limit of week_value
    week_room: float | None  # headroom_week: more over the next 7 days, in any order
    longest_recent: float | None  # own largest single run of the spike window, before the floor
    next_run_limit: float | None  # headroom_run: the largest run tomorrow that raises nothing
    binding_rule: str | None  # the rule that sets next_run_limit
    usual_run: float | None  # mean running day of the last 28 days
    clears_on: date | None  # when over: first day a usual run fits again (resting until then)
    message: str
    # weekly_ramp's own numbers for the 7 days ending today: what a flag would say
    ramp_own: float | None = None  # the usual week (break days left out), before the floor
    ramp_baseline: float | None = None  # judged against (floor, pre-break capacity)
    ramp_ratio: float | None = None
    # The alert line, reported apart from the caution line: the largest run tomorrow before a
    # rule that may alert (rules.evidence: the > 100 % spike, a return) would; None when no
    # such rule judges tomorrow.
    next_run_alert: float | None = None


def _rows(
    dates: list[date], runs: int | list[int], loads: dict[str, list[float]] | None = None
) -> pl.DataFrame:
    """Daily-frame rows for days the frame does not hold: rest days, or candidate runs."""
    n = len(dates)
    data: dict[str, object] = {}
    for c, t in DAILY_SCHEMA.items():
        if c == "date":
            data[c] = dates
        elif c == "week_start":
            data[c] = [week_start(d) for d in dates]
        elif c == "runs":
            data[c] = runs if isinstance(runs, list) else [runs] * n
        elif c in ("pace_s_per_km", "gap_pace_s_per_km", "fast_threshold_mps"):
            data[c] = [None] * n
        elif loads is not None and c in loads:
            data[c] = loads[c]
        else:
            data[c] = [0 if t == pl.Int32() else 0.0] * n
    return pl.DataFrame(data, schema=DAILY_SCHEMA)


def _history(daily: pl.DataFrame, today: date) -> pl.DataFrame:
    """The frame up to ``today``, rest days added after its end."""
    cut = daily if daily["date"][-1] <= today else daily.filter(pl.col("date") <= today)
    last: date = cut["date"].max()  # type: ignore[assignment]
    extra = [last + timedelta(days=i) for i in range(1, (today - last).days + 1)]
    return pl.concat([cut, _rows(extra, 0)]) if extra else cut


def _judge(
    history: pl.DataFrame,
    config: RuleConfig,
    tails: pl.DataFrame,
    today: date,
    *,
    keep_today: bool = False,
) -> pl.DataFrame:
    """The rules' judgements of the days after ``today`` for each tail appended to the history
    (one candidate future per ``_KEY`` of ``tails``, each in date order), in one panel
    evaluation over the days the rules read.  ``keep_today``: today's judgements too, as
    ``_NOW``, a candidate with no future at all (a future run would close a break open today,
    and the break's days count in the windows)."""
    # Read back far enough to judge today exactly as well as the days after it.
    start = lookback_start(history, config, today)
    base = (
        history.with_row_index(_DAY)
        .with_columns(pl.col(_DAY).cast(pl.Int64))
        .filter(pl.col("date") >= start)
    )
    n0 = history.height
    keys = tails[_KEY].unique(maintain_order=True)
    if keep_today:
        keys = pl.concat([pl.Series(_KEY, [_NOW], dtype=pl.Int64), keys])
    # One frame, built once: the history's rows under every key, then each key's tail.
    panel = pl.concat(
        [
            base.join(keys.to_frame(), how="cross").select(_KEY, *base.columns),
            tails.with_columns(
                (pl.int_range(pl.len()).over(_KEY) + n0).cast(pl.Int64).alias(_DAY)
            ).select(_KEY, *base.columns),
        ]
    ).sort(_KEY, _DAY)
    out = _judgement_frames(panel.lazy(), config, _KEY)
    later = pl.col("date") > today
    if keep_today:
        later = later | ((pl.col("date") == today) & (pl.col(_KEY) == _NOW))
    return out.filter(later)


def _limits(j: pl.DataFrame) -> pl.DataFrame:
    """Per candidate, date, dimension: the room left by each judging amount rule, its minimum."""
    return (
        j.filter(pl.col("judged") & pl.col("rule").is_in(AMOUNT_RULES))
        .with_columns(
            (pl.col("caution") * pl.col("baseline") - pl.col("value")).alias("room"),
        )
        .sort(_KEY, "date", "dimension", "room")
        .group_by(_KEY, "date", "dimension", maintain_order=True)
        .agg(pl.col("room").first(), pl.col("rule").first().alias("binding"))
    )


def _alert_rooms(j: pl.DataFrame) -> dict[str, float]:
    """Per dimension: the room tomorrow's run has before the alert line of the amount rules
    that have one (contested and weak rules have none)."""
    rooms = (
        j.filter(
            pl.col("judged") & pl.col("rule").is_in(AMOUNT_RULES) & pl.col("alert").is_not_null()
        )
        .with_columns((pl.col("alert") * pl.col("baseline") - pl.col("value")).alias("room"))
        .group_by("dimension")
        .agg(pl.col("room").min())
    )
    return {
        r["dimension"]: _floor_unit(r["room"], r["dimension"]) for r in rooms.iter_rows(named=True)
    }


_floor_unit = floor_unit


def _run_tail(k: int, today: date, sizes: dict[str, float] | None = None) -> pl.DataFrame:
    """k rest days, then one run (of ``sizes`` per dimension, else of nothing), as one
    candidate (``_KEY`` 0)."""
    rest = [today + timedelta(days=1 + i) for i in range(k)]
    run_day = today + timedelta(days=1 + k)
    loads = {}
    for dim, (col, single) in DIMENSIONS.items():
        v = (sizes or {}).get(dim, 0.0)
        loads[col] = [0.0] * k + [v]
        loads[single] = [0.0] * k + [v]
    tail = _rows([*rest, run_day], [0] * k + [1], loads)
    return tail.with_columns(pl.lit(0, pl.Int64).alias(_KEY))


def _tails(today: date) -> pl.DataFrame:
    """Every candidate future at once: for k < CLEAR_HORIZON_DAYS, k rest days then a run of
    nothing (candidate k); then the next 7 days all running (candidate CLEAR_HORIZON_DAYS).
    Built as one frame: constructing 15 small frames costs more than judging them."""
    dates: list[date] = []
    runs: list[int] = []
    keys: list[int] = []
    for k in range(CLEAR_HORIZON_DAYS):
        dates += [today + timedelta(days=1 + i) for i in range(k + 1)]
        runs += [0] * k + [1]
        keys += [k] * (k + 1)
    dates += [today + timedelta(days=i) for i in range(1, 8)]
    runs += [1] * 7
    keys += [CLEAR_HORIZON_DAYS] * 7
    return _rows(dates, runs).with_columns(pl.Series(_KEY, keys, dtype=pl.Int64))


def _verdicts(history: pl.DataFrame, config: RuleConfig, today: date) -> Verdicts:
    """What the rules say about the candidate futures, from the polars engine's judgements:
    the reference, and the way for a config ``rules.arrays`` does not judge."""
    j_all = _judge(history, config, _tails(today), today, keep_today=True)
    j = j_all.filter(pl.col("date") > today)
    lim = _limits(j)
    tomorrow = today + timedelta(days=1)
    v = Verdicts()
    v.run_rooms = {
        (r[_KEY], r["dimension"]): (r["room"], r["binding"])
        for r in lim.filter(pl.col("date") == pl.col("date").min().over(_KEY)).iter_rows(named=True)
        if r[_KEY] < CLEAR_HORIZON_DAYS
    }
    week_part = _limits(
        j.filter((pl.col(_KEY) == CLEAR_HORIZON_DAYS) & (pl.col("rule") != "session_spike"))
    )
    for dim in DIMENSIONS:
        w = week_part.filter(pl.col("dimension") == dim)["room"]
        if w.len():
            v.week_rooms[dim] = float(w.min())  # type: ignore[arg-type]
    sizes = {d: _floor_unit(room, d) for (k, d), (room, _) in v.run_rooms.items() if k == 0}
    v.next_run = _verify(history, config, today, sizes)
    v.alert_run = _alert_rooms(j.filter((pl.col(_KEY) == 0) & (pl.col("date") == tomorrow)))
    spikes = j.filter(
        (pl.col(_KEY) == 0) & (pl.col("rule") == "session_spike") & (pl.col("date") == tomorrow)
    )
    for r in spikes.iter_rows(named=True):
        if r["judged"] and r["own_baseline"] is not None:
            v.longest[r["dimension"]] = float(r["own_baseline"])
    now = j_all.filter(
        (pl.col(_KEY) == _NOW) & (pl.col("rule") == "weekly_ramp") & (pl.col("date") == today)
    )
    for r in now.iter_rows(named=True):
        if r["baseline"] is not None:
            v.ramp_now[r["dimension"]] = (
                r["own_baseline"],
                float(r["baseline"]),
                r["ratio"],
                float(r["caution"]),
            )
    return v


def headroom(daily: pl.DataFrame, config: RuleConfig, *, today: date) -> list[Headroom]:
    """One ``Headroom`` per dimension for ``today``."""
    return _headroom(daily, config, today, judge=False)[0]


def headroom_judged(
    daily: pl.DataFrame, config: RuleConfig, *, today: date
) -> tuple[list[Headroom], Judged | None]:
    """``headroom``, and the history's own judgements from its panel (monotony too; None when
    the arrays do not judge this config): the rules' flags from a day whose look back starts
    there need no judgement of their own (``array_frames.flag_rows(judged=)``)."""
    return _headroom(daily, config, today, judge=True)


def _headroom(
    daily: pl.DataFrame, config: RuleConfig, today: date, *, judge: bool
) -> tuple[list[Headroom], Judged | None]:
    validate_calendar(daily, "daily frame")
    if daily.is_empty() or daily["date"].min() > today:  # type: ignore[operator]
        return [_empty(dim) for dim in DIMENSIONS], None
    history = _history(daily, today)
    usuals = _usuals(history)
    if arrays.eligible(config):
        # The later candidates only say when a usual run fits again: judged when over.
        v = headroom_arrays.verdicts(
            history, config, today, CLEAR_HORIZON_DAYS, _over(usuals), judge=judge
        )
    else:
        v = _verdicts(history, config, today)
    return _rooms_of(history, config, today, usuals, v), v.judged


def headroom_days(
    daily: pl.DataFrame, config: RuleConfig, *, today: date, count: int
) -> list[list[Headroom]]:
    """``headroom`` of each of ``count`` days from ``today`` (the ``i``-th: of ``daily``'s
    rows up to ``today + i``, for that day), where ``daily`` ends on the last of them and
    the days after ``today`` are rest days (the nightly roll's batch,
    ``services/forecast.py``): their candidates judged in one panel
    (``headroom_arrays.verdicts_days``) instead of one per day."""
    validate_calendar(daily, "daily frame")
    m = daily.height - count + 1
    last = today + timedelta(days=count - 1)
    if (
        count < 2
        or not arrays.eligible(config)
        or m < 1
        or daily["date"][m - 1] != today
        or daily["date"][-1] != last
        or any(daily[c].to_numpy()[m:].any() for c in ("runs", *_LOAD_COLS))
    ):
        return [
            headroom(daily.head(m + i), config, today=today + timedelta(days=i))
            for i in range(count)
        ]
    histories = [daily.head(m + i) for i in range(count)]
    usuals = [_usuals(h) for h in histories]
    vs = headroom_arrays.verdicts_days(
        daily, config, today, count, CLEAR_HORIZON_DAYS, [_over(u) for u in usuals]
    )
    return [
        _rooms_of(h, config, today + timedelta(days=i), u, v)
        for i, (h, u, v) in enumerate(zip(histories, usuals, vs, strict=True))
    ]


def _usuals(history: pl.DataFrame) -> dict[str, float | None]:
    """Each dimension's usual run: the mean running day of the last 28 days."""
    # The history is one row per day ending today: its last rows are the last days (sliced,
    # not filtered: a filter copies every row of years of history, per dimension).
    recent = history.tail(28)
    ran_recent = recent["runs"].to_numpy() > 0
    return {d: _usual(recent[col].to_numpy()[ran_recent]) for d, (col, _) in DIMENSIONS.items()}


def _over(usuals: dict[str, float | None]) -> Callable[[str, float], bool]:
    def over(dim: str, run_limit: float) -> bool:
        usual = usuals[dim]
        return usual is not None and run_limit < OVER_SHARE * usual

    return over


def _rooms_of(
    history: pl.DataFrame,
    config: RuleConfig,
    today: date,
    usuals: dict[str, float | None],
    v: Verdicts,
) -> list[Headroom]:
    """Each dimension's ``Headroom`` of the verdicts on ``history`` (ending ``today``)."""
    run_rooms = v.run_rooms
    # The fast threshold in force today: the speed sentence names the pace it counts.
    thr = history["fast_threshold_mps"][-1]
    fast_mps = float(thr) if thr is not None else None
    counted = _counted_paces(history.tail(7), DIMENSIONS["speed"][0])
    first: date = history["date"][0]
    ramp_ready = (
        today - first
    ).days >= config.weekly_ramp.acute_days + config.weekly_ramp.chronic_days - 1
    out = []
    for dim, (col, _) in DIMENSIONS.items():
        unit = UNITS[dim]
        week_value = float(history[col].tail(7).sum())
        base = limit = None
        longest = v.longest.get(dim)
        w = v.week_rooms.get(dim)
        week_room = _floor_unit(w, dim) if w is not None else None
        usual = usuals[dim]
        r_own = r_base = r_ratio = None
        at = v.ramp_now.get(dim)
        if ramp_ready and at is not None:
            r_own, r_base, r_ratio, caution = at
            base, limit = r_base, caution * r_base
        run_limit = v.next_run.get(dim)
        binding = run_rooms.get((0, dim), (None, None))[1]
        clears = None
        if run_limit is not None and usual is not None and run_limit < OVER_SHARE * usual:
            for k in range(1, CLEAR_HORIZON_DAYS):
                room = run_rooms.get((k, dim))
                if room is None or room[0] >= usual:
                    clears = today + timedelta(days=1 + k)
                    break
        out.append(
            Headroom(
                dimension=dim,
                unit=unit,
                week_value=week_value,
                week_baseline=base,
                week_limit=limit,
                week_room=week_room,
                longest_recent=longest,
                next_run_limit=run_limit,
                binding_rule=binding,
                usual_run=usual,
                clears_on=clears,
                message=_message(
                    dim,
                    week_value,
                    limit,
                    week_room,
                    run_limit,
                    usual,
                    clears,
                    r_own,
                    r_base,
                    fast_mps=fast_mps,
                    counted=counted,
                ),
                ramp_own=r_own,
                ramp_baseline=r_base,
                ramp_ratio=r_ratio,
                next_run_alert=v.alert_run.get(dim),
            )
        )
    return out


def _counted_paces(week: pl.DataFrame, col: str) -> list[str]:
    """The paces (as shown) the fast km of ``week``'s days were counted at: each day's own
    threshold, which a coach's new pace does not rewrite."""
    # Lists, not a polars filter: planning one costs a millisecond, a tenth of a roll.
    thr = [
        t
        for t, x in zip(week["fast_threshold_mps"].to_list(), week[col].to_list(), strict=True)
        if t is not None and x is not None and x > 0
    ]
    return [pace(t) for t in sorted(set(thr), reverse=True)]


def _usual(ran: np.ndarray) -> float | None:
    """The mean of the running days' amounts (None: no run, or nothing of this dimension)."""
    mean = float(ran.mean()) if ran.size else 0.0
    return mean if mean > 0 else None


def _verify(
    history: pl.DataFrame, config: RuleConfig, today: date, sizes: dict[str, float]
) -> dict[str, float]:
    """Evaluate the history with tomorrow's run at the computed limits; where a rule still
    raises a caution (rounding), step down one unit.  The figure is what the rules say."""
    sizes = dict(sizes)
    for _ in range(3):
        j = _judge(history, config, _run_tail(0, today, sizes), today)
        bad = (
            j.filter(pl.col("level") > 0)
            .filter(pl.col("rule").is_in(AMOUNT_RULES))["dimension"]
            .unique()
            .to_list()
        )
        bad = [d for d in bad if d in sizes and sizes[d] > 0]
        if not bad:
            return sizes
        for d in bad:
            sizes[d] = max(0.0, sizes[d] - 1.0 / SCALE[d])
    return sizes


def _empty(dim: str) -> Headroom:
    return Headroom(
        dim, UNITS[dim], 0.0, None, None, None, None, None, None, None, None,
        _message(dim, 0.0, None, None, None, None, None),
    )  # fmt: skip


_SINGLE = {
    "distance": "run",
    "speed": "fast running in one run",
    "hills": "climb in one run",
    "uphill": "uphill running in one run",
}

_USUAL = {
    "distance": " run",
    "speed": " of fast running",
    "hills": " climb",
    "uphill": " of uphill running",
}


def fits_again(dim: str, usual: float, clears: date) -> str:
    """The rules' projection of an over dimension: "a usual 1.7 km of fast running fits again
    on Tuesday" (a flare's step back replaces it where it forbids that run: services.step_back)."""
    return f"a usual {amount(usual, UNITS[dim])}{_USUAL[dim]} fits again on {day_name(clears)}"


def _message(
    dim: str,
    value: float,
    limit: float | None,
    week_room: float | None,
    run_limit: float | None,
    usual: float | None,
    clears: date | None,
    ramp_own: float | None = None,
    ramp_base: float | None = None,
    *,
    fast_mps: float | None = None,
    counted: list[str] | None = None,
) -> str:
    unit = UNITS[dim]
    what = DIMENSION_HEADING[dim]
    now = pace(fast_mps) if dim == "speed" and fast_mps else None
    # ``counted``: the paces the 7 days' fast km were counted at.  Where a new threshold
    # (a coach's pace) differs, the km keep their days' pace and today's is said apart:
    # never a number under another number's label (trial 10 F4).
    then = sorted(set(counted or []))
    since = now is not None and bool(then) and then != [now]
    if now is not None and not since:
        what += f" (quicker than {now})"
    done = amount(value, unit)
    if since:
        span = then[0] if len(then) == 1 else f"{then[0].removesuffix('/km')}–{then[-1]}"
        done += f" quicker than {span}"
    head = f"{what}: {done} in the last 7 days"
    if ramp_base is not None:
        head += f" (usual week {baseline_phrase(ramp_own, ramp_base, unit)})"
    parts = [head]
    if run_limit is None and week_room is None:
        parts.append("not enough history yet for a limit")
        if since:
            parts.append(f"from today fast is quicker than {now}")
        return "; ".join(parts) + "."
    over = run_limit is not None and usual is not None and run_limit < OVER_SHARE * usual
    if over and limit is not None and value > limit:
        # Said beside the 7 days it limits: "(7-day limit)" after the day a usual run fits
        # read as that day's allowance.
        parts[0] += f", over the 7-day limit of {amount(limit, unit)}"
    if over and run_limit is not None and usual is not None:
        tail = tomorrow(dim, run_limit, unit)
        if clears is not None:
            tail += f"; {fits_again(dim, usual, clears)}"
        parts.append(tail)
    elif run_limit is not None:
        parts.append(f"next {_SINGLE[dim]} up to {amount(run_limit, unit)}")
    # The week's room is "in any order", tomorrow included: 0 once the window is full, while
    # resting first makes room.  Beside the day a usual run fits again it contradicts it.
    if week_room is not None and not (over and clears is not None and week_room <= 0):
        parts.append(
            f"up to {amount(week_room, unit)} more over the next 7 days"
            if week_room > 0
            else "nothing more over the next 7 days"
        )
    if since:
        parts.append(f"from today fast is quicker than {now}")
    return "; ".join(parts) + "."
