"""Headroom: hand-computed room before any caution, and the promise as a property."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.schema import DIMENSIONS
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import evaluate, judgements
from loadwatch.rules.headroom import Headroom, headroom
from loadwatch.rules.judging import AMOUNT_RULES
from support.activity_builder import activity, days, frame, weeks

MON = date(2026, 1, 5)
WEEK = [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 12.0]  # 40 km, longest 12
CLIMB = 50.0  # per run: 250 m a week
FAST = [0.0, 2.0, 0.0, 1.0, 0.0, 0.0, 0.0]  # 3 fast km a week


def _history() -> pl.DataFrame:
    rows = [activity(MON, 3.0, sport="walking")]  # pins the first day on MON
    rows += days(MON, WEEK, climb_m=CLIMB, fast_km=FAST, repeat=5)
    rows += days(MON + timedelta(days=35), WEEK[:3], climb_m=CLIMB, fast_km=FAST[:3])
    return daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)


def _by_dim(h: list[Headroom]) -> dict[str, Headroom]:
    return {x.dimension: x for x in h}


# The hand-computed cases keep the lines they were worked out on (the ramp's caution at 1.3,
# every spike dimension at 1.1, a 1 km fast floor): headroom's arithmetic does not depend on
# where the graded defaults put them (docs/rules.md), and the property test below runs on the
# defaults.
HAND = RuleConfig.from_overrides(
    {
        "weekly_ramp": {"caution": 1.3},
        "session_spike": {
            "dimension_caution": {"speed": 1.1, "hills": 1.1, "uphill": 1.1},
            "floors": {"speed": 1.0},
        },
    }
)


def test_headroom_by_hand() -> None:
    # Today: Wednesday of week 6.  A run tomorrow (Thursday) lands in the 7 days Fri..Thu,
    # which hold Sat 6 + Sun 12 + Tue 8 + Wed 6 = 32 km against a usual 40 km (limit 52): room
    # 20 km; the spike allows 1.1 x 12 = 13.2 km.  The smaller holds: 13.2 km.
    today = MON + timedelta(days=37)
    h = _by_dim(headroom(_history(), HAND, today=today))
    d = h["distance"]
    assert (d.unit, d.week_value, d.week_baseline) == ("km", 40.0, 40.0)
    assert d.week_limit == pytest.approx(52.0)
    assert d.next_run_limit == pytest.approx(13.2) and d.binding_rule == "session_spike"
    assert d.longest_recent == 12.0
    # Over the next 7 days in any order: the window ending tomorrow has 32 km already, so at
    # most 20 km more fits in it (later windows hold less of the past).
    assert d.week_room == pytest.approx(20.0)
    assert d.message == (
        "Distance: 40.0 km in the last 7 days (usual week 40.0 km); next run up to 13.2 km; "
        "up to 20.0 km more over the next 7 days."
    )
    # Fast: the 7 days to Thursday hold Tuesday's 2 km against the 3 km floor (limit 3.9):
    # 1.9 km, under the spike's 1.1 x 2 = 2.2 km.  The ramp binds.
    fast = h["speed"]
    assert fast.next_run_limit == pytest.approx(1.9) and fast.binding_rule == "weekly_ramp"
    # Climbing: 200 m in the window to Thursday vs the 300 m floor (limit 390): 190 m; spike:
    # the biggest climb 50 m floored to 100 m: 110 m.
    hills = h["hills"]
    assert (hills.week_baseline, hills.next_run_limit) == (300.0, pytest.approx(110.0))
    assert hills.week_room == pytest.approx(190.0)


def test_the_alert_line_is_reported_apart_from_the_caution_line() -> None:
    # On the graded defaults, the same Wednesday: a run tomorrow is a caution above 1.1 x the
    # 12 km longest run (13.2 km) and an alert only above twice it (24 km), Frandsen's > 100 %
    # band; fast km and climbing judge against their floors (2 km, 100 m, 1 km uphill) with
    # their caution at 1.3 and the same alert line.  The contested ramp has no alert line.
    h = _by_dim(headroom(_history(), RuleConfig(), today=MON + timedelta(days=37)))
    got = {d: (x.next_run_limit, x.next_run_alert) for d, x in h.items()}
    assert got == {
        "distance": (pytest.approx(13.2), pytest.approx(24.0)),
        "speed": (pytest.approx(2.6), pytest.approx(4.0)),
        "hills": (pytest.approx(130.0), pytest.approx(200.0)),
        "uphill": (pytest.approx(1.3), pytest.approx(2.0)),
    }
    # A run just under the alert line raises a caution, not an alert.
    d = _history()
    tomorrow = MON + timedelta(days=38)
    flags = evaluate(
        _with_run(d, MON + timedelta(days=37), "distance", 23.9), RuleConfig(), since=tomorrow
    )
    assert {(f.rule, f.severity) for f in flags if f.dimension == "distance"} == {
        ("session_spike", "caution")
    }
    flags = evaluate(
        _with_run(d, MON + timedelta(days=37), "distance", 24.1), RuleConfig(), since=tomorrow
    )
    assert ("session_spike", "alert") in {(f.rule, f.severity) for f in flags}


def test_over_the_limit_says_what_is_safe_and_when_it_clears() -> None:
    # 60 km in the first three days of week 6 on top of the usual weeks: the window to
    # Thursday holds 6 + 12 + 60 = 78 km against a limit of 52: rest tomorrow.
    big = daily_frame(
        frame(
            [
                activity(MON, 3.0, sport="walking"),
                *days(MON, WEEK, repeat=5),
                *days(MON + timedelta(days=35), [20.0, 20.0, 20.0]),
            ]
        ),
        tz="UTC",
        fast_speed_mps=None,
    )
    dist = _by_dim(headroom(big, HAND, today=MON + timedelta(days=37)))["distance"]
    assert dist.week_value == pytest.approx(8 + 6 + 12 + 60)
    assert dist.next_run_limit == 0.0 and dist.week_room == 0.0
    # Resting, the three 20 km days leave the window on Monday..Wednesday of week 7: on Monday
    # it holds 40 km and, against a usual week of (40 x 3 + 12 + 60 + ...)/4, a usual run
    # (the mean running day of the last 28 days) fits again.
    assert dist.clears_on is not None and dist.clears_on.weekday() == 0
    assert dist.message.startswith("Distance: 86.0 km in the last 7 days")
    assert "rest tomorrow; a usual" in dist.message and "fits again on Monday" in dist.message


def test_headroom_without_history() -> None:
    d = daily_frame(frame(days(MON, WEEK, repeat=2)), tz="UTC", fast_speed_mps=None)
    h = _by_dim(headroom(d, RuleConfig(), today=MON + timedelta(days=13)))
    assert h["distance"].week_value == 40.0
    assert h["distance"].week_room is None and h["distance"].next_run_limit is None
    assert "not enough history" in h["distance"].message
    empty = daily_frame(frame([]), tz="UTC", fast_speed_mps=None)
    assert all(
        x.week_value == 0.0 and x.week_room is None
        for x in headroom(empty, RuleConfig(), today=MON)
    )


def test_headroom_follows_the_athlete_config() -> None:
    cfg = RuleConfig.from_overrides(
        {"weekly_ramp": {"caution": 1.1}, "session_spike": {"caution": 1.05, "alert": 1.2}}
    )
    d = _by_dim(headroom(_history(), cfg, today=MON + timedelta(days=37)))["distance"]
    # Ramp: 1.1 x 40 - 32 = 12.0; spike: 1.05 x 12 = 12.6: the ramp binds.
    assert d.week_limit == pytest.approx(44.0)
    assert d.next_run_limit == pytest.approx(12.0) and d.binding_rule == "weekly_ramp"


def test_headroom_during_a_return_follows_return_after_break() -> None:
    # Three weeks off after 44 km weeks, back on Tuesday with 8.8 km: tomorrow's run is still
    # in the return window, where return_after_break owns the verdict: 0.5 x 44 - 8.8 =
    # 13.2 km, below the spike's 1.1 x 13.2 x kept(22).  The ramp, whose usual week holds
    # the zero weeks, does not judge.
    rows = [*weeks(MON, [44.0] * 8), activity(MON + timedelta(weeks=11, days=1), 8.8)]
    d = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)
    h = _by_dim(headroom(d, RuleConfig(), today=MON + timedelta(weeks=11, days=1)))["distance"]
    assert h.binding_rule == "return_after_break"
    assert h.next_run_limit == pytest.approx(13.2)


# --- the promise -----------------------------------------------------------------------------
def _with_run(daily: pl.DataFrame, today: date, dim: str, size: float) -> pl.DataFrame:
    """The daily frame up to ``today`` (rest days appended) plus one run tomorrow."""
    last = daily["date"].max()
    assert isinstance(last, date)
    rest = [last + timedelta(days=i) for i in range(1, (today - last).days + 1)]
    tomorrow = today + timedelta(days=1)
    col, single = DIMENSIONS[dim]
    extra = pl.DataFrame({"date": [*rest, tomorrow]}, schema={"date": pl.Date()}).with_columns(
        (pl.col("date") == tomorrow).cast(pl.Int32).alias("runs"),
        pl.when(pl.col("date") == tomorrow).then(size).otherwise(0.0).alias(col),
    )
    out = pl.concat([daily.filter(pl.col("date") <= today), extra], how="diagonal").with_columns(
        pl.col("date").dt.truncate("1w").alias("week_start")
    )
    zero = {
        c: 0
        for c in daily.columns
        if c not in ("date", "week_start", "runs", col)
        and "pace" not in c
        and c != "fast_threshold_mps"
    }
    out = out.with_columns(pl.col(list(zero)).fill_null(0)).with_columns(
        pl.when(pl.col("date") == tomorrow)
        .then(pl.lit(size))
        .otherwise(pl.col(single))
        .alias(single)
    )
    return out.select(daily.columns).cast(dict(daily.schema))  # type: ignore[arg-type]


histories = st.lists(
    st.sampled_from([0.0, 0.0, 3.0, 5.0, 8.0, 10.0, 14.0, 20.0, 30.0]), min_size=36, max_size=90
).flatmap(
    lambda kms: st.tuples(
        st.just(kms),
        st.lists(st.floats(0, 1), min_size=len(kms), max_size=len(kms)),
        st.integers(0, 20),  # a break of up to 20 days before the last week
    )
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories, st.sampled_from(list(DIMENSIONS)))
def test_a_run_of_headroom_holds_and_more_does_not(
    h: tuple[list[float], list[float], int], dim: str
) -> None:
    """0.95 x headroom_run tomorrow raises no flag of that dimension that day; 1.2 x raises a
    caution (a level above 0 from an amount rule) whenever headroom_run > 0: the limit is the
    edge of what the rules accept.  headroom_run = 0 means rest: the window already holds too
    much, and even the shortest run adds to it.  (At 1.2 x the engine may not *emit* a new
    flag when the same rule flagged that severity inside its quiet days: the episode is
    already open.)"""
    kms, shares, gap = h
    kms = kms[:-7] + [0.0] * gap + kms[-7:]
    shares = shares[:-7] + [0.0] * gap + shares[-7:]
    rows = [
        activity(
            MON + timedelta(days=i),
            km,
            climb_m=km * 30 * s,
            fast_km=km * s * 0.4,
            uphill_km=km * s * 0.3,
        )
        for i, (km, s) in enumerate(zip(kms, shares, strict=True))
        if km > 0
    ]
    rows.append(activity(MON, 1.0, sport="walking"))
    daily = daily_frame(frame(rows), tz="UTC", fast_speed_mps=None)
    today = MON + timedelta(days=len(kms) - 1)
    tomorrow = today + timedelta(days=1)
    room = {x.dimension: x for x in headroom(daily, RuleConfig(), today=today)}[dim]
    limit = room.next_run_limit
    if limit is None or limit == 0:
        return  # no rule judges tomorrow yet / already over: the promise is rest
    ok = evaluate(_with_run(daily, today, dim, 0.95 * limit), RuleConfig(), since=tomorrow)
    assert [f for f in ok if f.dimension == dim] == []
    if limit > 0:
        over = judgements(_with_run(daily, today, dim, 1.2 * limit), RuleConfig(), since=tomorrow)
        lv = over.filter(
            (pl.col("dimension") == dim)
            & pl.col("rule").is_in(AMOUNT_RULES)
            & (pl.col("date") == tomorrow)
        )["level"]
        assert lv.max() > 0  # type: ignore[operator]
