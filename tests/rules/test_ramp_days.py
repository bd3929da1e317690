"""The weekly ramp's usual week on every day (``rules.ramp_days``): by hand where it is the
plain mean week and where a floor stands in, equal to the rule's own numbers (the engine's
judgements) through a break, and today's equal to what status shows (``rules.headroom``)."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from loadwatch.analytics.daily import daily_frame
from loadwatch.analytics.load import load_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import judgements
from loadwatch.rules.headroom import headroom
from loadwatch.rules.ramp_days import ramp_days, with_ramp_days
from support.activity_builder import activity, days, frame, weeks

MON = date(2026, 1, 5)
DEFAULTS = RuleConfig()


def _daily(rows: list[dict[str, object]]) -> pl.DataFrame:
    return daily_frame(frame([activity(MON, 3.0, sport="walking"), *rows]), tz="UTC",
                       fast_speed_mps=None)  # fmt: skip


def test_by_hand_the_usual_week_and_the_floor() -> None:
    # Six weeks of 0, 8, 6, 8, 0, 6, 12 km (40 km), 50 m of climbing a run (250 m a week), no
    # fast km.  On the last Sunday the 28 days before its 7 hold four such weeks.
    week = [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 12.0]
    daily = _daily(days(MON, week, climb_m=50.0, repeat=6))
    sunday = MON + timedelta(days=41)
    row = ramp_days(daily, DEFAULTS).filter(pl.col("date") == sunday).row(0, named=True)
    assert (row["distance_usual_week"], row["distance_judged_week"]) == (40.0, 40.0)
    # 250 m a week, judged against the 300 m floor; no fast km, judged against 3 km.
    assert (row["hills_usual_week"], row["hills_judged_week"]) == (250.0, 300.0)
    assert (row["speed_usual_week"], row["speed_judged_week"]) == (0.0, 3.0)
    # Not before the rule has 7 + 28 days: the Saturday of week 5 is day 33.
    early = ramp_days(daily, DEFAULTS).filter(pl.col("date") == MON + timedelta(days=33))
    assert early["distance_usual_week"][0] is None and early["distance_judged_week"][0] is None


def test_equal_to_the_rule_through_a_break_where_the_plain_mean_week_is_not() -> None:
    # Six weeks at 40 km, three off (a break), then four weeks back at 20 km.
    rows = weeks(MON, [40.0] * 6 + [0.0] * 3 + [20.0] * 4)
    daily = _daily(rows)
    got = ramp_days(daily, DEFAULTS)
    want = judgements(daily, DEFAULTS).filter(
        (pl.col("rule") == "weekly_ramp") & (pl.col("dimension") == "distance")
    )
    joined = got.join(want, on="date").filter(pl.col("own_baseline").is_not_null())
    assert joined.height > 0
    assert joined["distance_usual_week"].to_list() == pytest.approx(
        joined["own_baseline"].to_list(), rel=1e-12
    )
    assert joined["distance_judged_week"].to_list() == pytest.approx(
        joined["baseline"].to_list(), rel=1e-12
    )
    # Where break days fall in the 28 days, the rule's usual week leaves them out (and counts
    # pre-break capacity): not the plain mean week the chart used to draw.
    plain = load_frame(daily).select("date", "distance_chronic_week")
    back = MON + timedelta(weeks=10, days=6)  # the second Sunday back
    at = got.join(plain, on="date").filter(pl.col("date") == back).row(0, named=True)
    assert at["distance_usual_week"] != pytest.approx(at["distance_chronic_week"])

    # Today's numbers are status's (headroom's ramp_own and ramp_baseline), to the bit.
    h = {x.dimension: x for x in headroom(daily, DEFAULTS, today=back)}
    for dim in ("distance", "speed", "hills"):
        today = got.filter(pl.col("date") == back).row(0, named=True)
        assert (today[f"{dim}_usual_week"], today[f"{dim}_judged_week"]) == (
            h[dim].ramp_own,
            h[dim].ramp_baseline,
        )


def test_day_rows_gain_the_columns_and_an_empty_history_gives_none() -> None:
    daily = _daily(days(MON, [5.0], repeat=1))
    out = with_ramp_days(daily, DEFAULTS)
    assert out.height == daily.height
    assert {"distance_usual_week", "uphill_judged_week"} <= set(out.columns)
    off = RuleConfig.from_overrides({"weekly_ramp": {"enabled": False}})
    assert ramp_days(daily, off)["distance_usual_week"].null_count() == daily.height
    assert ramp_days(daily.clear(), DEFAULTS).height == 0
