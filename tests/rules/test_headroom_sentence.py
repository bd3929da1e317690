"""The headroom sentence when the 7 days are already over their limit (docs/rules.md,
"Already over"): the limit is said beside the 7 days it limits, and the week's room "in any
order" (0 once the window is full) is not set beside the day a usual run fits again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.headroom import _message, headroom
from support.activity_builder import activity, days, frame

MON = date(2026, 1, 5)
WEEK = [0.0, 8.0, 6.0, 8.0, 0.0, 6.0, 12.0]  # 40 km a week


def test_over_the_week_says_the_limit_of_the_7_days_and_never_0_more() -> None:
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
    cfg = RuleConfig.from_overrides({"weekly_ramp": {"caution": 1.3}})
    dist = {h.dimension: h for h in headroom(big, cfg, today=MON + timedelta(days=37))}["distance"]
    # The 7 days to Wednesday of week 6: 8 + 6 + 12 (week 5) + 60 = 86 km, against 1.3 x the
    # usual week of the 28 days before (40 km) = 52.0 km.  A usual run, the mean running day
    # of the 28 days to today (Thursday of week 2 on): (8 + 6 + 12 + 3 x 40 + 60) / 21 runs
    # = 206 / 21 = 9.8 km.
    assert (dist.week_value, dist.week_limit, dist.week_room) == (86.0, 52.0, 0.0)
    assert dist.message == (
        "Distance: 86.0 km in the last 7 days (usual week 40.0 km), over the 7-day limit of "
        "52.0 km; rest tomorrow; a usual 9.8 km run fits again on Monday."
    )


@pytest.mark.parametrize(
    ("dim", "run_limit", "said"),
    [
        ("distance", 0.0, "rest tomorrow"),
        ("distance", 4.0, "rest or up to 4.0 km easy tomorrow"),
        ("speed", 0.0, "no fast running tomorrow"),
        ("speed", 0.5, "up to 0.5 km of fast running tomorrow"),
        ("hills", 0.0, "no climbing tomorrow"),
        ("hills", 40.0, "up to 40 m of climbing tomorrow"),
        ("uphill", 0.0, "no uphill running tomorrow"),
    ],
)
def test_over_the_limit_says_what_tomorrow_allows_in_its_own_dimension(
    dim: str, run_limit: float, said: str
) -> None:
    """Trial 9 F22: "Fast km: …; rest tomorrow" beside "next run up to 22.0 km" read as a
    rest day.  Rest is said for distance only."""
    # Over: the 7 days at 180 against a limit of 113, a usual day of 100 (not even half of it
    # fits tomorrow), which fits again on a Tuesday.
    message = _message(dim, 180.0, 113.0, 0.0, run_limit, 100.0, date(2026, 11, 17))
    assert f"; {said}; a usual " in message
