"""A plan week over its cap stays over it (trial 12 F2): plan_breach tells a week's total once
per plan week, and the check must not read that silence as "raises nothing"."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.plan_caps import PlanSpec
from loadwatch.rules.planned import PlannedRun
from loadwatch.rules.preflight import History, check
from support.activity_builder import activity, frame

D0 = date(2026, 10, 26)  # a Monday
TODAY = D0 + timedelta(days=41)  # Sunday 6 Dec
MON, WED, FRI = (TODAY + timedelta(days=k) for k in (1, 3, 5))
# Plan week 1 is Mon 7–Sun 13 Dec: 15.0 km a week, runs up to 6.0 km.
PLAN = PlanSpec(start=MON, weekly_km=15.0, longest_run_km=6.0)


def _daily() -> pl.DataFrame:
    runs = [activity(D0 + timedelta(days=k), 5.0) for k in range(0, 42, 2)]
    return daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=TODAY)


def _check(runs: list[PlannedRun]):  # type: ignore[no-untyped-def]
    h = History(_daily(), RuleConfig(), plans=[PLAN], responses=[], today=TODAY)
    return check(h, runs).sessions


def test_a_run_adding_to_a_plan_week_over_its_cap_says_so() -> None:
    mon, wed, fri = PlannedRun(MON, 5.0), PlannedRun(WED, 6.0), PlannedRun(FRI, 5.0)
    # 5 + 6 = 11 km by Wednesday; Friday's 5.0 km make 16.0 km: told on Friday (new breach).
    fri_alone = _check([mon, wed, fri])[2]
    assert [(f.rule, f.flagged) for f in fri_alone.findings] == [("plan_breach", None)]
    # 5 + 12 = 17 km by Wednesday, over 15.0 km (told on Wednesday); Friday adds 5.0 km to a
    # week already over its cap: 22.0 km, said though no second week flag is raised.
    big = PlannedRun(WED, 12.0)
    sessions = _check([mon, big, fri])
    friday = sessions[2]
    week = [f for f in friday.findings if f.rule == "plan_breach"]
    assert [(f.dimension, f.value, f.baseline, f.flagged, f.added) for f in week] == [
        ("distance", 22.0, 15.0, WED, 5.0)
    ]
    assert friday.severity is not None
    assert (
        "the plan week is already over its 15.0 km cap since Wednesday 2026-12-09; "
        "this run adds 5.0 km" in friday.sentence
    )
    # The suggestion is never larger than with the lighter Wednesday: here rest.
    assert friday.suggestion is not None
    assert friday.suggestion.run.distance_km == 0.0


def test_a_plan_week_row_says_a_runs_breach_sets_its_alert() -> None:
    # Trial 12 F2: "hills 125 m, plan week 250 m, ratio 0.50, alert" — the alert a run's.
    flat = PlanSpec(start=MON, weekly_km=15.0, longest_run_km=6.0, weekly_climb_m=0.0)
    h = History(_daily(), RuleConfig(), plans=[flat], responses=[], today=TODAY)
    pf = check(h, [PlannedRun(MON, 5.0), PlannedRun(WED, 5.0, 0.0, 100.0)])
    (hills,) = [w for w in pf.windows if w.dimension == "hills"]
    # 10.0 km flat allow 100 m in the week (ratio 1.00, within it); Wednesday's 100 m on
    # 5.0 km are 2.0x the 50 m flat allowance for one run: the alert is the run's.
    assert (hills.peak, hills.usual_week, hills.ratio, hills.level) == (100.0, 100.0, 1.0, 2)
    assert hills.span == (
        "plan week 1, 7–9 Dec: all planned; alert from Wednesday's run, over the plan's cap "
        "for one run (the week is within its cap)"
    )
