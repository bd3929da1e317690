"""The nightly roll's batch (services/forecast.py): the headroom of several days, the days
after the first rest days, judged in one panel (``headroom_arrays.verdicts_days``,
``headroom.headroom_days``), is each day's own headroom to the bit; on generated histories
(runs, rest days, breaks long enough for returns, a return ending within the batch) and
configs with short breaks, rules off and other windows."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules import headroom_arrays
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.headroom import CLEAR_HORIZON_DAYS, _rows, headroom, headroom_days
from support.activity_builder import activity, days, frame

_COLS = [c for pair in DIMENSIONS.values() for c in pair]
CONFIGS = [
    RuleConfig(),
    RuleConfig.from_overrides(
        {
            "return_after_break": {"break_days": 7, "caution": 0.3, "return_days": 10},
            "weekly_ramp": {"caution": 1.3, "quiet_days": 3},
            "session_spike": {"window_days": 10},
        }
    ),
    RuleConfig.from_overrides(
        {
            "return_after_break": {"enabled": False},
            "weekly_ramp": {"dimensions": ["distance", "hills"], "acute_days": 5},
            "session_spike": {"alert": None, "dimensions": ["speed", "uphill"]},
        }
    ),
]
# A day: rest, a run (km, and shares of it fast and climbing), or a stretch of rest.
_day = st.one_of(
    st.just((0.0, 0.0, 0.0)),
    st.tuples(
        st.sampled_from([0.0, 3.0, 5.0, 8.0, 10.2, 14.0, 21.1, 30.0]),
        st.floats(0, 1),
        st.floats(0, 1),
    ),
    st.tuples(st.integers(5, 25).map(float), st.just(-1.0), st.just(0.0)),
)


def _history(plan: list[tuple[float, float, float]], rest: int) -> pl.DataFrame:
    """The plan's days, then ``rest`` days of nothing."""
    runs: list[float] = []
    rows: list[tuple[float, ...]] = []
    for km, a, b in plan:
        if a < 0:
            runs += [0.0] * int(km)
            rows += [(0.0,) * 8] * int(km)
        elif km == 0 and a == 0 and b == 0:
            runs.append(0.0)
            rows.append((0.0,) * 8)
        else:
            fast, climb, up = round(km * a * 0.4, 3), round(km * b * 37, 1), round(km * b / 3, 3)
            runs.append(float(1 + (a > 0.8)))
            rows.append((km, km * 0.6 if a > 0.8 else km, fast, fast, climb, climb, up, up))
    runs += [0.0] * rest
    rows += [(0.0,) * 8] * rest
    data = np.array(rows, dtype=np.float64).reshape(-1, 8)
    start = date(2025, 1, 6)
    return pl.DataFrame(
        {
            "date": [start + timedelta(days=i) for i in range(len(runs))],
            "runs": runs,
            **{c: data[:, i].copy() for i, c in enumerate(_COLS)},
        }
    )


def _same(got: headroom_arrays.Verdicts, want: headroom_arrays.Verdicts) -> None:
    assert got.run_rooms == want.run_rooms
    assert got.week_rooms == want.week_rooms
    assert got.next_run == want.next_run
    assert got.alert_run == want.alert_run
    assert got.longest == want.longest

    def bits(v: headroom_arrays.Verdicts) -> list[object]:
        return [
            (d, [x if x is None or not math.isnan(x) else "nan" for x in r])
            for d, r in v.ramp_now.items()
        ]

    assert bits(got) == bits(want)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(  # the first run read by the last day cuts its pre-break window (judged alone)
    [(0.0, 0.0, 0.0)] * 4
    + [(5.0, -1.0, 0.0), (19.0, -1.0, 0.0), (3.0, 0.0, 0.0)]
    + [(0.0, 0.0, 0.0)] * 3
    + [(5.0, -1.0, 0.0), (5.0, -1.0, 0.0), (7.0, -1.0, 0.0), (0.0, 0.0, 1.0), (8.0, -1.0, 0.0)],
    1,
    12,
    False,
)
@given(
    st.lists(_day, min_size=1, max_size=120) | st.lists(_day, min_size=30, max_size=90),
    st.integers(0, len(CONFIGS) - 1),
    st.integers(2, 12),
    st.booleans(),
)
def test_verdicts_of_the_days_are_each_days(
    plan: list[tuple[float, float, float]], which: int, count: int, over: bool
) -> None:
    history = _history(plan, count - 1)
    config = CONFIGS[which]
    m = history.height - count + 1
    today: date = history["date"][m - 1]
    overs = [None if over else (lambda d, x: False)] * count
    got = headroom_arrays.verdicts_days(history, config, today, count, CLEAR_HORIZON_DAYS, overs)
    for i in range(count):
        want = headroom_arrays.verdicts(
            history.head(m + i), config, today + timedelta(days=i), CLEAR_HORIZON_DAYS, overs[i]
        )
        _same(got[i], want)


def test_headroom_of_the_days_is_each_days_over_a_return_and_a_clearing() -> None:
    """A return after a break whose window ends within the batch, and a week over the ramp
    that clears (the later candidates read): the messages, rooms and dates of each day."""
    mon = date(2026, 1, 5)
    rows = [activity(mon, 3.0, sport="walking")]
    rows += days(mon, [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 12.0], climb_m=50.0, repeat=6)
    back = mon + timedelta(days=42 + 12)  # a 12-day break, then a hard return
    rows += days(back, [14.0, 16.0, 0.0, 18.0], climb_m=200.0, fast_km=[3.0, 0, 0, 4.0])
    daily = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)
    count = 12
    last: date = daily["date"][-1]
    extra = [last + timedelta(days=i) for i in range(1, count)]
    full = pl.concat([daily, _rows(extra, 0)])
    got = headroom_days(full, RuleConfig(), today=last, count=count)
    want = [
        headroom(full.head(daily.height + i), RuleConfig(), today=last + timedelta(days=i))
        for i in range(count)
    ]
    assert got == want
    assert any(h.clears_on is not None for day in want for h in day)
    assert len({h.message for day in want for h in day}) > count  # the days differ
