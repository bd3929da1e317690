"""The pre-flight check's words and its planned uphill km (docs/planning.md): a floor reads as
a floor, never as the athlete's history, and a planned climb counts uphill km the way the
athlete's own logged runs do."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.planned import PlannedRun, with_runs
from loadwatch.rules.preflight import History, check
from support.activity_builder import activity, frame

D0 = date(2026, 10, 26)  # a Monday
TODAY = D0 + timedelta(days=41)  # Sunday, six weeks on


def _history(uphill_km: float | None) -> pl.DataFrame:
    """12 km with 95 m of climbing every other day for six weeks; ``uphill_km`` per run as
    logged (0.0: a CSV log's rows, which carry no uphill km)."""
    runs = [
        activity(D0 + timedelta(days=k), 12.0, climb_m=95.0, uphill_km=uphill_km)
        for k in range(0, 42, 2)
    ]
    return daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=TODAY)


def _check(daily: pl.DataFrame, runs: list[PlannedRun]) -> list[str]:
    h = History(daily, RuleConfig(), plans=[], responses=[], today=TODAY)
    return [s.sentence for s in check(h, runs).sessions]


def test_a_floor_is_said_as_a_floor_and_a_logs_climbing_counts_no_uphill_km() -> None:
    daily = _history(0.0)
    monday, wednesday = TODAY + timedelta(days=1), TODAY + timedelta(days=3)
    easy = PlannedRun(monday, 12.0, 0.0, 100.0, "easy")
    intervals = PlannedRun(wednesday, 12.0, 6.0, 0.0, "intervals")
    assert _check(daily, [easy, intervals]) == [
        # 100 m against 95 m a run (1.3 x 95 = 123.5 m): nothing.  Estimated at 6 % its 1.7 km
        # uphill were "67 % over your most uphill running (1.0 km)", a floor over runs that
        # count none.
        "Monday 12.0 km easy run (100 m climbing): raises nothing.",
        # No fast km in 30 days: the 2.0 km floor stands in; 6.0 / 2.0 = 3.0x, an alert;
        # 1.3 x 2.0 = 2.6 km raise nothing.
        "Wednesday 12.0 km interval session (6.0 km fast): alert, 3.0× your most fast running "
        "in one run in 30 days (0.0 km, judged against at least 2.0 km); up to 2.6 km fast in "
        "it raises nothing.",
    ]


def test_planned_uphill_km_follow_the_athletes_own_runs() -> None:
    monday = TODAY + timedelta(days=1)
    run = [PlannedRun(monday, 12.0, 0.0, 200.0, "hills")]

    def planned_uphill(daily: pl.DataFrame) -> float:
        out = with_runs(daily, run).filter(pl.col("date") == monday)
        return float(out["uphill_km"][0])

    # Tracks counting 1.9 km uphill per 95 m climbed (0.02 km per m): 200 m -> 4.0 km.
    # (the days' km are sums of metres / 1000: equal to the last bit or two)
    assert planned_uphill(_history(1.9)) == pytest.approx(4.0, rel=1e-12)
    # A log without uphill km: none, as its runs.
    assert planned_uphill(_history(0.0)) == 0.0
    # No climbing on record: the 6 % estimate, 200 m / 0.06 = 3.33 km.
    flat = daily_frame(
        frame([activity(D0 + timedelta(days=k), 12.0) for k in range(0, 42, 2)]),
        tz="UTC",
        fast_speed_mps=None,
        end=TODAY,
    )
    assert round(planned_uphill(flat), 3) == 3.333


def _after_a_break() -> History:
    """10 km every other day for six weeks (the 28 days before the break: 14 runs, a 35.0 km
    week), then 21 days without running: tomorrow ends the break (kept(21) = 93 %)."""
    start = date(2026, 9, 7)
    runs = [activity(start + timedelta(days=k), 10.0) for k in range(0, 41, 2)]
    today = start + timedelta(days=61)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)
    return History(daily, RuleConfig(), plans=[], responses=[], today=today)


def test_a_return_is_a_share_of_the_week_before_the_break_never_a_negative_over() -> None:
    h = _after_a_break()
    tomorrow = h.today + timedelta(days=1)
    (only,) = check(h, [PlannedRun(tomorrow, 18.0, 0.0, 0.0, "easy")]).sessions
    # 18 / 35 = 0.514 of the week before the break (a caution over 0.5); the spike (18 km
    # over 0.93 x 10 km = 9.3 km, 1.94x) is a caution too, so the return says it (the hand-over).
    # Was "-49 % over your week before the break".  1.1 x 9.3 = 10.23: 10.2 km raise nothing.
    assert only.sentence == (
        "Sunday 18.0 km easy run: caution, 18.0 km of running since your return, 51 % of your "
        "week before the break (35.0 km); up to 10.2 km raises nothing."
    )


def test_a_return_with_too_short_a_record_before_the_break_says_the_floor() -> None:
    # Three 5 km runs in five days, then 20 days off: less than a week on record, no usual week
    # before the break; 11 km tomorrow is judged against the 10 km floor (1.1: an alert over
    # 0.8), not "your week before the break (10.0 km)" (trial 11 F7).
    runs = [activity(D0 + timedelta(days=k), 5.0) for k in (0, 2, 4)]
    today = D0 + timedelta(days=25)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)
    h = History(daily, RuleConfig(), plans=[], responses=[], today=today)
    (only,) = check(h, [PlannedRun(today + timedelta(days=1), 11.0, 0.0, 0.0, "easy")]).sessions
    assert (
        "11.0 km of running since your return, 110 % of 10.0 km, the least it is judged "
        "against (too few days on record before the break for a usual week)" in only.sentence
    )


