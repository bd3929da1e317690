"""Analytics: daily/weekly frames, loads (EWMA, ratios, monotony) and the fast threshold.

Histories are generated in code (``activity_builder``); expected numbers are worked out by
hand in the test, and the load series are also checked against the ``acwr`` package.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
import pytest

from loadwatch.analytics.daily import daily_frame, daily_panel, split_runs
from loadwatch.analytics.fast import DEFAULT_SPEED_MPS, fast_threshold, median_speed, pace
from loadwatch.analytics.load import load_frame, load_panel
from loadwatch.analytics.schema import DAILY_SCHEMA, LOAD_SCHEMA, WEEKLY_SCHEMA
from loadwatch.analytics.weekly import weekly_frame
from loadwatch.errors import InvalidRequest
from support.activity_builder import activity, days, frame, speed_hist, weeks

if TYPE_CHECKING:
    import pandas as pd

MON = date(2026, 1, 5)  # a Monday
PLUS10 = 10 * 3600


def _row(d: pl.DataFrame, day: date) -> dict[str, object]:
    rows = d.filter(pl.col("date") == day).to_dicts()
    assert len(rows) == 1
    return rows[0]


# --- daily frame ------------------------------------------------------------------------


def test_late_evening_run_in_utc_plus_10_lands_on_its_local_day() -> None:
    # 23:30 local on Sunday 11 Jan in UTC+10 is 13:30 UTC the same day; 00:30 local on Monday
    # 12 Jan is 14:30 UTC on Sunday: local Monday, so a new local week.
    sun, mon = date(2026, 1, 11), date(2026, 1, 12)
    rows = [
        activity(sun, 10.0, local_time=time(23, 30), offset_s=PLUS10),
        activity(mon, 5.0, local_time=time(0, 30), offset_s=PLUS10),
    ]
    acts = frame(rows)
    assert acts["start_time"][1] == datetime(2026, 1, 11, 14, 30, tzinfo=UTC)
    d = daily_frame(acts, tz="UTC", fast_speed_mps=None)
    assert d["date"].to_list() == [sun, mon]
    assert d["distance_km"].to_list() == [10.0, 5.0]
    assert d["week_start"].to_list() == [date(2026, 1, 5), date(2026, 1, 12)]
    w = weekly_frame(d)
    assert w["week_start"].to_list() == [date(2026, 1, 5), date(2026, 1, 12)]
    assert w["distance_km"].to_list() == [10.0, 5.0]


def test_activity_without_offset_uses_the_athlete_zone() -> None:
    # No device offset: 13:30 UTC on Sunday is 23:30 in Brisbane (UTC+10, no DST), 14:30 UTC
    # is 00:30 on Monday there - but still Sunday in UTC.
    rows = [
        activity(date(2026, 1, 11), 10.0, local_time=time(13, 30), offset_s=None),
        activity(date(2026, 1, 11), 5.0, local_time=time(14, 30), offset_s=None),
    ]
    bne = daily_frame(frame(rows), tz="Australia/Brisbane", fast_speed_mps=None)
    assert bne["date"].to_list() == [date(2026, 1, 11), date(2026, 1, 12)]
    assert bne["week_start"].to_list() == [date(2026, 1, 5), date(2026, 1, 12)]
    utc = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)
    assert utc["date"].to_list() == [date(2026, 1, 11)]
    assert utc["runs"].to_list() == [2]


def test_every_day_present_rest_days_zero_and_end() -> None:
    rows = [activity(MON, 10.0), activity(MON + timedelta(days=3), 6.0)]
    d = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)
    assert dict(d.schema) == DAILY_SCHEMA
    assert d["date"].to_list() == [MON + timedelta(days=i) for i in range(4)]
    assert d["distance_km"].to_list() == [10.0, 0.0, 0.0, 6.0]
    assert d["runs"].to_list() == [1, 0, 0, 1]
    assert d["pace_s_per_km"].to_list() == [330.0, None, None, 330.0]
    longer = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None, end=MON + timedelta(days=9))
    assert longer.height == 10 and longer["distance_km"].sum() == 16.0
    cut = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None, end=MON + timedelta(days=1))
    assert cut["distance_km"].to_list() == [10.0, 0.0]
    empty = daily_frame(frame([]), tz="UTC", fast_speed_mps=None)
    assert empty.is_empty() and dict(empty.schema) == DAILY_SCHEMA


def test_running_sums_maxima_and_weighted_pace_other_sports_apart() -> None:
    rows = [
        activity(MON, 10.0, climb_m=120.0, fast_km=2.0, pace_s_per_km=300.0),
        activity(MON, 5.0, climb_m=200.0, fast_km=3.0, pace_s_per_km=360.0, sport="trail_running"),
        activity(MON, 30.0, climb_m=900.0, fast_km=25.0, sport="cycling"),
        activity(MON, 4.0, climb_m=10.0, sport="walking"),
    ]
    d = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)
    r = _row(d, MON)
    assert r["runs"] == 2
    assert r["distance_km"] == 15.0
    assert r["moving_time_s"] == 10 * 300 + 5 * 360
    assert r["pace_s_per_km"] == pytest.approx((3000 + 1800) / 15)  # 320 s/km, not 330
    # builder: gap = km + 8 m per metre climbed
    assert r["gap_distance_km"] == pytest.approx(15.0 + 8 * 320 / 1000)
    assert r["gap_pace_s_per_km"] == pytest.approx(4800 / 17.56)
    assert r["elevation_gain_m"] == 320.0
    assert r["uphill_km"] == pytest.approx(3.2)
    assert r["fast_km"] == 5.0
    assert r["longest_run_km"] == 10.0
    assert r["max_climb_m"] == 200.0  # the shorter trail run climbed more
    assert r["max_fast_km"] == 3.0
    assert r["other_sessions"] == 2
    assert r["other_distance_km"] == 34.0
    assert r["other_time_s"] == 34 * 330


def _halves(gap_s: float, second: time | None = None) -> list[dict[str, object]]:
    """A 30 km run in two recordings of 15 km at 5:30/km (82.5 min each) on MON from 07:00,
    the second starting ``gap_s`` after the first's end (or at ``second``)."""
    first_end = datetime.combine(MON, time(7, 0)) + timedelta(seconds=15 * 330 + gap_s)
    return [
        activity(MON, 15.0, climb_m=100.0, fast_km=1.0, uphill_km=1.5, local_time=time(7, 0)),
        activity(
            MON,
            15.0,
            climb_m=150.0,
            fast_km=2.0,
            uphill_km=2.0,
            local_time=second or first_end.time(),
        ),
    ]


