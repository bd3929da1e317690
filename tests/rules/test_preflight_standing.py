"""A planned run that lands in a weekly ramp already flagged (trial 10 F2): the engine raises
no new flag within the ramp's 14 quiet days, but the check says the 7 days are over the line,
never "raises nothing" beside a table that says caution (docs/planning.md)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.planned import PlannedRun
from loadwatch.rules.preflight import History, check
from support.activity_builder import activity, frame

D0 = date(2026, 10, 5)  # a Monday
WEEK5 = D0 + timedelta(days=35)  # Monday 2026-11-09


def _daily(today: date, climb_m: float = 0.0) -> pl.DataFrame:
    """8 km every day from D0; 4.0 km of it fast (and ``climb_m`` climbed) on Tuesdays and
    Thursdays (a usual 8.0 km of fast running a week: any 28 days hold each weekday four
    times), then on Monday to Friday of the sixth week (20.0 km in its 7 days to Friday)."""
    runs = []
    day = D0
    while day <= today:
        hard = day.weekday() in (1, 3) or (day >= WEEK5 and day.weekday() < 5)
        runs.append(
            activity(day, 8.0, fast_km=4.0 if hard else 0.0, climb_m=climb_m if hard else 0.0)
        )
        day += timedelta(days=1)
    return daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)


def _check(today: date, run: PlannedRun) -> tuple[str, list[tuple[str, str, str | None]]]:
    h = History(_daily(today), RuleConfig(), plans=[], responses=[], today=today)
    pf = check(h, [run])
    rows = [(w.dimension, f"{w.ratio:.2f}", w.rule) for w in pf.windows]
    return pf.sessions[0].sentence, rows


def test_a_run_adding_to_a_ramp_already_over_says_so() -> None:
    friday = WEEK5 + timedelta(days=4)
    saturday = friday + timedelta(days=1)
    # The 7 days to Wednesday: 4.0 (Thursday) + 3 x 4.0 = 16.0 km, 2.0x the usual 8.0 km, on
    # the line; to Thursday 16.0 again; to Friday 20.0 km, 2.5x: the ramp's flag, Friday's.
    # Saturday's 2.0 km fast: 22.0 km in the 7 days to Saturday (the 28 days before them,
    # 2026-10-11 to 11-07: 32.0 km, 8.0 a week), 2.75x; 20.0 km (2.5x) without it.  No flag:
    # Friday's stands for 14 days.  Without its fast km the run adds none: raises nothing.
    sentence, windows = _check(friday, PlannedRun(saturday, 8.0, 2.0, 0.0, "intervals"))
    assert sentence == (
        "Saturday 8.0 km interval session (2.0 km fast): caution, its 7 days reach 22.0 km of "
        "fast running, 2.8× your usual week (8.0 km): already over the 7-day limit since "
        "Friday 2026-11-13's flag, and this run adds 2.0 km of fast running to it; no fast "
        "running in it raises nothing."
    )
    assert ("speed", "2.75", "weekly_ramp") in windows


def test_a_run_taking_a_ramp_back_over_its_line_says_so() -> None:
    sunday = WEEK5 + timedelta(days=6)
    monday = sunday + timedelta(days=1)
    # The 7 days to Monday 11-16: Tuesday to Friday 16.0 km + 3.0 planned = 19.0 km; the 28
    # days before them (10-13 to 11-09): four Tuesdays, four Thursdays and Monday 11-09, 36.0
    # km, 9.0 a week: 2.11x, over the 2.0 line; without the run 16.0 / 9.0 = 1.78.  Friday's
    # flag stands: no new one.  Up to 18.0 - 16.0 = 2.0 km fast keeps it on the line (the
    # ramp speaks above it, not on it).
    sentence, windows = _check(sunday, PlannedRun(monday, 8.0, 3.0, 0.0, "intervals"))
    assert sentence == (
        "Monday 8.0 km interval session (3.0 km fast): caution, its 7 days reach 19.0 km of "
        "fast running, 2.1× your usual week (9.0 km): this run's 3.0 km of fast running take "
        "it back over the 7-day limit, flagged on Friday 2026-11-13 (no new flag while that "
        "one stands); up to 2.0 km fast in it raises nothing."
    )
    assert ("speed", "2.11", "weekly_ramp") in windows


def test_an_easy_run_under_a_standing_fast_ramp_adds_none_of_it() -> None:
    friday = WEEK5 + timedelta(days=4)
    # 20.0 km of fast running in the 7 days to Saturday without it: over, but the run adds no
    # fast running (status: "no fast running tomorrow"), and 64.0 km of running a week is the
    # usual 56.0 (1.14x).
    sentence, _ = _check(friday, PlannedRun(friday + timedelta(days=1), 8.0, 0.0, 0.0, "easy"))
    assert sentence == "Saturday 8.0 km easy run: raises nothing."


def test_each_window_says_its_days_and_how_much_of_them_is_planned() -> None:
    # Trial 10 F2b: a row of last week's running read as a verdict on the plan.  Friday's
    # check of Saturday's 2.0 km fast: the 7 days to Saturday are Sunday 11-08 to Saturday
    # 11-14, 6 x 8.0 = 48.0 km run and 8.0 planned; 20.0 km fast run (Monday to Friday) and
    # 2.0 planned; no climbing at all.
    friday = WEEK5 + timedelta(days=4)
    h = History(_daily(friday), RuleConfig(), plans=[], responses=[], today=friday)
    pf = check(h, [PlannedRun(friday + timedelta(days=1), 8.0, 2.0, 0.0, "intervals")])
    spans = {w.dimension: (w.span, w.planned) for w in pf.windows}
    assert spans["distance"] == ("8–14 Nov: 48.0 km run + 8.0 km planned", 8.0)
    assert spans["speed"] == ("8–14 Nov: 20.0 km run + 2.0 km planned", 2.0)
    assert spans["hills"] == ("8–14 Nov: 0 m run, none planned", 0.0)


def test_fast_running_and_climbing_both_standing_lower_both_not_the_run() -> None:
    # 150 m climbed on each hard day: a usual 300 m a week (the ramp's floor, 300 m), 750 m
    # in the 7 days to Friday (2.5x): climbing's ramp flag is Friday's too.  Saturday's 2.0 km
    # fast and 100 m: 22.0 km fast (2.75x) and 850 m (2.8x), both over without it.  The run
    # itself is 8.0 km as every day: kept, without its fast km and its climb, as status's
    # "no fast running tomorrow; no climbing tomorrow" keeps it (before: "no version of it
    # raises nothing: rest or cross-train that day").
    friday = WEEK5 + timedelta(days=4)
    h = History(_daily(friday, 150.0), RuleConfig(), plans=[], responses=[], today=friday)
    c = check(h, [PlannedRun(friday + timedelta(days=1), 8.0, 2.0, 100.0, "hills")]).sessions[0]
    ramp = {f.dimension: f"{f.ratio:.2f}" for f in c.findings if f.rule == "weekly_ramp"}
    # (and its uphill km, estimated from the climb: over as well)
    assert (ramp["hills"], ramp["speed"], "distance" in ramp) == ("2.83", "2.75", False)
    assert c.sentence.endswith("; no fast running and no climbing in it raises nothing.")
    assert c.suggestion is not None
    assert (c.suggestion.how, c.suggestion.run.distance_km) == ("fast_climb", 8.0)
