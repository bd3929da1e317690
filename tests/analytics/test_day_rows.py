"""A few days' rows summed in Python equal ``daily_frame``'s, bit for bit."""

from __future__ import annotations

from datetime import date, time, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.day_rows import few_day_rows
from loadwatch.analytics.fast import threshold_frame
from support.activity_builder import activity, frame, speed_hist

MON = date(2025, 3, 3)
RUNNING = ["running", "trail_running"]

one_activity = st.tuples(
    st.integers(0, 12),  # day
    st.sampled_from([*RUNNING, "walking", "cycling"]),
    st.floats(0.3, 42.0),  # km: fractional metres, so that sums and divisions round
    st.floats(0.0, 900.0),  # climb
)


@settings(max_examples=80, deadline=None)
@given(acts=st.lists(one_activity, min_size=1, max_size=12), cut=st.integers(0, 12))
def test_few_day_rows_equal_daily_frame_rows(
    acts: list[tuple[int, str, float, float]], cut: int
) -> None:
    rows = []
    for i, (d, sport, km, climb) in enumerate(acts):
        # Two speeds: fast km from the histograms, judged by each day's own threshold.
        hist = speed_hist({2.8: km * 700.0, 3.9 + i % 3 * 0.3: km * 300.0})
        rows.append(
            activity(
                MON + timedelta(days=d),
                km,
                sport=sport,
                climb_m=climb,
                local_time=time(6 + i % 12, i),
                sustained_hist=hist,
                flat_hist=hist,
            )
        )
    whole = frame(rows)
    end = MON + timedelta(days=14)
    start = MON + timedelta(days=max(cut, min(a[0] for a in acts)))  # within the calendar
    per_day = threshold_frame(whole, tz="UTC", first=MON, last=end, coach_speed_mps=None)
    want = daily_frame(whole, tz="UTC", fast_speed_mps=per_day, end=end).filter(
        pl.col("date") >= start
    )
    later = whole.filter(pl.col("start_time").dt.date() >= start)
    got = few_day_rows(later, tz="UTC", fast_speed_mps=per_day, start=start, end=end)
    assert got is not None  # days of three runs too: sums in whole units, any order
    for c in want.columns:
        assert got[c].to_list() == want[c].to_list(), c


def test_a_run_in_two_recordings_is_one_session_in_both() -> None:
    # 12.3456 km from 07:00 at 5:30/km (67.9 min), the second part 60 s after its end, a third
    # run 31 min after that one's end: the first two are one session, as in daily_frame.
    first = activity(MON, 12.3456, climb_m=101.5, local_time=time(7, 0))
    end = 7 * 3600 + 12.3456 * 330 + 60
    second = activity(
        MON, 7.891, climb_m=55.25, local_time=time(int(end // 3600), int(end % 3600 // 60))
    )
    later = end + 7.891 * 330 + 31 * 60 + 60
    third = activity(
        MON, 19.5, climb_m=20.0, local_time=time(int(later // 3600), int(later % 3600 // 60))
    )
    whole = frame([third, first, second])
    want = daily_frame(whole, tz="UTC", fast_speed_mps=None, end=MON)
    got = few_day_rows(whole, tz="UTC", fast_speed_mps=None, start=MON, end=MON)
    assert got is not None
    assert want["longest_run_km"].to_list() == [pytest.approx(20.2366)]  # 12.3456 + 7.891
    assert want["max_climb_m"].to_list() == [156.75]  # not 19.5 km's 20 m, nor 101.5 m
    for c in want.columns:
        assert got[c].to_list() == want[c].to_list(), c


def test_a_month_of_runs_is_summed_in_python_too() -> None:
    # A change from a month back (a late upload, an edit): 60 activities, two a day with a
    # ride every fifth, some with histograms, each day judged by its own threshold.  Summing
    # them in Python costs ~25 us an activity against the query's ~8 ms: still the cheaper.
    rows = []
    for i in range(60):
        hist = speed_hist({2.8: 5000.0 + i, 4.1: 1000.0 + 7 * i}) if i % 3 else None
        rows.append(
            activity(
                MON + timedelta(days=i // 2),
                5.0 + i % 7 * 1.37,
                sport="cycling" if i % 5 == 4 else "running",
                climb_m=10.0 * (i % 4),
                local_time=time(6 if i % 2 else 17, i % 60),
                sustained_hist=hist,
            )
        )
    whole = frame(rows)
    end = MON + timedelta(days=30)
    per_day = threshold_frame(whole, tz="UTC", first=MON, last=end, coach_speed_mps=None)
    want = daily_frame(whole, tz="UTC", fast_speed_mps=per_day, end=end)
    got = few_day_rows(whole, tz="UTC", fast_speed_mps=per_day, start=MON, end=end)
    assert got is not None
    assert want["runs"].sum() == 48 and want["fast_km"].sum() > 0
    for c in want.columns:
        assert got[c].to_list() == want[c].to_list(), c