def test_one_run_in_two_recordings_minutes_apart_is_one_session() -> None:
    # 08:22:30 end, 08:23:30 restart: one minute apart, one 30 km session for the single-run
    # columns; the day's sums and run count are as before (the activities stay two).
    r = _row(daily_frame(frame(_halves(60.0)), tz="UTC", fast_speed_mps=None), MON)
    assert r["runs"] == 2 and r["distance_km"] == 30.0
    assert r["longest_run_km"] == 30.0
    assert r["max_climb_m"] == 250.0
    assert r["max_fast_km"] == 3.0
    assert r["max_uphill_km"] == 3.5
    # 30 min apart is still one session; 31 min is two runs (the longer half, as before).
    assert (
        _row(daily_frame(frame(_halves(1800.0)), tz="UTC", fast_speed_mps=None), MON)[
            "longest_run_km"
        ]
        == 30.0
    )
    apart = _row(daily_frame(frame(_halves(1860.0)), tz="UTC", fast_speed_mps=None), MON)
    assert (apart["longest_run_km"], apart["max_climb_m"], apart["max_fast_km"]) == (
        15.0,
        150.0,
        2.0,
    )
    # Overlapping recordings (two devices on one run, or a start before the other ended) are
    # never summed: the larger, as before.
    both = _row(
        daily_frame(frame(_halves(0.0, second=time(7, 30))), tz="UTC", fast_speed_mps=None), MON
    )
    assert both["longest_run_km"] == 15.0 and both["max_climb_m"] == 150.0


def test_sessions_are_per_athlete_in_a_panel() -> None:
    # The same two halves, one for each of two athletes: never joined across athletes.
    a, b = _halves(60.0)
    acts = pl.concat(
        [
            frame([a]).with_columns(pl.lit(1).alias("k")),
            frame([b]).with_columns(pl.lit(2).alias("k")),
        ]
    ).select("k", pl.exclude("k"))
    d = daily_panel(acts, key="k", tz="UTC", fast_speed_mps=None)
    assert d["longest_run_km"].to_list() == [15.0, 15.0]


