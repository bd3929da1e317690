"""``plan_breach``: a plan day's running over its caps, per plan dimension; and the days within
them, where session_spike, weekly_ramp and return_after_break stay quiet (``quiet_frame``, read
by ``rules.engine.evaluate``): while a plan is active it is the baseline.  Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from loadwatch.rounding import half_up
from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.messages import amount, day_name, fast_running
from loadwatch.rules.plan_caps import (
    FAST_ALLOWANCE_KM,
    FLAT_M_PER_KM,
    Caps,
    PlanSpec,
    caps_timeline,
)
from loadwatch.rules.response import Response
from loadwatch.vocabulary import ALERT, CAUTION, Severity

BREACH_ALERT = 1.3  # over a cap by more than 30 %: the session_spike alert's step
# The dimension of the amount rules a plan dimension quiets.
QUIETS = {
    "distance": ("distance",),
    "speed": ("speed",),
    "hills": ("hills", "uphill"),
}


@dataclass(frozen=True, slots=True)
class _Over:
    what: str  # run | week | pace
    value: float
    cap: float
    ratio: float
    text: str


def _severity(ratio: float) -> Severity:
    return ALERT if ratio > BREACH_ALERT else CAUTION


def _plan_days(plan: PlanSpec, daily: pl.DataFrame, caps: Sequence[Caps]) -> pl.DataFrame:
    """The daily rows of the plan's days with the plan-week running sums so far."""
    if not caps:
        return daily.clear()
    first, last = caps[0].week_start, plan.start + timedelta(days=len(caps) - 1)
    return (
        daily.filter((pl.col("date") >= first) & (pl.col("date") <= last))
        .with_columns(((pl.col("date") - pl.lit(plan.start)).dt.total_days() // 7).alias("_wk"))
        .with_columns(
            pl.col(c).cum_sum().over("_wk").alias(f"_wk_{c}")
            for c in ("distance_km", "fast_km", "elevation_gain_m")
        )
    )


def week_cap(c: Caps, dim: str, week_km: float) -> float | None:
    """The plan week's cap in ``dim`` with ``week_km`` run in it so far (None: not capped):
    the fast-km allowance and the flat allowance per km count as the plan_breach rule counts
    them."""
    if dim == "distance":
        return c.weekly_km
    if dim == "speed":
        return None if c.weekly_fast_km is None else max(c.weekly_fast_km, FAST_ALLOWANCE_KM)
    if dim == "hills":
        return None if c.weekly_climb_m is None else max(c.weekly_climb_m, FLAT_M_PER_KM * week_km)
    return None


WEEK_COLUMNS = {"distance": "distance_km", "speed": "fast_km", "hills": "elevation_gain_m"}


@dataclass(frozen=True, slots=True)
class WeekLoad:
    """A plan day's running so far in its plan week, in one capped dimension, and the cap."""

    date: date
    dimension: str
    total: float
    cap: float
    caps: Caps


def week_loads(plan: PlanSpec, daily: pl.DataFrame, caps: Sequence[Caps]) -> list[WeekLoad]:
    """Each day of the plan (``caps``: its caps per day from its start) with its plan week's
    running so far per capped dimension: what the plan week caps are read against."""
    by_day = {plan.start + timedelta(days=i): c for i, c in enumerate(caps)}
    out = []
    for row in _plan_days(plan, daily, caps).iter_rows(named=True):
        c = by_day.get(row["date"])
        if c is None:
            continue
        for dim, col in WEEK_COLUMNS.items():
            cap = week_cap(c, dim, float(row["_wk_distance_km"]))
            if cap is not None:
                out.append(WeekLoad(row["date"], dim, float(row[f"_wk_{col}"]), cap, c))
    return out


def _breaches(row: dict[str, object], c: Caps) -> dict[str, list[_Over]]:
    day = row["date"]
    assert isinstance(day, date)
    dn = day_name(day)
    longest = float(row["longest_run_km"])  # type: ignore[arg-type]
    out: dict[str, list[_Over]] = {"distance": [], "speed": [], "hills": []}

    def over(dim: str, what: str, value: float, cap: float, text: str) -> None:
        if value > cap + 1e-9:
            ratio = value / cap if cap > 0 else math.inf
            out[dim].append(_Over(what, value, cap, ratio, text))

    over(
        "distance",
        "run",
        longest,
        c.longest_run_km,
        f"{dn}'s {amount(longest, 'km')} is over the plan's {amount(c.longest_run_km, 'km')} "
        "longest run",
    )
    wk_km = float(row["_wk_distance_km"])  # type: ignore[arg-type]
    over(
        "distance",
        "week",
        wk_km,
        c.weekly_km,
        f"this plan week reaches {amount(wk_km, 'km')} by {dn}, over the plan's "
        f"{amount(c.weekly_km, 'km')} a week",
    )
    cap = week_cap(c, "speed", wk_km)
    if c.weekly_fast_km is not None and cap is not None:
        fast = float(row["max_fast_km"])  # type: ignore[arg-type]
        plan_words = (
            "a plan without fast running"
            if c.weekly_fast_km == 0
            else f"the plan's {amount(c.weekly_fast_km, 'km')} of fast running a week"
        )
        # Fast km name the pace they counted (the day's threshold): "1.2 km quicker than 4:47/km".
        ran = fast_running(amount(fast, "km"), row)
        over("speed", "run", fast, cap, f"{dn}'s run had {ran} on {plan_words}")
        wk = float(row["_wk_fast_km"])  # type: ignore[arg-type]
        week = fast_running(amount(wk, "km"), row)
        over("speed", "week", wk, cap, f"this plan week has {week}, on {plan_words}")
    pace = row["pace_s_per_km"]
    if c.pace_floor_s_per_km is not None and isinstance(pace, float) and pace > 0:
        floor = c.pace_floor_s_per_km
        if pace < floor - 1e-9:
            out["speed"].append(
                _Over(
                    "pace",
                    pace,
                    floor,
                    floor / pace,
                    f"{dn}'s run averaged {_pace(pace)}/km, faster than the plan's "
                    f"{_pace(floor)}/km (start slower)",
                )
            )
    if c.weekly_climb_m is not None:
        climb = float(row["max_climb_m"])  # type: ignore[arg-type]
        cap_run = max(c.weekly_climb_m, FLAT_M_PER_KM * longest)
        no_hills = c.weekly_climb_m == 0
        words = (
            f"on a plan that avoids hills (flat: up to {amount(cap_run, 'm')} for "
            f"{amount(longest, 'km')})"
            if no_hills
            else f"over the plan's {amount(c.weekly_climb_m, 'm')} of climbing"
        )
        over("hills", "run", climb, cap_run, f"{dn}'s run climbed {amount(climb, 'm')} {words}")
        wk = float(row["_wk_elevation_gain_m"])  # type: ignore[arg-type]
        cap_wk = week_cap(c, "hills", wk_km) or 0.0
        over(
            "hills",
            "week",
            wk,
            cap_wk,
            f"this plan week has climbed {amount(wk, 'm')}, over the plan's "
            f"{amount(cap_wk, 'm')}" + (" (flat)" if no_hills else ""),
        )
    return out


def _pace(s: float) -> str:
    r = int(half_up(s))
    return f"{r // 60}:{r % 60:02d}"


@dataclass(frozen=True, slots=True)
class PlanDay:
    """One running day of the plan: its caps and, per plan dimension, what was over them."""

    date: date
    caps: Caps
    over: dict[str, list[_Over]]


def plan_days(
    plan: PlanSpec, daily: pl.DataFrame, responses: Sequence[Response], until: date
) -> list[PlanDay]:
    caps = caps_timeline(plan, responses, until)
    by_day = {plan.start + timedelta(days=i): c for i, c in enumerate(caps)}
    out = []
    for row in _plan_days(plan, daily, caps).filter(pl.col("runs") > 0).iter_rows(named=True):
        c = by_day[row["date"]]
        out.append(PlanDay(row["date"], c, _breaches(row, c)))
    return out


def _breach(day: date, dim: str, over: _Over, text: str) -> FlagRecord:
    """A ``plan_breach`` flag of ``over`` (the worst of the day's overs), saying ``text``."""
    ratio = over.ratio if math.isfinite(over.ratio) else over.value
    sev = _severity(ratio)
    return FlagRecord(
        date=day,
        dimension=dim,
        rule="plan_breach",
        severity=sev,
        value=over.value,
        baseline=over.cap,
        ratio=ratio,
        threshold=BREACH_ALERT if sev == ALERT else 1.0,
        message=text[0].upper() + text[1:] + ".",
    )


def breach_records(days: Sequence[PlanDay]) -> list[FlagRecord]:
    """One ``plan_breach`` per day and dimension over a cap; a plan week's total is told on
    the first day it is over (once per plan week), a run on every day it is over."""
    told: set[tuple[int, str]] = set()
    out = []
    for pd in days:
        for dim, overs in pd.over.items():
            week_told = (pd.caps.week, dim) in told
            shown = [o for o in overs if o.what != "week" or not week_told]
            if any(o.what == "week" for o in overs):
                told.add((pd.caps.week, dim))
            if not shown:
                continue
            worst = max(shown, key=lambda o: o.ratio)
            text = "; ".join(o.text for o in shown)
            out.append(
                _breach(
                    pd.date, dim, worst, f"{text} (plan week {pd.caps.week + 1}: {pd.caps.reason})"
                )
            )
    return out


def standing_weeks(days: Sequence[PlanDay]) -> list[tuple[FlagRecord, date]]:
    """The plan days ``breach_records`` keeps quiet about their week: a week's total already
    told that day's plan week (once per plan week) and still over its cap.  Each as the flag
    the week's total would be, with the day it was told (trial 12 F2: the check read that
    silence as "raises nothing")."""
    told: dict[tuple[int, str], date] = {}
    out = []
    for pd in days:
        for dim, overs in pd.over.items():
            for o in overs:
                if o.what != "week":
                    continue
                first = told.setdefault((pd.caps.week, dim), pd.date)
                if first == pd.date:
                    continue
                out.append(
                    (
                        _breach(pd.date, dim, o, o.text),
                        first,
                    )
                )
    return out


def caps_dimension(c: Caps, dim: str) -> bool:
    """Whether the plan caps ``dim`` (distance always; fast running by a fast-km cap; climbing
    by a climbing cap).  Only a capped dimension has a plan to be the baseline: a plan silent
    on fast km leaves them to the rules (a pace floor judges the run's pace, not its fast km)."""
    if dim == "speed":
        return c.weekly_fast_km is not None
    if dim == "hills":
        return c.weekly_climb_m is not None
    return True


def quiet_frame(days: Sequence[PlanDay]) -> pl.DataFrame:
    """(date, dimension) where the amount rules stay quiet: running within the plan's caps, in
    the dimensions the plan caps."""
    rows = [
        (pd.date, quiet)
        for pd in days
        for dim, overs in pd.over.items()
        if not overs and caps_dimension(pd.caps, dim)
        for quiet in QUIETS[dim]
    ]
    return pl.DataFrame(
        {"date": [r[0] for r in rows], "dimension": [r[1] for r in rows]},
        schema={"date": pl.Date(), "dimension": pl.Utf8()},
    )
