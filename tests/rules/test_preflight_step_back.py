"""The pre-flight check follows a current spike's cap (trial F8a/F8c): while status offers
"next run up to 6.0 km until ...", a planned run above it is no "raises nothing"."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.flare_limit import flare_limit
from loadwatch.rules.planned import PlannedRun
from loadwatch.rules.preflight import History, check
from loadwatch.rules.response import Symptom, classify
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


def _comeback() -> History:
    """3.0 km three times a week for six weeks, 20 days off, then 12.0 km on Monday TODAY:
    a return alert (1.2x the 10 km floor week) and a spike alert (4x the 3.0 km floor run),
    which the return's flag carries (trial 10 F3)."""
    first = TODAY - timedelta(weeks=6, days=20)
    runs = [activity(first + timedelta(weeks=w, days=d), 3.0) for w in range(6) for d in (0, 2, 4)]
    runs.append(activity(TODAY, 12.0))
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=TODAY)
    return History(daily, RuleConfig(), plans=[], responses=[], today=TODAY)


def test_a_return_alert_that_carried_a_spike_caps_the_planned_run_as_the_spike_would() -> None:
    week = TODAY + timedelta(days=7)
    pf = check(_comeback(), [PlannedRun(week, 8.0)])
    (finding,) = [f for f in pf.sessions[0].findings if f.rule == "spike_step_back"]
    assert (finding.severity, finding.baseline) == ("caution", 3.0)
    assert "Monday's 12.0 km was a spike over 3.0 km, not yet a baseline" in finding.message
    assert pf.sessions[0].suggestion is not None
    assert pf.sessions[0].suggestion.run.distance_km == 3.0


# --- a pain flare's step back (rules.flare_limit) -------------------------------------------
SAT = date(2026, 12, 5)  # the flare: 6/10 after a 9.0 km run
WED = SAT - timedelta(days=3)  # settled: 2/10 after a 6.0 km run, the last load tolerated


def _flared() -> History:
    """8.0 km every other day for six weeks, 6.0 km on Wednesday (2/10 after), 9.0 km on
    Saturday (6/10 after): no spike (9.0 / 8.0 = 1.13), a flare stepping back to 6.0 km."""
    first = SAT - timedelta(days=44)
    runs = [activity(first + timedelta(days=k), 8.0) for k in range(0, 40, 2)]
    runs += [activity(WED, 6.0), activity(SAT, 9.0)]
    today = SAT + timedelta(days=1)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)
    symptoms = [Symptom(WED, pain_after=2), Symptom(SAT, pain_after=6)]
    return History(daily, RuleConfig(), [], classify(symptoms, daily), today)


def test_a_run_above_a_current_flares_step_back_is_a_caution_in_status_words() -> None:
    h = _flared()
    limit = flare_limit(h.responses, h.today)
    assert limit is not None and limit.run["distance"] == 6.0  # what status offers
    tue, thu = SAT + timedelta(days=3), SAT + timedelta(days=5)
    pf = check(h, [PlannedRun(tue, 8.0), PlannedRun(thu, 5.0)])
    assert [s.sentence for s in pf.sessions] == [
        # 8.0 km is no more than the runs of six weeks (no rule of the engine), but status
        # says "next run up to 6.0 km (the last load you tolerated ...)" until the flare's
        # 14 days are over (Friday 2026-12-18): the check says the same.
        "Tuesday 8.0 km run: caution, over the step back after the pain flare on Saturday "
        "2026-12-05: a run up to 6.0 km until Friday 2026-12-18 (the last load you tolerated "
        "(Wednesday 2026-12-02: 6.0 km flat)); up to 6.0 km raises nothing.",
        "Thursday 5.0 km run: raises nothing.",
    ]
    (finding,) = pf.sessions[0].findings
    assert (finding.rule, finding.dimension, finding.severity) == (
        "flare_step_back",
        "distance",
        "caution",
    )
    assert (finding.value, finding.baseline) == (8.0, 6.0)
    assert round(finding.ratio, 4) == round(8.0 / 6.0, 4)


def test_a_flares_step_back_holds_its_climb_and_lifts_after_14_days() -> None:
    h = _flared()
    thu = SAT + timedelta(days=5)
    # "6.0 km flat": up to 10 m per km of it, 60 m; 5.0 km with 80 m climbs more.
    (c,) = check(h, [PlannedRun(thu, 5.0, climb_m=80.0)]).sessions
    mine = [f for f in c.findings if f.rule == "flare_step_back"]
    assert [(f.dimension, f.value, f.baseline) for f in mine] == [("hills", 80.0, 60.0)]
    assert "a climb up to 60 m until Friday 2026-12-18" in mine[0].message
    # Saturday 2026-12-19 is the 15th day: the flare is no longer current, nor its step back.
    (free,) = check(h, [PlannedRun(SAT + timedelta(days=14), 8.0)]).sessions
    assert free.findings == [] and free.sentence == "Saturday 8.0 km run: raises nothing."