def test_a_return_judged_against_the_floor_names_the_week_beside_it() -> None:
    # A 2.0 km run a week for four weeks (a usual week of 2.0 km), then 20 days off: 6 km
    # tomorrow is 60 % of the 10 km floor (a caution from 50 %), not "60 % of your week before
    # the break (10.0 km)", a week never run (trial 12 F7).
    runs = [activity(D0 + timedelta(days=7 * k), 2.0) for k in range(5)]
    today = D0 + timedelta(days=7 * 4 + 21)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)
    h = History(daily, RuleConfig(), plans=[], responses=[], today=today)
    (only,) = check(h, [PlannedRun(today + timedelta(days=1), 6.0, 0.0, 0.0, "easy")]).sessions
    assert (
        "6.0 km of running since your return, 60 % of 10.0 km, the least it is judged against "
        "(your week before the break was 2.0 km)" in only.sentence
    ), only.sentence


def test_a_post_break_longest_run_says_how_it_was_counted() -> None:
    h = _after_a_break()
    tomorrow = h.today + timedelta(days=1)
    (only,) = check(h, [PlannedRun(tomorrow, 10.5, 0.0, 0.0, "easy")]).sessions
    # 10.5 / 9.3 = 1.13: was "13 % over your longest run in 30 days (9.3 km)", a run never run.
    assert only.sentence == (
        "Sunday 10.5 km easy run: caution, 13 % over your longest run in 30 days, counting your "
        "running before your 21-day break at 93 % (10.0 km before the break, 9.3 km now); up "
        "to 10.2 km raises nothing."
    )


def test_a_window_holding_an_alert_is_not_ok() -> None:
    h = _after_a_break()
    tomorrow = h.today + timedelta(days=1)
    pf = check(h, [PlannedRun(tomorrow, 20.0, 0.0, 0.0, "easy")])
    (dist,) = [w for w in pf.windows if w.dimension == "distance"]
    # During the return the ramp does not judge (its level 0: "ok" in the table before); the
    # window's one run is a spike alert (20 / 9.3 = 2.15x) and a return caution (20 / 35).
    assert (dist.peak, dist.level, dist.rule) == (20.0, 2, "session_spike")
    assert (pf.sessions[0].findings[1].rule, pf.sessions[0].findings[1].severity) == (
        "return_after_break",
        "caution",
    )


def test_a_window_the_return_judges_shows_the_returns_baseline() -> None:
    """Trial F5: the table read "68.2 km, 0.57" under a sentence of "61.8 km, 63 %" (the ramp's
    usual week beside the return's verdict); one baseline per dimension now."""
    h = _after_a_break()
    tomorrow = h.today + timedelta(days=1)
    pf = check(h, [PlannedRun(tomorrow, 9.0), PlannedRun(tomorrow + timedelta(days=2), 9.0)])
    (dist,) = [w for w in pf.windows if w.dimension == "distance"]
    # 18 km since the return over the 35.0 km week before the break: 0.514, a caution > 0.5.
    assert "51 % of your week before the break (35.0 km)" in pf.sessions[1].sentence
    assert (dist.basis, dist.peak, dist.usual_week, round(dist.ratio or 0, 3)) == (
        "week before the break",
        18.0,
        35.0,
        0.514,
    )
    assert (dist.level, dist.rule, dist.caution, dist.alert) == (1, "return_after_break", 0.5, 0.8)


def test_a_plan_weeks_breach_reads_on_after_its_severity() -> None:
    # Trial 10 F13: "caution, This plan week reaches 23.5 km by Sunday, ...".
    from loadwatch.rules.preflight import Finding, sentence

    run = PlannedRun(date(2026, 11, 22), 6.0)
    breach = Finding(
        rule="plan_breach", dimension="distance", severity="caution", value=23.5,
        baseline=19.9, ratio=1.18, threshold=1.0, grade="moderate",
        message="This plan week reaches 23.5 km by Sunday, over the plan's 19.9 km a week "
        "(plan week 5).",
    )  # fmt: skip
    said = sentence(run, [breach], None, RuleConfig())
    assert said.endswith(
        ": caution, this plan week reaches 23.5 km by Sunday, over the plan's 19.9 km a week."
    )


def test_a_suggestions_numbers_round_halves_up_as_they_are_said() -> None:
    from loadwatch.rules.preflight import distance_at, fast_climb_at

    run = PlannedRun(TODAY + timedelta(days=1), 10.0, 2.5, 50.0, "hills")
    # Half of 2.5 km fast is 1.25 km: said "1.3 km" (rounding.fixed), so judged at 1.3, not
    # round()'s 1.2; half of 50 m is 2.5 steps of 10 m: 30 m, not 20.
    half = fast_climb_at(run, 50)
    assert (half.fast_km, half.climb_m) == (1.3, 30.0)
    # 5.0 km of 10.0: 1.25 km fast and 25 m climbing at that share.
    short = distance_at(run, 50)
    assert (short.distance_km, short.fast_km, short.climb_m) == (5.0, 1.3, 25.0)
