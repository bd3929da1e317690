"""The next run after a pain flare (``rules.flare_limit``, docs/rules.md "Headroom: a
promise"): the step back the flare's alert asks for, by hand."""

from __future__ import annotations

from datetime import date, timedelta

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.flare_limit import flare_limit, flare_note
from loadwatch.rules.pain_response import pain_records
from loadwatch.rules.response import Response, Symptom, classify, pain_trend
from support.activity_builder import days, frame

D0 = date(2026, 11, 30)  # a Monday


def _responses(kms: list[float], symptoms: list[Symptom]) -> list[Response]:
    end = D0 + timedelta(days=len(kms) + 20)
    runs = days(D0, kms)
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=end)
    return classify(symptoms, daily)


def test_no_tolerated_load_steps_back_a_quarter_below_the_flaring_run() -> None:
    # 10 km Monday and Wednesday, 27.5 km Sunday; 6/10 the next morning: a flare on Sunday.
    kms = [10.0, 0.0, 10.0, 0.0, 0.0, 0.0, 27.5]
    sunday = D0 + timedelta(days=6)
    rs = _responses(kms, [Symptom(sunday, pain_next_morning=6)])
    limit = flare_limit(rs, sunday + timedelta(days=1))
    assert limit is not None and not limit.tolerated
    # 0.75 x 27.5 = 20.625 -> 20.6 km (rounded down); 7 days: 0.75 x 47.5 = 35.625 -> 35.6.
    assert (limit.run["distance"], limit.week["distance"]) == (20.6, 35.6)
    # The run had no fast km and no climbing: none of either in the next run.
    assert (limit.run["speed"], limit.run["hills"]) == (0.0, 0.0)
    assert flare_note(limit, "distance", 20.6, 30.0) == (
        "Distance: step back after the pain flare on Sunday 2026-12-06: next run up to "
        "20.6 km (a quarter below Sunday's 27.5 km); up to 30.0 km more over the next 7 days."
    )
    assert flare_note(limit, "speed", 0.0, 0.0) == (
        "Fast km: step back after the pain flare on Sunday 2026-12-06: none in the next "
        "run (Sunday's run had none)."
    )


def test_a_tolerated_run_before_the_flare_is_the_step_back() -> None:
    # Settled after Wednesday's 6 km (2/10), a flare after Saturday's 9 km (6/10 after).
    kms = [0.0, 0.0, 6.0, 0.0, 0.0, 9.0]
    wed, sat = D0 + timedelta(days=2), D0 + timedelta(days=5)
    rs = _responses(kms, [Symptom(wed, pain_after=2), Symptom(sat, pain_after=6)])
    limit = flare_limit(rs, sat + timedelta(days=1))
    assert limit is not None and limit.tolerated
    # The flag says "step back to 6.0 km flat, the last load you tolerated": the same 6.0 km;
    # its 7 days held only that run.
    assert (limit.run["distance"], limit.week["distance"], limit.source_day) == (6.0, 6.0, wed)
    # "flat" as plans mean it: up to 10 m per km of those 6.0 km.
    assert limit.run["hills"] == 60.0
    assert flare_note(limit, "distance", 6.0, 6.0) == (
        "Distance: step back after the pain flare on Saturday 2026-12-05: next run up to "
        "6.0 km (the last load you tolerated (Wednesday 2026-12-02: 6.0 km flat)); up to "
        "6.0 km more over the next 7 days."
    )


def test_the_step_back_holds_while_the_flare_is_current_and_only_after_a_flare() -> None:
    kms = [10.0, 0.0, 12.0]
    wed = D0 + timedelta(days=2)
    settled = _responses(kms, [Symptom(wed, pain_after=2)])
    assert flare_limit(settled, wed + timedelta(days=1)) is None  # no flare: no step back
    rs = _responses(kms, [Symptom(wed, pain_after=7)])
    assert flare_limit(rs, wed - timedelta(days=1)) is None  # not yet
    # Current for 14 days (the flag on the dashboard): the flare's day to 13 days later.
    on_last = flare_limit(rs, wed + timedelta(days=13))
    assert on_last is not None and on_last.run["distance"] == 9.0  # 0.75 x 12
    assert flare_limit(rs, wed + timedelta(days=14)) is None


