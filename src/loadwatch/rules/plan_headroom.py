"""Headroom under a return-to-run plan: what the plan leaves this plan week and in the next run,
bounded by the rules' own headroom (``rules.headroom``), per plan dimension.

Pure.  The plan never offers what it forbids:

* **distance**: the week's cap minus the plan week so far, and the longest-run cap;
* **fast running**: the fast-km cap minus the plan week so far; and a pace floor at or slower
  than the athlete's fast threshold ("6:15/km or slower" against a 4:47/km threshold) is a plan
  without fast running, whatever the fast-km cap says (none, or more): a run at the floor never
  reaches the pace fast km are counted at, so the plan's fast km are 0;
* **climbing**: the climbing cap minus the plan week so far; on a flat plan (cap 0) the flat
  allowance of the kilometres still open (``FLAT_M_PER_KM``), and no uphill running.

The plan is the baseline (docs/rules.md): in a dimension the plan caps, running within its
caps quiets ``session_spike``, ``weekly_ramp`` and ``return_after_break``, so their limits do
not bind there and the plan's caps are the offer; only a step back (a pain flare's, a current
spike's cap: ``held``) bounds them further.  In a dimension the plan leaves open (no fast-km
cap nor pace floor) the rules judge as usual and their limit is the offer.  ``binding`` says
which one sets the next run, and the note names it with the plan's own figure beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from loadwatch.analytics.schema import UNITS
from loadwatch.rules.messages import amount, day_name, pace
from loadwatch.rules.plan_breach import BREACH_ALERT, caps_dimension
from loadwatch.rules.plan_caps import FAST_ALLOWANCE_KM, FLAT_M_PER_KM, Caps
from loadwatch.vocabulary import DIMENSION_HEADING, NO_LOAD

PLAN_DIMENSIONS = ("distance", "speed", "hills")
# dimension -> (the rules' room over the next 7 days, the rules' next-run limit)
RulesRoom = Mapping[str, tuple[float | None, float | None]]


@dataclass(frozen=True, slots=True)
class PlanHeadroom:
    dimension: str
    unit: str
    week_cap: float | None  # the plan's cap this plan week, as judged (None: no cap)
    week_used: float
    week_left: float | None  # the smaller of the plan's and the rules' room this week
    next_run: float | None  # the smaller of the plan's and the rules' next-run limit
    binding: str | None  # "plan" or "rules": which one sets next_run
    next_run_alert: float | None  # the largest next run before the plan's own alert line
    note: str
    # Where not the plan binds: "the rules' limit; the plan allows 6.0 km" (None: the plan).
    limit_words: str | None = None


def pace_text(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    r = round(seconds)
    return f"{r // 60}:{r % 60:02d}"


def floor_rules_out_fast(caps: Caps, fast_mps: float | None) -> bool:
    """A pace floor at or slower than the fast threshold: no fast km at the plan's pace."""
    floor = caps.pace_floor_s_per_km
    if floor is None or not fast_mps or fast_mps <= 0:
        return False
    return floor >= 1000.0 / fast_mps - 1e-9


def fast_cap(caps: Caps, fast_mps: float | None) -> float | None:
    """The plan's weekly fast km as the headroom and the charts read it: 0 under a pace floor
    that rules fast running out, else the plan's own cap (None: no cap)."""
    if floor_rules_out_fast(caps, fast_mps):
        return 0.0
    return caps.weekly_fast_km


def climb_allowance(caps: Caps, km: float) -> float | None:
    """The climbing the plan allows over ``km`` km: its cap, or on a flat plan (cap 0) the
    flat allowance of those kilometres (None: no cap)."""
    if caps.weekly_climb_m is None:
        return None
    return max(caps.weekly_climb_m, FLAT_M_PER_KM * km)


def plan_headroom(
    caps: Caps,
    used: Mapping[str, float],
    rules: RulesRoom,
    fast_mps: float | None,
    rules_words: Mapping[str, str] | None = None,
    held: RulesRoom | None = None,
) -> list[PlanHeadroom]:
    """Per plan dimension: the plan's room this plan week (``used``: its load so far) bounded
    by the rules' (``rules``) where the plan leaves the dimension to them, else only by a step
    back (``held``: a flare's or a current spike's limits, per dimension); ``fast_mps``: the
    fast threshold in force (the pace floor's yardstick); ``rules_words``: per dimension, what
    that limit is when it is not the rules' own ("the step back after the pain flare on
    Sunday 2026-12-06")."""
    out = []
    dist_left = max(0.0, caps.weekly_km - used["distance"])
    run_km = min(caps.longest_run_km, dist_left)
    speed_cap = fast_cap(caps, fast_mps)
    # The distance actually offered: a flat plan's climbing follows it (10 m per km of it).
    offered: tuple[float | None, float | None] = (dist_left, run_km)
    for dim in PLAN_DIMENSIONS:
        left: float | None
        run: float | None
        if dim == "distance":
            cap: float | None = caps.weekly_km
            left, run = dist_left, run_km
        elif dim == "speed":
            cap = speed_cap
            # "None on this plan" means none: the 0.2 km allowance is noise the rule forgives,
            # not room to offer.
            left = None if cap is None else max(0.0, cap - used[dim])
            run = left
        else:
            cap = caps.weekly_climb_m
            if cap is None:
                left = run = None
            elif cap == 0:  # flat: the allowance for the kilometres offered
                km_left, km_run = offered
                left = None if km_left is None else FLAT_M_PER_KM * km_left
                run = None if km_run is None else FLAT_M_PER_KM * km_run
            else:
                left = run = max(0.0, cap - used[dim])
        room = rules if not caps_dimension(caps, dim) else (held or {})
        r_week, r_run = room.get(dim, (None, None))
        week_left = _smaller(left, r_week)
        plan_run = _smaller(run, left)
        next_run = _smaller(_smaller(plan_run, r_run), week_left)
        binding = None
        if next_run is not None:
            binding = "plan" if plan_run is not None and next_run == plan_run else "rules"
        if dim == "distance":
            offered = (week_left, next_run)
        word = (rules_words or {}).get(dim, "the rules' limit")
        limit_words = None
        if binding == "rules":
            limit_words = (
                word
                if plan_run is None
                else f"{word}; the plan allows {amount(plan_run, UNITS[dim])}"
            )
        out.append(
            PlanHeadroom(
                dimension=dim,
                unit=UNITS[dim],
                week_cap=cap,
                week_used=used[dim],
                week_left=week_left,
                next_run=next_run,
                binding=binding,
                next_run_alert=plan_alert_run(dim, caps, used, fast_mps),
                note=_note(
                    dim, caps, cap, used[dim], week_left, next_run, limit_words, fast_mps, next_run
                ),
                limit_words=limit_words,
            )
        )
    return out


