"""Flag sentences built from hand-made rows: where a floor stood in, the percentage or multiple
is of the floor and the sentence says so."""

from __future__ import annotations

from datetime import date
from typing import Any

from loadwatch.rules.messages import recordings, render, with_recordings
from loadwatch.vocabulary import shown_ratio

TUESDAY = date(2024, 7, 9)


def _return(**kw: Any) -> dict[str, Any]:
    row = {
        "date": TUESDAY,
        "rule": "return_after_break",
        "dimension": "distance",
        "threshold": 0.75,
        "days_off": 1969,
        "days_back": 1,
        "kept": None,
        "fast_threshold_mps": 1000.0 / 300.0,
    }
    return row | kw


def test_a_return_judged_against_the_floor_says_the_share_is_of_the_floor() -> None:
    # 10.0 km back against a usual week of 0.8 km raised to the 10.0 km floor: 100 % of the
    # floor (10.0 / 10.0), not of the 0.8 km it once seemed to be of.
    row = _return(value=10.0, own_baseline=0.8, baseline=10.0, ratio=1.0)
    assert render(row) == (
        "Back after 1969 days without running: 10.0 km of running in your first day back, "
        "100 % of 10.0 km, the least it is judged against (your usual week before the break "
        "was 0.8 km). Build back up over a few weeks."
    )
    fast = _return(dimension="speed", value=3.45, own_baseline=0.4, baseline=3.0, ratio=1.15)
    assert "115 % of 3.0 km, the least it is judged against (your usual week before" in render(fast)


def test_a_return_over_its_own_usual_week_reads_as_before() -> None:
    row = _return(value=17.1, own_baseline=10.0, baseline=10.0, ratio=1.71, days_back=2)
    assert render(row) == (
        "Back after 1969 days without running: 17.1 km of running in your first 2 days back, "
        "171 % of your usual week before the break (10.0 km). Build back up over a few weeks."
    )


def test_a_ramp_over_the_floor_names_the_floor() -> None:
    row = {
        "date": date(2026, 10, 20),
        "rule": "weekly_ramp",
        "dimension": "distance",
        "value": 32.5,
        "own_baseline": 8.0,
        "baseline": 10.0,
        "ratio": 3.25,
        "threshold": 1.5,
        "window_days": 7,
    }
    # 32.5 / 10.0 = 3.25: a half, read up (trial 10 F9).
    assert render(row) == (
        "Distance in the 7 days to Tuesday: 32.5 km, 3.3× 10.0 km, the least it is judged "
        "against (your usual week was 8.0 km)."
    )
    climb = row | {"dimension": "hills", "value": 700.0, "own_baseline": 120.0}
    climb |= {"baseline": 300.0, "ratio": 2.33}
    assert render(climb) == (
        "Climbing in the 7 days to Tuesday: 700 m vs 300 m, the least it is judged against "
        "(your usual climbing per week was 120 m) (2.3×)."
    )


def test_a_run_in_several_recordings_says_so() -> None:
    assert recordings(2, 60.0) == "two recordings, 1 min apart"
    assert recordings(2, 20.0) == "two recordings, 1 min apart"  # never "0 min"
    assert recordings(3, 240.0) == "three recordings, at most 4 min apart"
    assert recordings(5, 1500.0) == "5 recordings, at most 25 min apart"
    said = "Saturday's 30.0 km run is 48 % longer than your longest run of the last 30 days"
    sat = date(2026, 11, 14)
    assert with_recordings(said, sat, "distance", 30.0, 2, 60.0) == (
        "Saturday's 30.0 km run (two recordings, 1 min apart) is 48 % longer than your "
        "longest run of the last 30 days"
    )
    # Fast km, climbing and uphill km cite "Saturday's run"; a plan breach cites the run by
    # its distance alone, a pain entry as "Saturday's 30.0 km hilly run"; once, never twice.
    fast = "Saturday's run had 7.1 km quicker than 4:56/km, 3.0× your most in one run"
    assert with_recordings(fast, sat, "speed", 7.1, 3, 240.0) == (
        "Saturday's run (three recordings, at most 4 min apart) had 7.1 km quicker than "
        "4:56/km, 3.0× your most in one run"
    )
    climbed = "Saturday's run climbed 180 m, 80 % more than 100 m"
    assert with_recordings(climbed, sat, "hills", 180.0, 2, 60.0) == (
        "Saturday's run (two recordings, 1 min apart) climbed 180 m, 80 % more than 100 m"
    )
    plan = "Saturday's 7.5 km is over the plan's 6.6 km longest run (plan week 2: ...)."
    assert with_recordings(plan, sat, "distance", 7.5, 2, 60.0) == (
        "Saturday's 7.5 km (two recordings, 1 min apart) is over the plan's 6.6 km longest "
        "run (plan week 2: ...)."
    )
    pain = "Pain 6/10 the day after Saturday's 30.0 km hilly run: step back"
    said_once = with_recordings(pain, sat, "distance", 30.0, 2, 60.0)
    assert said_once == (
        "Pain 6/10 the day after Saturday's 30.0 km hilly run (two recordings, 1 min apart): "
        "step back"
    )
    assert with_recordings(said_once, sat, "distance", 30.0, 2, 60.0) == said_once
    # Another run of the day (20.0 km), or another day, is not that run.
    assert with_recordings(pain, sat, "distance", 20.0, 2, 60.0) == pain
    assert with_recordings(climbed, date(2026, 11, 15), "hills", 180.0, 2, 60.0) == climbed


def test_a_pain_flag_shows_no_ratio() -> None:
    # F23: 7/10 over the flare's 6 is "1.17", which means nothing to a coach.
    assert shown_ratio("pain_response", 7 / 6) is None
    assert shown_ratio("session_spike", 1.4833) == "1.48"


def test_a_flag_sentence_rounds_halves_up() -> None:
    # Trial 10 F9: 20.25 km read "20.2 km" (round half to even); a coach expects 20.3.
    row = {
        "date": TUESDAY,
        "rule": "session_spike",
        "dimension": "distance",
        "value": 20.25,
        "baseline": 12.25,
        "own_baseline": 12.25,
        "ratio": 20.25 / 12.25,
        "threshold": 1.1,
        "window_days": 30,
    }
    assert render(row) == (
        "Tuesday's 20.3 km run is 65 % longer than your longest run of the last 30 days (12.3 km)."
    )
    assert shown_ratio("session_spike", 1.125) == "1.13"
