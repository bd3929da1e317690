"""The next run after a flagged spike (``rules.spike_limit``, docs/rules.md "Headroom: a
promise"): no more than what the spike was judged against while the flag is current."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules import array_frames, engine
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.spike_limit import over_cap_words, spike_caps, spike_note
from support.activity_builder import activity, frame

SUN = date(2026, 11, 15)


def _flag(
    day: date, dim: str, value: float, baseline: float, rule: str = "session_spike"
) -> FlagRecord:
    return FlagRecord(day, dim, rule, "caution", value, baseline, value / baseline, 1.1, "")


def test_a_current_spike_caps_at_its_baseline_as_the_flag_shows_it() -> None:
    flags = [
        _flag(date(2026, 11, 10), "speed", 8.99178, 5.99917),  # "… (6.0 km)"
        _flag(SUN, "distance", 30.8, 22.0),
        _flag(SUN, "uphill", 13.1, 4.5, rule="weekly_ramp"),  # not a spike: no cap
    ]
    caps = spike_caps(flags, SUN)
    assert sorted(caps) == ["distance", "speed"]
    # The flag printed 6.0 km for 5.99917: the limit says the same number.
    assert (caps["speed"].cap, caps["distance"].cap) == (6.0, 22.0)
    # Current through the 13 days after it (CURRENT_DAYS = 14, as a flare's step back).
    assert caps["distance"].until == date(2026, 11, 28)
    assert sorted(spike_caps(flags, date(2026, 11, 28))) == ["distance"]
    assert spike_caps(flags, date(2026, 11, 29)) == {}


def test_two_spikes_in_a_fortnight_cap_at_the_first_ones_baseline() -> None:
    # 30.8 km over 22.0, then 36 km over the 30.8 that became the longest: back to 22.0.
    flags = [_flag(SUN, "distance", 30.8, 22.0), _flag(date(2026, 11, 20), "distance", 36.0, 30.8)]
    assert spike_caps(flags, date(2026, 11, 21))["distance"].cap == 22.0


def test_a_returns_flag_that_carried_a_spike_caps_as_the_spike_would() -> None:
    # Trial 10 F3: the return's alert owns the comeback (12 km over a 10 km week), no spike
    # flag; the spike it carried (12 km over the 3 km floor run) caps the next run all the same.
    ret = _flag(SUN, "distance", 12.0, 10.0, rule="return_after_break")
    carried = replace(ret, spike_value=12.0, spike_baseline=3.0)
    assert spike_caps([ret], SUN) == {}  # a return's flag alone: no spike, no cap
    c = spike_caps([carried], date(2026, 11, 22))["distance"]
    assert (c.day, c.value, c.cap, c.until) == (SUN, 12.0, 3.0, date(2026, 11, 28))
    assert spike_caps([carried, _flag(SUN, "distance", 12.0, 5.0)], SUN)["distance"].cap == 3.0


@pytest.mark.parametrize("judge", [engine.flag_frame, array_frames.flag_frame])
def test_both_engines_carry_the_swallowed_spike_on_the_returns_flag(judge: object) -> None:
    # 3.0 km three times a week for six weeks, 20 days off, then 12.0 km: a return alert
    # (12 / 10 km floor week = 1.2 > 0.8) and a spike alert (12 / 3 km floor run = 4 > 2) that
    # the return carries.  A second comeback run two days on (8.0 km) is no spike over 12.0.
    first = SUN - timedelta(weeks=6, days=20)
    runs = [activity(first + timedelta(weeks=w, days=d), 3.0) for w in range(6) for d in (0, 2, 4)]
    runs += [activity(SUN, 12.0), activity(SUN + timedelta(days=2), 8.0)]
    daily = daily_frame(frame(runs), tz="UTC", fast_speed_mps=None, end=SUN + timedelta(days=2))
    flags = judge(daily, RuleConfig(), since=SUN)  # type: ignore[operator]
    rows = [
        (r["date"], r["rule"], r["dimension"], r["level"], r["spike_value"], r["spike_baseline"])
        for r in flags.iter_rows(named=True)
        if r["dimension"] == "distance"
    ]
    assert rows == [(SUN, "return_after_break", "distance", 2, 12.0, 3.0)]


def test_the_sentence_names_the_cap_and_when_it_lifts() -> None:
    cap = spike_caps([_flag(SUN, "distance", 30.8, 22.0)], SUN)["distance"]
    head = "Distance: 90.5 km in the last 7 days (usual week 60.2 km)"
    assert spike_note(cap, head, 22.0, 43.4, rest=False) == (
        "Distance: 90.5 km in the last 7 days (usual week 60.2 km); next run up to 22.0 km "
        "until Saturday 2026-11-28: Sunday's 30.8 km was a spike over 22.0 km, not yet a "
        "baseline; up to 43.4 km more over the next 7 days."
    )


def test_rest_tomorrow_names_the_cap_not_a_usual_run_the_spike_made_up() -> None:
    # Rui: 25.1 km on Saturday 2015-08-29 over 9.0 km; the rules: rest tomorrow, and "a usual
    # 24.5 km run" (the mean of two running days, one the spike's) fits again on Saturday.
    sat = date(2015, 8, 29)
    cap = spike_caps([_flag(sat, "distance", 25.07, 9.00822)], date(2015, 8, 30))["distance"]
    head = (
        "Distance: 40.1 km in the last 7 days (usual week 7.0 km), over the 7-day limit of 20.0 km"
    )
    text = spike_note(cap, head, 0.0, 0.0, rest=True, fits_on=date(2015, 9, 5))
    assert text == (
        f"{head}; rest tomorrow; a run up to 9.0 km fits again by Saturday, no more until "
        "Friday 2015-09-11: Saturday's 25.1 km was a spike over 9.0 km, not yet a baseline."
    )
    assert "usual" not in text.removeprefix(head)
    # Nothing fits within the rules' 14 days: the cap alone.
    assert spike_note(cap, head, 2.0, 0.0, rest=True) == (
        f"{head}; rest or up to 2.0 km easy tomorrow; then no run over 9.0 km until Friday "
        "2015-09-11: Saturday's 25.1 km was a spike over 9.0 km, not yet a baseline."
    )


def test_a_cap_on_a_half_is_the_number_its_sentence_prints() -> None:
    # 20.25 km reads "20.3 km" (halves up, trial 10 F9): the cap compared is 20.3, not 20.2.
    caps = spike_caps([_flag(SUN, "distance", 30.8, 20.25)], SUN)
    assert caps["distance"].cap == 20.3
    assert "was a spike over 20.3 km" in over_cap_words(caps["distance"])


def test_the_step_back_cites_a_run_of_two_recordings_as_its_flag_does() -> None:
    # The spike's flag says its run was two recordings; the step back names the same run.
    said = "Sunday's 30.8 km run (two recordings, 1 min apart) is 40 % longer than ..."
    flag = FlagRecord(SUN, "distance", "session_spike", "caution", 30.8, 22.0, 1.4, 1.1, said)
    cap = spike_caps([flag], SUN)["distance"]
    assert over_cap_words(cap).endswith(
        ": Sunday's 30.8 km (two recordings, 1 min apart) was a spike over 22.0 km, "
        "not yet a baseline"
    )
    # One recording: as before.
    assert "recordings" not in over_cap_words(
        spike_caps([_flag(SUN, "distance", 30.8, 22.0)], SUN)["distance"]
    )