def test_fast_distance_from_speed_histogram_at_the_threshold() -> None:
    # 2 km in [3.00, 3.05) m/s, 3 km in [3.50, 3.55), 1 km in [2.00, 2.05).  Threshold 3.03:
    # only bins wholly at or above it count (the bin holding it may be all under it): 3 km.
    hist = speed_hist({3.0: 2000.0, 3.5: 3000.0, 2.0: 1000.0})
    rows = [
        activity(MON, 6.0, hist=hist, fast_km=1.0),  # stored 1.0 ignored: hist wins
        activity(MON + timedelta(days=1), 8.0, fast_km=1.5),  # CSV row: stored value
    ]
    d = daily_frame(frame(rows), tz="UTC", fast_speed_mps=3.03)
    assert d["fast_km"].to_list() == pytest.approx([3.0, 1.5])
    assert d["max_fast_km"].to_list() == pytest.approx([3.0, 1.5])
    # On a bin's lower edge the whole bin counts: 3.00 -> 2 + 3 km.
    d = daily_frame(frame(rows), tz="UTC", fast_speed_mps=3.0)
    assert d["fast_km"].to_list() == pytest.approx([5.0, 1.5])
    at_edge = daily_frame(frame(rows), tz="UTC", fast_speed_mps=3.5)
    assert at_edge["fast_km"][0] == pytest.approx(3.0)
    stored = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)
    assert stored["fast_km"].to_list() == [1.0, 1.5]


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(InvalidRequest, match="time zone"):
        daily_frame(frame([activity(MON, 5.0)]), tz="Mars/Olympus", fast_speed_mps=None)
    with pytest.raises(InvalidRequest, match="positive"):
        daily_frame(frame([activity(MON, 5.0)]), tz="UTC", fast_speed_mps=0.0)
    with pytest.raises(ValueError, match="schema mismatch"):
        daily_frame(frame([activity(MON, 5.0)]).drop("sport"), tz="UTC", fast_speed_mps=None)


def test_weekly_frame_sums_maxima_and_partial_weeks() -> None:
    rows = days(
        MON + timedelta(days=2), [5, 0, 7, 12, 4, 0, 9], climb_m=[50, 0, 80, 300, 20, 0, 60]
    )
    w = weekly_frame(daily_frame(frame(rows), tz="UTC", fast_speed_mps=None))
    assert dict(w.schema) == WEEKLY_SCHEMA
    # Wed..Sun of the first week, Mon..Tue of the second.
    assert w["week_start"].to_list() == [MON, MON + timedelta(days=7)]
    assert w["days"].to_list() == [5, 2]
    assert w["runs"].to_list() == [4, 1]
    assert w["distance_km"].to_list() == [28.0, 9.0]
    assert w["elevation_gain_m"].to_list() == [450.0, 60.0]
    assert w["longest_run_km"].to_list() == [12.0, 9.0]
    assert w["max_climb_m"].to_list() == [300.0, 60.0]
    assert w["pace_s_per_km"].to_list() == [330.0, 330.0]


def test_panel_matches_single_athlete_frames() -> None:
    a = frame(weeks(MON, [30, 35, 40]))
    b = frame(days(MON + timedelta(days=4), [10, 0, 0, 12], climb_m=100.0))
    panel_in = pl.concat(
        [a.with_columns(pl.lit(1).alias("athlete")), b.with_columns(pl.lit(2).alias("athlete"))]
    ).select("athlete", *a.columns)
    panel = daily_panel(panel_in, key="athlete", tz="UTC", fast_speed_mps=None)
    for i, acts in ((1, a), (2, b)):
        one = daily_frame(acts, tz="UTC", fast_speed_mps=None)
        assert panel.filter(pl.col("athlete") == i).drop("athlete").equals(one)
        loads = load_panel(panel, key="athlete").filter(pl.col("athlete") == i).drop("athlete")
        assert loads.equals(load_frame(one))


# --- loads ------------------------------------------------------------------------------


def _daily_from_loads(kms: list[float]) -> pl.DataFrame:
    """One run a day with these km (0 = rest) from MON; a walk on MON pins the first day."""
    rows = [activity(MON, 1.0, sport="walking"), *days(MON, kms)]
    end = MON + timedelta(days=len(kms) - 1)
    return daily_frame(frame(rows), tz="UTC", fast_speed_mps=None, end=end)