def test_pain_with_nothing_to_step_back_from_asks_rest_of_any_planned_run() -> None:
    # 8.0 km every other day up to Tuesday 2026-12-01, then 6/10 on Sunday 2026-12-06 with no
    # run that day or the day before and nothing tolerated on record: status says rest.
    sunday = date(2026, 12, 6)
    runs = [activity(sunday - timedelta(days=5 + k), 8.0) for k in range(0, 40, 2)]
    today = sunday + timedelta(days=1)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=today)
    h = History(daily, RuleConfig(), [], classify([Symptom(sunday, pain_after=6)], daily), today)
    (c,) = check(h, [PlannedRun(today + timedelta(days=1), 5.0)]).sessions
    assert c.sentence == (
        "Tuesday 5.0 km run: caution, rest after the pain flare on Sunday 2026-12-06: no "
        "running until the pain is back to 3/10 or less (no run before it to step back from, "
        "none tolerated on record); no version of it raises nothing: rest or cross-train that "
        "day."
    )
    assert [(f.rule, f.dimension) for f in c.findings] == [("flare_step_back", "distance")]


def test_a_flares_step_back_holds_its_7_days_over_the_planned_runs() -> None:
    """Status says "next run up to 6.0 km ...; up to 22.0 km more over the next 7 days" (the 7
    days to Wednesday's tolerated run: 8.0 + 8.0 + 6.0 km); four planned runs of 6.0 km each
    keep under the run's limit, and the fourth takes the 7 days to 24.0 km."""
    h = _flared()
    limit = flare_limit(h.responses, h.today)
    assert limit is not None and limit.week["distance"] == 22.0
    mon, wed, fri, sat = (SAT + timedelta(days=k) for k in (2, 4, 6, 7))
    pf = check(h, [PlannedRun(d, 6.0) for d in (mon, wed, fri, sat)])
    assert [s.sentence for s in pf.sessions] == [
        "Monday 6.0 km run: raises nothing.",
        "Wednesday 6.0 km run: raises nothing.",
        "Friday 6.0 km run: raises nothing.",
        "Saturday 6.0 km run: caution, over the step back after the pain flare on Saturday "
        "2026-12-05: up to 22.0 km over 7 days until Friday 2026-12-18 (the 7 days to the last "
        "load you tolerated (Wednesday 2026-12-02): 22.0 km); the runs planned Monday "
        "2026-12-07 to Saturday 2026-12-12 come to 24.0 km; up to 4.0 km raises nothing.",
    ]
    (finding,) = pf.sessions[3].findings
    assert (finding.rule, finding.dimension, finding.value, finding.baseline) == (
        "flare_step_back",
        "distance",
        24.0,
        22.0,
    )
    # The 7 days roll: without Monday's run, Wednesday to Saturday hold 18.0 km.
    assert all(
        not s.findings for s in check(h, [PlannedRun(d, 6.0) for d in (wed, fri, sat)]).sessions
    )


def test_a_flares_step_back_names_a_lower_spike_cap_as_the_limit_in_force() -> None:
    """Trial 12 F3: the check's "also:" named the flare's own figure (a quarter below the run)
    beside a spike's lower cap, while the flare's alert names the cap (rules.pain_response)."""
    h = _cara()  # Monday's 16 km: a spike over 6.0 km (6 km every other day before it)
    flared = History(
        h.daily, h.config, [], classify([Symptom(TODAY, pain_after=6)], h.daily), TODAY
    )
    limit = flare_limit(flared.responses, TODAY)
    # Nothing tolerated on record: 0.75 x 16.0 = 12.0 km; the spike's cap is 6.0 km, lower.
    assert limit is not None and limit.run["distance"] == 12.0
    (s,) = check(flared, [PlannedRun(TODAY + timedelta(days=3), 14.0)]).sessions
    (flare,) = [f for f in s.findings if f.rule == "flare_step_back"]
    assert flare.message == (
        "over the step back after the pain flare on Monday 2026-12-07: a run up to 6.0 km, "
        "the step-back cap after Monday's spike, until Sunday 2026-12-20 (a quarter below "
        "Monday's 16.0 km: 12.0 km)"
    )
