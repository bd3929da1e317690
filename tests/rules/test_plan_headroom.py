"""Headroom under a return-to-run plan (rules/plan_headroom.py, docs/rehab.md): the plan never
offers fast km, climbing or distance it forbids, and the rules' limit binds where it is lower.
Every number by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from loadwatch.rules.plan import Caps
from loadwatch.rules.plan_caps import PlanSpec, caps_from_tomorrow
from loadwatch.rules.plan_headroom import (
    PlanHeadroom,
    across_week_end,
    climb_allowance,
    fast_cap,
    plan_alert_run,
    plan_headroom,
)

D0 = date(2026, 10, 12)
THRESHOLD_MPS = 1000.0 / 287  # a 4:47/km fast threshold
FLOOR_615 = 375.0  # "6:15/km or slower"


def caps(
    *,
    km: float = 15.0,
    longest: float = 6.0,
    fast: float | None = None,
    climb: float | None = 0.0,
    floor: float | None = FLOOR_615,
) -> Caps:
    return Caps(km, longest, fast, climb, floor, 0, D0, "the plan's opening caps", D0)


Rules = dict[str, tuple[float | None, float | None]]


def rooms(
    c: Caps, used: dict[str, float], rules: Rules, fast_mps: float | None = THRESHOLD_MPS
) -> dict[str, PlanHeadroom]:
    return {r.dimension: r for r in plan_headroom(c, used, rules, fast_mps)}


USED = {"distance": 12.0, "speed": 0.0, "hills": 20.0}
# The rules alone would offer 6.0 fast km tomorrow (the demo's contradiction, issue 17).
RULES = {"distance": (10.0, 8.0), "speed": (6.0, 6.0), "hills": (400.0, 300.0)}


def test_a_pace_floor_slower_than_the_fast_threshold_offers_no_fast_km() -> None:
    r = rooms(caps(), USED, RULES)["speed"]
    assert (r.week_cap, r.week_left, r.next_run, r.binding) == (0.0, 0.0, 0.0, "plan")
    assert r.note == (
        "Fast km: none on this plan; run 6:15/km or slower (fast km count from 4:47/km)."
    )
    # Its alert line is the no-fast plan's: 1.3 x the 0.2 km allowance.
    assert r.next_run_alert == pytest.approx(0.26)
    # A fast-km cap the floor contradicts gives way to the floor too.
    assert fast_cap(caps(fast=2.0), THRESHOLD_MPS) == 0.0
    # At the threshold itself: a run at the floor is not faster than the threshold: none.
    assert fast_cap(caps(floor=287.0), THRESHOLD_MPS) == 0.0


def test_a_floor_faster_than_the_threshold_leaves_fast_running_to_the_caps_and_rules() -> None:
    # 4:00/km floor: running at the floor can be fast (quicker than 4:47/km).
    r = rooms(caps(floor=240.0), USED, RULES)["speed"]
    assert (r.week_cap, r.week_left, r.next_run, r.binding) == (None, 6.0, 6.0, "rules")
    assert r.note.endswith("next run up to 6.0 km (the rules' limit).")
    capped = rooms(caps(floor=240.0, fast=2.0), {**USED, "speed": 0.5}, RULES)["speed"]
    assert (capped.week_left, capped.next_run, capped.binding) == (1.5, 1.5, "plan")
    # Without a fast threshold (no history yet) the floor cannot be compared: the plan's cap.
    assert fast_cap(caps(fast=2.0), None) == 2.0


def test_distance_and_flat_climbing_are_the_smaller_of_the_plan_and_the_rules() -> None:
    r = rooms(caps(), USED, RULES)
    # 15 - 12 = 3 km left of the plan week (under the 6 km longest run and the rules' 8).
    assert (r["distance"].week_left, r["distance"].next_run, r["distance"].binding) == (
        3.0,
        3.0,
        "plan",
    )
    # Flat: 10 m per km of the 3 km still open.
    assert (r["hills"].week_left, r["hills"].next_run) == (30.0, 30.0)
    assert r["hills"].note.startswith("Climbing: the plan avoids hills")
    # The plan is the baseline of what it caps: the rules' 2 km over the next 7 days do not
    # bind (running within the caps quiets them, docs/rules.md), so the plan check's "ok" of
    # 3 km and the headroom agree (trial F8b).
    quiet = rooms(caps(), USED, {**RULES, "distance": (2.0, 8.0)})["distance"]
    assert (quiet.week_left, quiet.next_run, quiet.binding) == (3.0, 3.0, "plan")
    # A step back (a flare's, a current spike's cap) still binds, said as what binds and the
    # plan's figure beside it (trial F6); a flat plan's climb follows the 2 km offered (F12).
    held = {"distance": (2.0, 8.0)}
    low = {r.dimension: r for r in plan_headroom(caps(), USED, RULES, THRESHOLD_MPS, held=held)}
    assert (low["distance"].week_left, low["distance"].next_run) == (2.0, 2.0)
    assert low["distance"].binding == "rules"
    assert low["distance"].note.endswith(
        "next run up to 2.0 km (the rules' limit; the plan allows 3.0 km)."
    )
    assert (low["hills"].week_left, low["hills"].next_run) == (20.0, 20.0)
    assert low["hills"].note == (
        "Climbing: the plan avoids hills: keep runs flat (up to 10 m per km); next run up to 20 m."
    )
    assert climb_allowance(caps(), 18.1) == pytest.approx(181.0)
    assert climb_allowance(caps(climb=None), 18.1) is None
    assert climb_allowance(caps(climb=250.0), 18.1) == 250.0


def test_the_plans_alert_line_for_the_next_run() -> None:
    c = caps(fast=0.0, floor=None)
    used = {"distance": 4.5, "speed": 0.0, "hills": 0.0}
    assert plan_alert_run("distance", c, used) == pytest.approx(7.8)  # 6 x 1.3
    assert plan_alert_run("speed", c, used) == pytest.approx(0.26)
    assert plan_alert_run("hills", c, used) == pytest.approx(101.4)  # 1.3 x 10 m x 7.8 km
    # No fast cap, no floor: the plan has no fast alert line; under a slow floor it has.
    assert plan_alert_run("speed", caps(floor=None), used) is None
    assert plan_alert_run("speed", caps(), used, THRESHOLD_MPS) == pytest.approx(0.26)


def test_on_a_plan_weeks_last_day_the_next_run_is_capped_by_the_week_it_falls_in() -> None:
    """Trial item 5: Sunday ends plan week 1 with 3 km left of 15; Monday opens week 2 at
    16.5 km a week and 6.6 km a run.  A runner who already ran on Sunday runs next under week
    2's caps: 6.6 km, as the plan check of a Monday run says; one who has not may still run
    today: 3.0 km.  The note says both."""
    sunday = date(2026, 10, 18)  # D0 is a Monday: plan week 1 is 10-12 .. 10-18
    monday = date(2026, 10, 19)
    this_week = plan_headroom(caps(), USED, RULES, THRESHOLD_MPS)
    nxt = Caps(16.5, 6.6, None, 0.0, FLOOR_615, 1, monday, "raised", monday)
    zero = {"distance": 0.0, "speed": 0.0, "hills": 0.0}
    next_week = plan_headroom(nxt, zero, RULES, THRESHOLD_MPS)

    ran = {r.dimension: r for r in across_week_end(this_week, next_week, monday, ran_today=True)}
    d = ran["distance"]
    assert (d.week_left, d.next_run, d.binding) == (3.0, 6.6, "plan")
    assert d.note == (
        "Distance: 12.0 km this plan week; 3.0 km left this week; next run up to 3.0 km if "
        "today, 6.6 km from Monday."
    )
    # 1.3 x 6.6 = 8.58 km before the plan's alert, nothing used yet in week 2.
    assert d.next_run_alert == pytest.approx(8.58)
    # Flat either week: 10 m per km of the run offered, today's 3.0 km or Monday's 6.6 km.
    assert ran["hills"].next_run == pytest.approx(66.0)
    assert ran["hills"].note == (
        "Climbing: the plan avoids hills: keep runs flat (up to 10 m per km); next run up to "
        "30 m if today, 66 m from Monday."
    )

    not_yet = {
        r.dimension: r for r in across_week_end(this_week, next_week, monday, ran_today=False)
    }
    assert not_yet["distance"].next_run == 3.0
    assert not_yet["distance"].note == d.note

    spec = PlanSpec(start=D0, weekly_km=15.0, longest_run_km=6.0, weekly_climb_m=0.0)
    held = caps_from_tomorrow(spec, [], sunday)  # no symptoms logged: held, not raised
    assert held is not None
    assert (held.week, held.week_start, held.weekly_km, held.longest_run_km) == (
        1,
        monday,
        15.0,
        6.0,
    )
    assert caps_from_tomorrow(spec, [], date(2026, 10, 17)) is None  # mid-week
    assert caps_from_tomorrow(replace(spec, end=sunday), [], sunday) is None  # the plan ends