def test_seeded_ewma_by_hand() -> None:
    kms = [10.0, 0, 0, 0, 0, 0, 0, 20.0]
    lf = load_frame(_daily_from_loads(kms))
    assert dict(lf.schema) == LOAD_SCHEMA
    acute = lf["distance_acute_ewma"].to_list()
    lam = 0.25  # 2 / (7 + 1)
    seed = 10.0 / 7  # mean of the first 7 days
    e0 = lam * 10 + (1 - lam) * seed
    assert acute[0] == pytest.approx(e0)  # 3.5714
    assert acute[1] == pytest.approx(0.75 * e0)
    assert acute[7] == pytest.approx(0.25 * 20 + 0.75 * (e0 * 0.75**6))  # 5.4767
    chronic = lf["distance_chronic_ewma"].to_list()
    lam_c = 2 / 29
    seed_c = 30.0 / 8  # fewer than 28 days: the mean of all of them
    assert chronic[0] == pytest.approx(lam_c * 10 + (1 - lam_c) * seed_c)  # 4.1810
    assert lf["distance_ewma_ratio"][0] == pytest.approx(e0 / chronic[0])
    assert lf["distance_ratio"].is_null().all()  # fewer than 35 days


def _series(values: np.ndarray) -> pd.Series:
    import pandas as pd

    return pd.Series(values, index=pd.date_range("2026-01-05", periods=len(values), freq="D"))


def test_loads_match_the_acwr_package() -> None:
    # Imported here: acwr brings pandas and scipy (2 CPU-s), paid only by the worker that runs
    # this test, not by every worker collecting the module.
    import acwr
    import pandas as pd

    rng = np.random.default_rng(7)
    kms = rng.choice([0.0, 0.0, 5.0, 8.0, 12.0, 20.0], size=120) * rng.uniform(0.8, 1.2, 120)
    kms[0] = 0.0  # starts on a rest day
    lf = load_frame(_daily_from_loads(list(kms)))
    x = _series(kms)
    # acwr's EWMA (adjust=False) starts from the first value; ours from a seed before day 0, so
    # the same recursion on [seed, x0, x1, ...] minus its first value must match.
    for n, col in ((7, "distance_acute_ewma"), (28, "distance_chronic_ewma")):
        seed = kms[:n].mean()
        seeded = pd.Series(
            np.r_[seed, kms], index=pd.date_range("2026-01-04", periods=len(kms) + 1, freq="D")
        )
        oracle = acwr.acute_load(seeded, acute=n, method="ewma", min_periods=1).to_numpy()[1:]
        np.testing.assert_allclose(lf[col].to_numpy(), oracle, rtol=1e-12)
    # Uncoupled: acwr's "rau" with chronic=35 averages the 28 days before the acute 7.
    rau = acwr.acwr(x, acute=7, chronic=35, method="rau").to_numpy()
    ours = lf["distance_ratio"].to_numpy().astype(float)
    np.testing.assert_allclose(ours, rau, rtol=1e-9, equal_nan=True)
    mono = acwr.monotony(x, window=7, ddof=1).to_numpy()
    mono = np.where(np.isfinite(mono), mono, np.nan)
    ours_mono = lf["distance_monotony"].to_numpy().astype(float)
    np.testing.assert_allclose(ours_mono, mono, rtol=1e-9, equal_nan=True)
    strain = acwr.strain(x, window=7, ddof=1).to_numpy()
    strain = np.where(np.isfinite(strain), strain, np.nan)
    ours_strain = lf["distance_strain"].to_numpy().astype(float)
    np.testing.assert_allclose(ours_strain, strain, rtol=1e-9, equal_nan=True)
    assert np.isfinite(rau).sum() == 120 - 34 and np.isfinite(mono).sum() > 100


def test_uncoupled_ratio_and_monotony_by_hand() -> None:
    # 28 days at 5 km/day then a week at 10: the 7 days (70) over the mean week (35) = 2.0.
    lf = load_frame(_daily_from_loads([5.0] * 28 + [10.0] * 7))
    assert lf["distance_ratio"][34] == pytest.approx(2.0)
    assert lf["distance_acute_7d"][34] == pytest.approx(70.0)
    assert lf["distance_chronic_week"][34] == pytest.approx(35.0)
    assert lf["distance_monotony"][34] is None  # seven identical days: sd 0
    # Foster's example week (acwr docs): 0 80 40 0 90 60 80 -> mean 50, sd (ddof 1) 37.86.
    week = [0.0, 80.0, 40.0, 0.0, 90.0, 60.0, 80.0]  # starts on a rest day: the walk pins it
    lf = load_frame(_daily_from_loads(week))
    sd = float(np.std(week, ddof=1))
    assert lf["distance_monotony"][6] == pytest.approx(50.0 / sd)  # 1.3207
    assert lf["distance_strain"][6] == pytest.approx(350.0 * 50.0 / sd)