def test_pain_with_no_run_before_it_and_nothing_tolerated_means_rest_until_it_settles() -> None:
    # 10 km on Monday, then 6/10 on Sunday with no run that day or the day before (Rui's flag
    # 33: "step back by a quarter: no tolerated load on record yet", and no limit changed).
    kms = [10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    sunday = D0 + timedelta(days=6)
    rs = _responses(kms, [Symptom(sunday, pain_after=6)])
    assert rs[-1].state == "flare" and rs[-1].load is None
    limit = flare_limit(rs, sunday + timedelta(days=1))
    assert limit is not None and limit.rest
    assert set(limit.run.values()) == set(limit.week.values()) == {0.0}
    assert flare_note(limit, "distance", 0.0, 0.0) == (
        "Distance: rest after the pain flare on Sunday 2026-12-06: no running until the pain "
        "is back to 3/10 or less (no run before it to step back from, none tolerated on record)."
    )
    [flag] = pain_records(rs)
    assert flag.message == (
        "Pain 6/10 on Sunday, with no run that day or the day before: rest from running until "
        "it is back to 3/10 or less, and see a clinician if it does not settle (no run before "
        "it to step back from)."
    )
    # Back to 2/10 on Wednesday: the rest is over.
    calm = _responses(
        kms, [Symptom(sunday, pain_after=6), Symptom(sunday + timedelta(3), pain_after=2)]
    )
    assert flare_limit(calm, sunday + timedelta(days=3)) is None
    assert flare_limit(calm, sunday + timedelta(days=2)) is not None


def test_a_flare_settled_by_its_own_next_morning_asks_no_rest() -> None:
    # Trial 9, F23: 7/10 after on Sunday, no run that day or the day before, and the same
    # entry's next morning 3/10 (settled: 3 <= 3).  Still a flare (7/10 after), but the entry
    # already says what "rest until it is back to 3/10" waits for.
    kms = [10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    sunday = D0 + timedelta(days=6)
    rs = _responses(kms, [Symptom(sunday, pain_after=7, pain_next_morning=3)])
    assert rs[-1].state == "flare" and rs[-1].load is None
    assert flare_limit(rs, sunday + timedelta(days=1)) is None  # no "rest" line in status
    [flag] = pain_records(rs)
    assert flag.severity == "alert"
    assert flag.message == (
        "Pain 7/10 on Sunday, with no run that day or the day before: it had settled to 3/10 "
        "by the next morning, so start again easy and short, and see a clinician if it flares "
        "again."
    )
    # 4/10 the next morning is not settled: the rest stands, as before.
    sore = _responses(kms, [Symptom(sunday, pain_after=7, pain_next_morning=4)])
    assert flare_limit(sore, sunday + timedelta(days=1)) is not None
    assert "rest from running until it is back to 3/10" in pain_records(sore)[0].message


def test_the_pain_trend_reads_the_last_four_weeks() -> None:
    # 7/10 then 6/10 two years apart was "7 → 6/10 (falling)".
    kms = [10.0]
    old, new = D0, D0 + timedelta(days=730)
    rs = _responses(kms, [Symptom(old, pain_after=7), Symptom(new, pain_after=6)])
    assert pain_trend(rs, new) == ([6], "")
    assert pain_trend(rs) == ([7, 6], "falling")  # without a day: every entry, as before
    near = _responses(kms, [Symptom(new - timedelta(27), pain_after=7), Symptom(new, pain_after=6)])
    assert pain_trend(near, new) == ([7, 6], "falling")


def _spike(day: date, value: float, baseline: float) -> FlagRecord:
    return FlagRecord(
        date=day,
        dimension="distance",
        rule="session_spike",
        severity="caution",
        value=value,
        baseline=baseline,
        ratio=value / baseline,
        threshold=1.3,
        message="",
    )


def test_a_flare_names_a_current_spike_cap_where_it_is_lower() -> None:
    # Trial 11 F5: a tolerated 12 km (settled), then 27.5 km flagged as a spike over 9.0 km
    # (a made-up baseline, lower than both) and a flare: the alert names the lower limit.
    kms = [12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 27.5]
    sunday = D0 + timedelta(days=6)
    rs = _responses(kms, [Symptom(D0, pain_after=1), Symptom(sunday, pain_after=6)])
    (flare,) = [r for r in pain_records(rs, [_spike(sunday, 27.5, 9.0)]) if r.severity == "alert"]
    assert flare.message == (
        "Pain 6/10 after Sunday's 27.5 km run: step back to 12.0 km flat, the last load you "
        "tolerated, and no run over 9.0 km, the step-back cap after Sunday's spike."
    )
    # A spike cap above the step back (13.0 km) or no longer current changes nothing.
    for spikes in ([_spike(sunday, 27.5, 13.0)], [_spike(D0 - timedelta(days=20), 20.0, 9.0)]):
        (same,) = [r for r in pain_records(rs, spikes) if r.severity == "alert"]
        assert same.message == (
            "Pain 6/10 after Sunday's 27.5 km run: step back to 12.0 km flat, the last load "
            "you tolerated."
        )
