"""A return-to-run plan and the caps in force on each of its days.

Pure.  A plan has caps per week (distance, fast km, climbing; climbing 0 = avoid hills) and
per run (longest run; fast km and climbing in one run are bounded by the week's caps; a pace
floor: run this slow or slower).  Plan weeks run from the start day in blocks of 7.

Progression (docs/rehab.md): at the start of each plan week the caps

* rise by ``progression_pct`` (default 10 %, rounded down to 0.1 km / 1 m) when every response
  of the week before was settled (at least one logged);
* are held otherwise: an irritated response, or a week without any response (no evidence);
* and a flare steps them back at once, from the day after it, to the last load tolerated (the
  latest settled response's run: its distance as the longest run, its 7 days as the weeks;
  never above the caps in force).  With no tolerated load on record (only check-ins record
  it) the caps drop by a quarter.

"Flat" is not "0 m": a run on a no-hills plan may climb ``FLAT_M_PER_KM`` metres per km (GPS
and barometer noise, a bridge); a "no fast running" plan allows ``FAST_ALLOWANCE_KM``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from loadwatch.rules.messages import amount, day_name
from loadwatch.rules.response import Response, last_tolerated

FLAT_M_PER_KM = 10.0
FAST_ALLOWANCE_KM = 0.2
STEP_BACK_SHARE = 0.75


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


def describe_day(d: date) -> str:
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


def caps_from_tomorrow(plan: PlanSpec, responses: Sequence[Response], today: date) -> Caps | None:
    """The caps of the plan week that starts tomorrow, when ``today`` ends one (None on any
    other day, or when the plan ends today): a run tomorrow falls under them, not under what is
    left of this week."""
    tomorrow = today + timedelta(days=1)
    if not plan.active_on(tomorrow) or (tomorrow - plan.start).days % 7 != 0:
        return None
    return caps_timeline(plan, responses, tomorrow)[-1]


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
        return replace(base, reason=f"held: {word} on {describe_day(r.date)} ({r.reason})")
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


# Only check-ins record tolerated load (a run followed by a settled entry): twelve painless
# weeks without check-ins are none of it, so the sentence says what is missing (trial 11 F5),
# in the plan's reason as in the pain flag's (``rules.pain_response``).
NOTHING_TOLERATED = "no check-in has recorded a run you tolerated yet"


def _step_back(caps: Caps, responses: Sequence[Response], flare: Response, d: date) -> Caps:
    ok = last_tolerated(responses, flare.date)
    if ok is None or ok.load is None:
        c = _round_caps(caps, STEP_BACK_SHARE)
        return replace(
            c,
            changed_on=d,
            step="stepped_back",
            reason=f"stepped back by a quarter after the flare on {describe_day(flare.date)} "
            f"({NOTHING_TOLERATED})",
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
        reason=f"stepped back after the flare on {describe_day(flare.date)} to the last load "
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
