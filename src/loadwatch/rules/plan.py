"""Return-to-run plans: the caps in force each day, and the rules that speak while one is
active (``plan_breach``, ``rest_too_long``) or whenever pain is logged (``pain_response``).

Pure.  A plan has caps per week (distance, fast km, climbing; climbing 0 = avoid hills) and
per run (longest run; fast km and climbing in one run are bounded by the week's caps; a pace
floor: run this slow or slower).  Plan weeks run from the start day in blocks of 7.

Progression (docs/rehab.md): at the start of each plan week the caps

* rise by ``progression_pct`` (default 10 %, rounded down to 0.1 km / 1 m) when every response
  of the week before was settled (at least one logged);
* are held otherwise: an irritated response, or a week without any response (no evidence);
* and a flare steps them back at once, from the day after it, to the last load tolerated (the
  latest settled response's run: its distance as the longest run, its 7 days as the weeks;
  never above the caps in force).  With no tolerated load on record the caps drop by a quarter.

"Flat" is not "0 m": a run on a no-hills plan may climb ``FLAT_M_PER_KM`` metres per km (GPS
and barometer noise, a bridge); a "no fast running" plan allows ``FAST_ALLOWANCE_KM``.

While a plan is active it is the baseline: on days whose running stays within the caps in a
dimension, session_spike, weekly_ramp and return_after_break are quiet in it (``quiet_frame``,
read by ``rules.engine.evaluate``); over a cap, ``plan_breach`` speaks, and the other rules
still judge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal

import polars as pl

from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.messages import amount, day_name, fast_running
from loadwatch.rules.response import Response, last_tolerated
from loadwatch.vocabulary import ALERT, CAUTION, Severity

FLAT_M_PER_KM = 10.0
FAST_ALLOWANCE_KM = 0.2
BREACH_ALERT = 1.3  # over a cap by more than 30 %: the session_spike alert's step
REST_DAYS = 10
STEP_BACK_SHARE = 0.75
PLAN_RULES = ("plan_breach", "pain_response", "rest_too_long")
# The dimension of the amount rules a plan dimension quiets.
QUIETS = {
    "distance": ("distance",),
    "speed": ("speed",),
    "hills": ("hills", "uphill"),
}


@dataclass(frozen=True, slots=True)
class PlanSpec:
    start: date
    weekly_km: float
    longest_run_km: float
    weekly_fast_km: float | None = None
    weekly_climb_m: float | None = None
    pace_floor_s_per_km: float | None = None
    progression_pct: float = 10.0
    end: date | None = None
    condition: str = "proximal hamstring tendinopathy"
    phase: int = 1

    def active_on(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


# Why the caps changed: the plan opened, a settled week raised them, they were held (an
# irritated week, or no evidence), or a flare stepped them back.
Step = Literal["start", "raised", "held", "stepped_back"]


@dataclass(frozen=True, slots=True)
class Caps:
    weekly_km: float
    longest_run_km: float
    weekly_fast_km: float | None
    weekly_climb_m: float | None
    pace_floor_s_per_km: float | None
    week: int  # plan week (0 = the first)
    week_start: date
    reason: str
    changed_on: date  # the day these caps took effect
    step: Step = "start"


def _floor(x: float, step: float) -> float:
    return math.floor(x / step + 1e-9) * step


def _round_caps(c: Caps, factor: float) -> Caps:
    def f(v: float | None, step: float) -> float | None:
        return None if v is None else round(_floor(v * factor, step), 3)

    return replace(
        c,
        weekly_km=f(c.weekly_km, 0.1) or 0.0,
        longest_run_km=f(c.longest_run_km, 0.1) or 0.0,
        weekly_fast_km=f(c.weekly_fast_km, 0.1),
        weekly_climb_m=f(c.weekly_climb_m, 1.0),
    )


def _describe(d: date) -> str:
    return f"{day_name(d)} {d.isoformat()}"


def caps_timeline(plan: PlanSpec, responses: Sequence[Response], until: date) -> list[Caps]:
    """The caps in force on each day from the plan's start to ``until`` (or its end)."""
    last = until if plan.end is None else min(until, plan.end)
    if last < plan.start:
        return []
    caps = Caps(
        plan.weekly_km,
        plan.longest_run_km,
        plan.weekly_fast_km,
        plan.weekly_climb_m,
        plan.pace_floor_s_per_km,
        0,
        plan.start,
        "the plan's opening caps",
        plan.start,
    )
    flares = {r.date: r for r in responses if r.state == "flare"}
    out: list[Caps] = []
    d = plan.start
    while d <= last:
        k = (d - plan.start).days // 7
        if d != plan.start and (d - plan.start).days % 7 == 0:
            caps = _next_week(caps, plan, responses, d, k)
        prev = d - timedelta(days=1)
        if prev in flares and prev >= plan.start:
            caps = _step_back(caps, responses, flares[prev], d)
        out.append(caps)
        d += timedelta(days=1)
    return out