# --- fast threshold ---------------------------------------------------------------------


def _runs_with_hist(
    n: int, today: date, hist: list[float], sport: str = "running"
) -> list[dict[str, object]]:
    km = sum(hist) / 1000
    return [activity(today - timedelta(days=2 * i), km, hist=hist, sport=sport) for i in range(n)]


def test_fast_threshold_derived_from_typical_running() -> None:
    today = date(2026, 3, 1)
    # Each run: 4 km in [2.95, 3.00) m/s and 1 km in [3.50, 3.55).  Five runs = 25 km, half =
    # 12.5 km falls in the first bin at 12.5 / 20 = 0.625 of it: median 2.98125 m/s (5:35/km);
    # fast = 1.15 x = 3.4284 m/s (4:52/km).
    hist = speed_hist({2.95: 4000.0, 3.5: 1000.0})
    acts = frame(_runs_with_hist(5, today, hist) + _runs_with_hist(3, today, hist, "cycling"))
    # The threshold in force on a day reads the 90 days *before* it: today's run counts from
    # tomorrow on.
    assert fast_threshold(acts, coach_speed_mps=None, today=today).source == "default"
    ft = fast_threshold(acts, coach_speed_mps=None, today=today + timedelta(days=1))
    assert ft.source == "derived"
    assert ft.speed_mps == pytest.approx(2.98125 * 1.15)
    assert ft.explanation == (
        "fast = quicker than 4:52/km: 15 % quicker than your typical 5:35/km on flat ground "
        "over the last 90 days"
    )


def test_fast_threshold_default_coach_and_window() -> None:
    today = date(2026, 3, 1)
    hist = speed_hist({2.95: 4000.0, 3.5: 1000.0})
    four = frame(_runs_with_hist(4, today, hist))
    ft = fast_threshold(four, coach_speed_mps=None, today=today + timedelta(days=1))
    assert (ft.source, ft.speed_mps) == ("default", DEFAULT_SPEED_MPS)
    assert "5:00/km" in ft.explanation and "now 4 runs, 20.0 km" in ft.explanation
    # One run is "1 run"; logged runs (no trace) are not counted, and the sentence says why.
    one = fast_threshold(
        frame([*_runs_with_hist(1, today, hist), activity(today, 10.0)]),
        coach_speed_mps=None,
        today=today + timedelta(days=1),
    )
    assert one.explanation == (
        "fast = quicker than 5:00/km: the default, until there are 5 runs and 20 km with a "
        "speed trace in the last 90 days (now 1 run, 5.0 km; a logged run's one average speed "
        "says nothing about how its pace varied, so only recorded files count)"
    )
    # Runs older than 90 days do not count.
    old = frame([activity(today - timedelta(days=100 + i), 5.0, hist=hist) for i in range(10)])
    assert fast_threshold(old, coach_speed_mps=None, today=today).source == "default"
    coach = fast_threshold(four, coach_speed_mps=4.0, today=today)
    assert coach.source == "coach" and coach.speed_mps == 4.0
    assert coach.explanation == "fast = quicker than 4:10/km: set by your coach"
    with pytest.raises(InvalidRequest):
        fast_threshold(four, coach_speed_mps=-1.0, today=today)


def test_median_speed_and_pace_by_hand() -> None:
    h = np.zeros(200)
    h[60] = 1000.0  # [3.00, 3.05)
    h[70] = 1000.0  # [3.50, 3.55)
    assert median_speed(h) == pytest.approx(3.05)  # half reached at the top of bin 60
    assert pace(1000 / 300) == "5:00/km"
    assert pace(2.98125) == "5:35/km"  # 335.4 s


# --- one set of numbers: the fast threshold in force per day --------------------------------