def across_week_end(
    this_week: Sequence[PlanHeadroom],
    next_week: Sequence[PlanHeadroom],
    next_start: date,
    ran_today: bool,
) -> list[PlanHeadroom]:
    """On a plan week's last day: the next run falls today, under what is left of this week,
    or from ``next_start`` under the next week's caps (``next_week``: its rooms with nothing
    used yet).  The next-run figures are those of the week it most likely falls in: the next
    one when the athlete already ran today, else this one; the note says both ("up to 3.2 km
    if today, 6.0 km from Monday"), so that no surface contradicts the plan check of a run
    planned tomorrow."""
    later = {r.dimension: r for r in next_week}
    out = []
    for t in this_week:
        n = later.get(t.dimension)
        if n is None:
            out.append(t)
            continue
        chosen = n if ran_today else t
        note = t.note
        if t.next_run != n.next_run and t.note != n.note:
            day = day_name(next_start)
            if t.next_run is not None and n.next_run is not None and "next run up to" in t.note:
                by = f" ({n.limit_words})" if n.limit_words else ""
                note = f"{t.note[:-1]} if today, {amount(n.next_run, t.unit)} from {day}{by}."
            else:
                note = f"{t.note} From {day}: {n.note}"
        out.append(
            replace(
                t,
                next_run=chosen.next_run,
                binding=chosen.binding,
                next_run_alert=chosen.next_run_alert,
                note=note,
            )
        )
    return out


def plan_alert_run(
    dim: str, caps: Caps, used: Mapping[str, float], fast_mps: float | None = None
) -> float | None:
    """The largest next run before ``rules.plan`` would call it an alert: over a cap (per run
    or per plan week) by more than ``BREACH_ALERT``, mirroring ``rules.plan_breach._breaches``.  A
    caution ("over the plan") comes first, at the cap itself (``next_run``)."""
    a = BREACH_ALERT
    km_alert = min(caps.longest_run_km * a, max(0.0, caps.weekly_km * a - used["distance"]))
    if dim == "distance":
        return km_alert
    if dim == "speed":
        speed_cap = fast_cap(caps, fast_mps)
        if speed_cap is None:
            return None
        cap = max(speed_cap, FAST_ALLOWANCE_KM)
        return max(0.0, cap * a - used["speed"])
    if caps.weekly_climb_m is None:
        return None
    # Climbing is judged against the run's own flat allowance when the plan avoids hills.
    run_cap = max(caps.weekly_climb_m, FLAT_M_PER_KM * km_alert)
    week_cap = max(caps.weekly_climb_m, FLAT_M_PER_KM * (used["distance"] + km_alert))
    return max(0.0, min(run_cap * a, week_cap * a - used["hills"]))


def _smaller(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _note(
    dim: str,
    caps: Caps,
    cap: float | None,
    used: float,
    left: float | None,
    run: float | None,
    limit_words: str | None,
    fast_mps: float | None,
    flat_run: float | None = None,
) -> str:
    unit = UNITS[dim]
    what = DIMENSION_HEADING[dim]
    if dim == "hills" and caps.weekly_climb_m == 0:
        # The allowance of the run offered, not of the plan's longest run (trial F12).
        head = f"{what}: the plan avoids hills: keep runs flat (up to {FLAT_M_PER_KM:.0f} m per km)"
        if flat_run is None:
            return head + "."
        by = f" ({limit_words})" if limit_words else ""
        return f"{head}; next run up to {amount(flat_run, 'm')}{by}."
    if dim == "speed" and cap == 0:
        floor = pace_text(caps.pace_floor_s_per_km)
        if floor_rules_out_fast(caps, fast_mps) and fast_mps:
            return (
                f"{what}: none on this plan; run {floor}/km or slower (fast km count from "
                f"{pace(fast_mps)})."
            )
        return f"{what}: none on this plan" + (f"; run {floor}/km or slower." if floor else ".")
    # "(the rules' limit; the plan allows 6.0 km)": which limit binds and the plan's beside it.
    by = f" ({limit_words})" if limit_words else ""
    head = f"{what}: {amount(used, unit)} this plan week"
    if left is None and run is None:
        return head + "; no plan cap."
    parts = [head]
    if left is not None:
        parts.append(f"{amount(left, unit)} left this week")
    if run is not None and dim != "distance" and amount(run, unit) in ("0 m", "0.0 km"):
        parts.append(f"next run: {NO_LOAD[dim]}{by}")  # one phrase for none (vocabulary)
    elif run is not None:
        parts.append(f"next run up to {amount(run, unit)}{by}")
    return "; ".join(parts) + "."