def _next_week(caps: Caps, plan: PlanSpec, responses: Sequence[Response], d: date, k: int) -> Caps:
    start = d - timedelta(days=7)
    week = [r for r in responses if start <= r.date < d]
    base = replace(caps, week=k, week_start=d, changed_on=d, step="held")
    if not week:
        return replace(base, reason=f"held: no symptoms logged in the week from {start}")
    bad = [r for r in week if r.state != "settled"]
    if bad:
        r = bad[-1]
        word = "a flare" if any(b.state == "flare" for b in bad) else "irritation"
        return replace(base, reason=f"held: {word} on {_describe(r.date)} ({r.reason})")
    pct = plan.progression_pct
    raised = _round_caps(base, 1 + pct / 100)
    n = len(week)
    return replace(
        raised,
        step="raised",
        reason=f"raised {pct:g} % after a settled week from {start} ({n} entr"
        + ("y" if n == 1 else "ies")
        + ", all settled)",
    )


def _step_back(caps: Caps, responses: Sequence[Response], flare: Response, d: date) -> Caps:
    ok = last_tolerated(responses, flare.date)
    if ok is None or ok.load is None:
        c = _round_caps(caps, STEP_BACK_SHARE)
        return replace(
            c,
            changed_on=d,
            step="stepped_back",
            reason=f"stepped back by a quarter after the flare on {_describe(flare.date)} "
            "(no tolerated load on record)",
        )
    load = ok.load
    provoking = flare.load.run if flare.load is not None else {}

    def lower(cap: float | None, dim: str, step: float) -> float | None:
        tolerated = _floor(load.week[dim], step)
        if cap is None:
            # An uncapped dimension gets a cap only when the flaring run went beyond what
            # was tolerated in it (a hilly run's flare caps climbing; a flat one does not).
            if provoking.get(dim, 0.0) <= load.run[dim]:
                return None
            return round(tolerated, 3)
        return round(min(cap, tolerated), 3)

    c = replace(
        caps,
        weekly_km=lower(caps.weekly_km, "distance", 0.1) or 0.0,
        longest_run_km=round(min(caps.longest_run_km, _floor(load.run["distance"], 0.1)), 3),
        weekly_fast_km=lower(caps.weekly_fast_km, "speed", 0.1),
        weekly_climb_m=lower(caps.weekly_climb_m, "hills", 1.0),
        changed_on=d,
        step="stepped_back",
        reason=f"stepped back after the flare on {_describe(flare.date)} to the last load "
        f"tolerated ({day_name(load.day)} {load.day}: {run_words(load.run)})",
    )
    return c


def run_words(run: dict[str, float]) -> str:
    """'6.0 km flat', '9.0 km with 180 m climbing', '+ 1.5 km fast'."""
    km = run["distance"]
    climb = run["hills"]
    text = amount(km, "km") + (
        " flat" if climb <= FLAT_M_PER_KM * km else f" with {amount(climb, 'm')} climbing"
    )
    if run["speed"] > FAST_ALLOWANCE_KM:
        text += f", {amount(run['speed'], 'km')} fast"
    return text


def _kind(run: dict[str, float]) -> str:
    words = []
    if run["hills"] > FLAT_M_PER_KM * run["distance"]:
        words.append("hilly")
    if run["speed"] > FAST_ALLOWANCE_KM:
        words.append("fast")
    return f"{amount(run['distance'], 'km')} {' '.join(words) + ' ' if words else ''}run"


# --- plan_breach ------------------------------------------------------------------------------
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
    if c.weekly_fast_km is not None:
        cap = max(c.weekly_fast_km, FAST_ALLOWANCE_KM)
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
        cap_wk = max(c.weekly_climb_m, FLAT_M_PER_KM * wk_km)
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
    r = round(s)
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
            ratio = worst.ratio if math.isfinite(worst.ratio) else worst.value
            sev = _severity(ratio)
            text = "; ".join(o.text for o in shown)
            out.append(
                FlagRecord(
                    date=pd.date,
                    dimension=dim,
                    rule="plan_breach",
                    severity=sev,
                    value=worst.value,
                    baseline=worst.cap,
                    ratio=ratio,
                    threshold=BREACH_ALERT if sev == ALERT else 1.0,
                    message=text[0].upper()
                    + text[1:]
                    + f" (plan week {pd.caps.week + 1}: {pd.caps.reason}).",
                )
            )
    return out


def quiet_frame(days: Sequence[PlanDay]) -> pl.DataFrame:
    """(date, dimension) where the amount rules stay quiet: running within the plan's caps."""
    rows = [
        (pd.date, quiet)
        for pd in days
        for dim, overs in pd.over.items()
        if not overs
        for quiet in QUIETS[dim]
    ]
    return pl.DataFrame(
        {"date": [r[0] for r in rows], "dimension": [r[1] for r in rows]},
        schema={"date": pl.Date(), "dimension": pl.Utf8()},
    )