def test_threshold_in_force_per_day_and_fast_km_with_it() -> None:
    from loadwatch.analytics.fast import threshold_frame
    from loadwatch.ingest.summary.grade import gap_speed

    # Runs every other day from MON, each 4 km in [2.95, 3.00) and 1 km in [3.50, 3.55) m/s:
    # the 5th run is on MON + 8, so the threshold from MON + 9 on is derived (1.15 x the
    # 2.98125 m/s median = 3.4284 m/s); up to MON + 8 it is the 5:00/km default.
    hist = speed_hist({2.95: 4000.0, 3.5: 1000.0})
    rows = [activity(MON + timedelta(days=2 * i), 5.0, hist=hist) for i in range(8)]
    acts = frame(rows)
    last = MON + timedelta(days=14)
    th = threshold_frame(acts, tz="UTC", first=MON, last=last, coach_speed_mps=None)
    assert th["date"].to_list() == [MON + timedelta(days=i) for i in range(15)]
    assert th["source"].to_list() == ["default"] * 9 + ["derived"] * 6
    assert th["runs"].to_list()[8:11] == [4, 5, 5]  # the day's own run is not in its window
    derived = 2.98125 * 1.15
    assert th["fast_speed_mps"][9] == pytest.approx(derived)
    d = daily_frame(acts, tz="UTC", fast_speed_mps=th, end=last)
    # Default 3.333 m/s: the 1 km bin [3.50, 3.55) is all above -> 1.0 km.  Derived 3.4284:
    # still under 3.50 -> 1.0 km; the threshold column says which was used.
    assert d["fast_threshold_mps"].to_list()[8:10] == pytest.approx([DEFAULT_SPEED_MPS, derived])
    assert d.filter(pl.col("runs") > 0)["fast_km"].to_list() == pytest.approx([1.0] * 8)
    # The coach's 3.52 m/s from MON + 10 on: the bin [3.50, 3.55) holds it, so it is not
    # wholly above it -> 0 km on those days.
    coach = threshold_frame(
        acts, tz="UTC", first=MON, last=last, coach_speed_mps=3.52, coach_since=MON + timedelta(10)
    )
    assert coach["source"].to_list()[9:11] == ["derived", "coach"]
    dc = daily_frame(acts, tz="UTC", fast_speed_mps=coach, end=last)
    assert dc.filter(pl.col("runs") > 0)["fast_km"].to_list() == pytest.approx(
        [1.0] * 5 + [0.0] * 3
    )
    # Status reads the same row.
    ft = fast_threshold(acts, coach_speed_mps=None, today=MON + timedelta(days=9))
    assert ft.source == "derived" and ft.speed_mps == pytest.approx(derived)

    # Grade-adjusted speed (Minetti): C(0) = 3.6, C(+0.1) = 5.9682, C(-0.1) = 2.1517 J/kg/m.
    v = gap_speed(np.array([3.0, 3.0, 3.0]), np.array([0.0, 0.1, -0.1]))
    assert v == pytest.approx([3.0, 3.0 * 5.9682 / 3.6, 3.0 * 2.1517 / 3.6], rel=1e-4)


def test_fast_km_read_sustained_actual_speed() -> None:
    # Threshold 4.0 m/s.  A hilly easy run: 2 km at 3.0 m/s actual, 4.2 m/s grade-adjusted
    # (the old model's "fast" climbing): 0 fast km.  A run with 1 km of reps held at 4.2 m/s
    # and 1 km of 4.2 m/s blips that no stretch sustains (sustained at 3.0): 1 km.  A run
    # analysed before the sustained histogram was kept: its actual-speed histogram, 2 km.
    hilly = activity(
        MON,
        2.0,
        hist=speed_hist({3.0: 2000.0}),
        gap_hist=speed_hist({4.2: 2000.0}),
        sustained_hist=speed_hist({3.0: 2000.0}),
    )
    reps = activity(
        MON + timedelta(days=1),
        2.0,
        hist=speed_hist({4.2: 2000.0}),
        sustained_hist=speed_hist({4.2: 1000.0, 3.0: 1000.0}),
    )
    old = activity(MON + timedelta(days=2), 2.0, hist=speed_hist({4.2: 2000.0}))
    d = daily_frame(frame([hilly, reps, old]), tz="UTC", fast_speed_mps=4.0)
    assert d["fast_km"].to_list() == pytest.approx([0.0, 1.0, 2.0])
    assert d["fast_threshold_mps"].to_list() == [4.0, 4.0, 4.0]


