"""A return over its caution line stays over it (trial 12 F1): return_after_break flags the
first day each severity is crossed, and the check must not read the days after as "raises
nothing" while status says rest."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.planned import PlannedRun
from loadwatch.rules.preflight import History, check
from support.activity_builder import activity, frame


def _after_a_break() -> History:
    """10 km every other day for six weeks (a 35.0 km week before the break), then 21 days
    without running, up to Saturday 2026-11-07."""
    start = date(2026, 9, 7)
    runs = [activity(start + timedelta(days=k), 10.0) for k in range(0, 41, 2)]
    today = start + timedelta(days=61)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)
    return History(daily, RuleConfig(), plans=[], responses=[], today=today)


def test_a_run_within_a_standing_return_caution_says_so() -> None:
    h = _after_a_break()
    sun, tue, thu = (h.today + timedelta(days=k) for k in (1, 3, 5))
    runs = [PlannedRun(sun, 9.0), PlannedRun(tue, 9.0), PlannedRun(thu, 5.0)]
    sessions = check(h, runs).sessions
    # Tuesday: 18.0 / 35.0 = 0.514 of the week before the break, over the 0.5 line: flagged.
    assert [(f.rule, f.flagged) for f in sessions[1].findings] == [("return_after_break", None)]
    # Thursday: 23.0 / 35.0 = 0.657, still over 0.5 and under 0.8: no new flag, but still over.
    thursday = sessions[2]
    assert [
        (f.rule, f.severity, f.value, f.baseline, f.flagged, f.added) for f in thursday.findings
    ] == [("return_after_break", "caution", 23.0, 35.0, tue, 5.0)]
    assert thursday.sentence.startswith(
        "Thursday 5.0 km run: caution, 23.0 km of running since your return, 66 % of your "
        "week before the break (35.0 km): still over the return's caution line since "
        "Tuesday 2026-11-10's flag; this run adds 5.0 km of running"
    )
    # 18.0 km are already over 17.5 km: any running that day keeps it over (status: rest).
    assert thursday.suggestion is not None
    assert thursday.suggestion.run.distance_km == 0.0


def test_a_recorded_return_caution_stands_in_the_check_and_its_table() -> None:
    # The same return, run: 9.0 km on Sunday and Tuesday (flagged on Tuesday, 51 %), today
    # Tuesday; Thursday's 5.0 km are planned alone.
    start = date(2026, 9, 7)
    runs = [activity(start + timedelta(days=k), 10.0) for k in range(0, 41, 2)]
    runs += [activity(date(2026, 11, 8), 9.0), activity(date(2026, 11, 10), 9.0)]
    today = date(2026, 11, 10)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)
    h = History(daily, RuleConfig(), plans=[], responses=[], today=today)
    pf = check(h, [PlannedRun(date(2026, 11, 12), 5.0)])
    (only,) = pf.sessions
    assert [(f.rule, f.flagged) for f in only.findings] == [
        ("return_after_break", date(2026, 11, 10))
    ]
    (dist,) = [w for w in pf.windows if w.dimension == "distance"]
    # 23.0 / 35.0 = 0.657: the row says caution (the return), as the session; was "ok".
    assert (dist.level, dist.rule, dist.peak, dist.usual_week) == (
        1,
        "return_after_break",
        23.0,
        35.0,
    )