# --- pain_response ----------------------------------------------------------------------------
def pain_records(responses: Sequence[Response]) -> list[FlagRecord]:
    """Irritated → caution, flare → alert, each naming the run before it and what to do."""
    out = []
    for r in responses:
        if r.state == "settled":
            continue
        load = r.load
        if load is None:
            after = f"on {day_name(r.date)}, with no run that day or the day before"
        elif load.day == r.date:
            after = f"{r.when} {day_name(load.day)}'s {_kind(load.run)}"
            if r.when == "during":
                after = f"during {day_name(load.day)}'s {_kind(load.run)}"
        else:
            after = f"the day after {day_name(load.day)}'s {_kind(load.run)}"
        if r.rising:
            head = f"Pain rising over three entries ({' → '.join(map(str, r.rising))}/10), "
            head += f"the latest {after}"
        elif r.state == "irritated" and r.reference is not None and r.worst < 4:
            run = f" {day_name(load.day)}'s {_kind(load.run)}" if load is not None else ""
            head = (
                f"Pain the morning after{run} was worse than the morning before "
                f"({r.symptom.pain_next_morning} vs {r.reference}/10)"
            )
        else:
            head = f"Pain {r.worst}/10 {after}"
        if r.state == "flare":
            ok = last_tolerated([x for x in responses if x.date < r.date], r.date)
            if ok is not None and ok.load is not None:
                tail = f"step back to {run_words(ok.load.run)}, the last load you tolerated"
            else:
                tail = "step back by a quarter: no tolerated load on record yet"
        else:
            tail = "hold the load (no increase) until it settles under 4/10 by the next morning"
        value = float(r.worst)
        threshold = float(r.threshold)
        out.append(
            FlagRecord(
                date=r.date,
                dimension="pain",
                rule="pain_response",
                severity=ALERT if r.state == "flare" else CAUTION,
                value=value,
                baseline=float(r.reference if r.reference is not None else 3),
                ratio=value / threshold if threshold > 0 else value,
                threshold=threshold,
                message=f"{head}: {tail}.",
            )
        )
    return out


# --- rest_too_long ----------------------------------------------------------------------------
def rest_records(plan: PlanSpec, daily: pl.DataFrame, caps: Sequence[Caps]) -> list[FlagRecord]:
    """A caution on the ``REST_DAYS``-th day in a row with nothing logged (no run, no other
    sport) while the plan is active: complete rest deconditions the tendon."""
    if not caps:
        return []
    last_day = plan.start + timedelta(days=len(caps) - 1)
    active = set(
        daily.filter((pl.col("runs") > 0) | (pl.col("other_sessions") > 0))["date"].to_list()
    )
    # Counted from the plan's start at the earliest: the rest before it is the injury's.
    before = [d for d in active if d < plan.start]
    last = max([*before, plan.start - timedelta(days=1)])
    out = []
    d = plan.start
    while d <= last_day:
        if d in active:
            last = d
        else:
            ref = last
            gap = (d - ref).days
            if gap == REST_DAYS:
                c = caps[(d - plan.start).days]
                easy = min(c.longest_run_km, c.weekly_km)
                out.append(
                    FlagRecord(
                        date=d,
                        dimension="rest",
                        rule="rest_too_long",
                        severity=CAUTION,
                        value=float(gap),
                        baseline=float(REST_DAYS),
                        ratio=gap / REST_DAYS,
                        threshold=1.0,
                        message=(
                            f"Nothing logged for {gap} days (since {_describe(ref)}) on a "
                            "return-to-run plan: complete rest deconditions the tendon and "
                            f"makes the way back harder; an easy {amount(easy, 'km')} flat run "
                            "(or cross-training) keeps it loaded."
                        ),
                    )
                )
        d += timedelta(days=1)
    return out


@dataclass(frozen=True, slots=True)
class PlanVerdict:
    """Everything the plan says for one evaluation: the flags and the quiet (date, dimension)."""

    records: list[FlagRecord]
    quiet: pl.DataFrame
    caps: list[Caps]
    days: list[PlanDay]
    # Per plan, oldest first: its caps on each of its days up to today (the charts' limits).
    timelines: list[tuple[PlanSpec, list[Caps]]] = field(default_factory=list)


def judge(
    plans: Sequence[PlanSpec], daily: pl.DataFrame, responses: Sequence[Response], today: date
) -> PlanVerdict:
    """The plan rules over every plan (and pain_response over every response up to today)."""
    records = pain_records([r for r in responses if r.date <= today])
    quiet = []
    caps: list[Caps] = []
    days: list[PlanDay] = []
    timelines: list[tuple[PlanSpec, list[Caps]]] = []
    for p in plans:
        pd = plan_days(p, daily, responses, today)
        c = caps_timeline(p, responses, today)
        records += breach_records(pd)
        records += rest_records(p, daily, c)
        quiet.append(quiet_frame(pd))
        caps, days = c, pd  # the latest plan's, for status
        timelines.append((p, c))
    q = pl.concat(quiet) if quiet else quiet_frame([])
    records.sort(key=lambda f: (f.date, f.rule, f.dimension))
    return PlanVerdict(records, q, caps, days, timelines)