def test_fast_threshold_reads_flat_ground() -> None:
    # Five runs of 5 km: 4 km on the flat in [2.95, 3.00) m/s and 1 km downhill at 4.0 m/s
    # (all steps: speed_hist_m).  On flat ground only, the median is the middle of the
    # 2.95 bin: 2.975 m/s, fast = 1.15 x = 3.42125 m/s; all steps would put half of 25 km
    # (12.5) in that bin at 12.5 / 20: 2.98125 m/s.
    today = date(2026, 3, 1)
    flat_only = speed_hist({2.95: 4000.0})
    every = speed_hist({2.95: 4000.0, 4.0: 1000.0})
    runs = [
        activity(today - timedelta(days=1 + i), 5.0, hist=every, flat_hist=flat_only)
        for i in range(5)
    ]
    ft = fast_threshold(frame(runs), coach_speed_mps=None, today=today)
    assert ft.source == "derived"
    assert ft.speed_mps == pytest.approx(2.975 * 1.15)
    # Analysed before the flat histogram was kept: every step counts.
    old = [activity(today - timedelta(days=1 + i), 5.0, hist=every) for i in range(5)]
    ft_old = fast_threshold(frame(old), coach_speed_mps=None, today=today)
    assert ft_old.speed_mps == pytest.approx(2.98125 * 1.15)


def test_today_explained_from_the_per_day_frame() -> None:
    """Evaluation explains the frame's own row for today instead of building a second frame:
    the same threshold and words as ``fast_threshold`` (equal bits: whole metres)."""
    from loadwatch.analytics.fast import explain, threshold_frame

    hist = speed_hist({2.95: 4000.0, 3.5: 1000.0})
    acts = frame([activity(MON + timedelta(days=2 * i), 5.0, hist=hist) for i in range(8)])
    last = MON + timedelta(days=14)
    th = threshold_frame(acts, tz="UTC", first=MON, last=last, coach_speed_mps=None)
    for k in (8, 9, 14):  # the default (4 runs), derived from the 5th run on
        day = MON + timedelta(days=k)
        assert explain(th.row(k, named=True)) == fast_threshold(
            acts, coach_speed_mps=None, today=day
        )
    assert "(now 4 runs, 20.0 km; " in explain(th.row(8, named=True)).explanation
    coach = threshold_frame(acts, tz="UTC", first=MON, last=last, coach_speed_mps=3.52)
    assert explain(coach.row(14, named=True)).explanation == (
        "fast = quicker than 4:44/km: set by your coach"
    )


def test_split_runs_name_each_dimensions_largest_session_of_several_recordings() -> None:
    # MON: the halves 60 s apart and a 5 km in the evening; MON+1: one run; MON+2: a 10 km
    # in three recordings 2 and 4 min apart, and a longer 12 km alone later (the longest).
    rows = [
        *_halves(60.0),
        activity(MON, 5.0, local_time=time(18, 0)),
        activity(MON + timedelta(days=1), 8.0),
        activity(MON + timedelta(days=2), 4.0, local_time=time(7, 0)),  # to 07:22
        activity(MON + timedelta(days=2), 3.0, local_time=time(7, 24)),  # to 07:40:30
        activity(MON + timedelta(days=2), 3.0, local_time=time(7, 44, 30)),
        activity(MON + timedelta(days=2), 12.0, local_time=time(17, 0)),
        activity(MON + timedelta(days=3), 4.0, local_time=time(7, 0)),
        activity(MON + timedelta(days=3), 3.0, local_time=time(7, 24)),
        activity(MON + timedelta(days=3), 3.0, local_time=time(7, 44, 30)),
    ]
    got = split_runs(frame(rows), tz="UTC")
    # Per dimension, the day's largest session in it: MON's halves in each (30 km, 1 + 2 fast
    # km, 100 + 150 m, 1.5 + 2.0 uphill km against the evening's 5 km of none); MON+2's
    # longest run is the 12 km alone; MON+3's 10 km in three recordings climbs nothing.
    assert got.rows() == [
        (MON, "distance", 2, 60.0, 30.0),
        (MON, "speed", 2, 60.0, 3.0),
        (MON, "hills", 2, 60.0, 250.0),
        (MON, "uphill", 2, 60.0, 3.5),
        (MON + timedelta(days=3), "distance", 3, 240.0, 10.0),
    ]
