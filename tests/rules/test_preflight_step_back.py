"""The pre-flight check follows a current spike's cap (trial F8a/F8c): while status offers
"next run up to 6.0 km until ...", a planned run above it is no "raises nothing"."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.planned import PlannedRun
from loadwatch.rules.preflight import History, check
from support.activity_builder import activity, frame

D0 = date(2026, 10, 20)  # a Tuesday
TODAY = date(2026, 12, 7)  # Monday: 16 km after 6 km every other day (Cara)


def _cara() -> History:
    runs = [activity(D0 + timedelta(days=k), 6.0) for k in range(0, 48, 2)]
    runs.append(activity(TODAY, 16.0))
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=TODAY)
    return History(daily, RuleConfig(), plans=[], responses=[], today=TODAY)


def test_a_run_above_a_current_spikes_cap_is_a_caution_with_the_cap_as_its_suggestion() -> None:
    wed, sat = TODAY + timedelta(days=2), TODAY + timedelta(days=5)
    pf = check(_cara(), [PlannedRun(wed, 12.0), PlannedRun(sat, 6.0)])
    assert [s.sentence for s in pf.sessions] == [
        # 12 km is 0.75x Monday's 16 km: no spike; but Monday's 16 km was judged against 6.0
        # km and is not yet a baseline, so status says "next run up to 6.0 km until Sunday
        # 2026-12-20" and the check says the same.
        "Wednesday 12.0 km run: caution, over the step-back cap of 6.0 km for a run until "
        "Sunday 2026-12-20: Monday's 16.0 km was a spike over 6.0 km, not yet a baseline; "
        "up to 6.0 km raises nothing.",
        "Saturday 6.0 km run: raises nothing.",
    ]
    finding = pf.sessions[0].findings[0]
    assert (finding.rule, finding.severity, finding.baseline) == ("spike_step_back", "caution", 6.0)
    assert pf.sessions[0].suggestion is not None
    assert pf.sessions[0].suggestion.run.distance_km == 6.0


def test_the_cap_lifts_with_the_spike() -> None:
    # Current for 14 days (the spike's day and 13 after it): Monday 2026-12-21 is free again.
    pf = check(_cara(), [PlannedRun(TODAY + timedelta(days=14), 12.0)])
    assert not [f for f in pf.sessions[0].findings if f.rule == "spike_step_back"]
