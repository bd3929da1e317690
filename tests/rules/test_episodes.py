"""Episodes and historic classification: pure functions on flags, numbers by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import FlagRecord, evaluate
from loadwatch.rules.episodes import HISTORIC_DAYS, classify, episodes, headline, headline_flag
from support.activity_builder import frame, weeks

D = date(2026, 3, 2)  # a Monday


def flag(
    day: int,
    rule: str = "session_spike",
    dim: str = "distance",
    sev: str = "caution",
    ratio: float = 1.2,
) -> FlagRecord:
    threshold = {"caution": 1.1, "alert": 1.3}[sev]
    return FlagRecord(
        D + timedelta(days=day),
        dim,
        rule,
        sev,
        ratio * 10,
        10.0,
        ratio,
        threshold,
        f"{rule} {dim} {day}",  # type: ignore[arg-type]
    )


def test_flags_whose_reaches_touch_are_one_episode() -> None:
    # Reaches: day 0 -> [0, 6]; day 7 starts the day after: touching, same episode, reach to
    # 13; day 15 starts two days later: a new episode.
    eps = episodes([flag(15), flag(0), flag(7, "weekly_ramp", "hills", "alert", 1.6)])
    assert [(e.first, e.last) for e in eps] == [
        (D, D + timedelta(days=7)),
        (D + timedelta(days=15), D + timedelta(days=15)),
    ]
    first = eps[0]
    assert first.severity == "alert"
    assert first.rules == ("session_spike", "weekly_ramp")
    assert first.dimensions == ("distance", "hills")
    assert first.reasons == ("session_spike distance 0", "weekly_ramp hills 7")
    assert first.until == D + timedelta(days=13)
    assert first.headline == "weekly_ramp hills 7 (+1 more: distance spike)"
    assert eps[1].headline == "session_spike distance 15" and eps[1].severity == "caution"
    assert episodes([]) == []
    assert len(episodes([flag(0), flag(8)])) == 2  # day 8 starts two days after day 6


def test_headline_prefers_severity_then_the_owning_rule_then_excess() -> None:
    a = flag(3, "return_after_break", "distance", "alert", 1.0)
    b = flag(3, "session_spike", "distance", "alert", 2.5)
    c = flag(1, "weekly_ramp", "distance", "caution", 3.0)
    assert headline_flag([c, b, a]) is a  # alert; return_after_break owns a return
    assert headline_flag([c, b]) is b
    d = flag(2, "session_spike", "hills", "alert", 1.5)
    assert headline_flag([d, b]) is b  # further over its threshold
    assert headline([c]) == c.message
    with pytest.raises(ValueError):
        headline_flag([])


def test_full_volume_after_three_weeks_off_is_one_episode() -> None:
    d = daily_frame(
        frame(weeks(date(2026, 1, 5), [44.0] * 8 + [0.0] * 3 + [44.0] * 3)),
        tz="UTC",
        fast_speed_mps=None,
    )
    eps = episodes(evaluate(d, RuleConfig()))
    assert len(eps) == 1
    (e,) = eps
    assert e.severity == "alert" and e.rules == ("return_after_break",)
    assert len(e.flags) == 8 and len(e.reasons) == 8
    assert e.headline.startswith("Back after 22 days without running: 44.0 km of running")


def test_classify_historic_after_the_grace_days() -> None:
    day = date(2026, 5, 1)
    assert HISTORIC_DAYS == 14
    assert classify(day, day) == "open"
    assert classify(day, day + timedelta(days=14)) == "open"
    assert classify(day, day + timedelta(days=15)) == "historic"
    assert classify(day, day + timedelta(days=3), historic_days=2) == "historic"
    assert classify(day, day - timedelta(days=1)) == "open"  # evaluated "today" before it
    with pytest.raises(ValueError):
        classify(day, day, historic_days=-1)


def _rosa() -> list[FlagRecord]:
    """Returning Rosa's week under a plan (trial 9, F12): Saturday's hilly run breached the
    plan's climbing 3.0× (far past its 1.3 line) and its distance, and pain 7/10 followed on
    Sunday (1.17: the pain rule's own number)."""
    return [
        flag(5, "plan_breach", "hills", "alert", 3.0),
        flag(5, "plan_breach", "distance", "alert", 1.4),
        flag(6, "pain_response", "distance", "alert", 1.17),
    ]


def test_a_pain_flare_leads_a_plan_breach_whatever_their_ratios() -> None:
    # The one order (``importance``): severity, then the rule - pain first, then the plan -
    # so the breach's 3.0× does not outrank the flare.  Before, neither rule was ranked and
    # the larger excess (the breach) headed the episode while the triage led with the pain.
    (ep,) = episodes(_rosa())
    assert headline_flag(_rosa()).rule == "pain_response"
    assert ep.headline == (
        "pain_response distance 6 (+2 more: distance over plan, climbing over plan)"
    )
    # Same severity and rule: the newest day leads (what just happened), then the excess.
    newer = [flag(1, ratio=1.9), flag(3, ratio=1.2)]
    assert headline_flag(newer) is newer[1]
    same_day = [flag(3, ratio=1.2), flag(3, dim="hills", ratio=1.5)]
    assert headline_flag(same_day) is same_day[1]
    # Severity before everything.
    worst = [flag(3, "pain_response"), flag(1, "weekly_ramp", sev="alert", ratio=1.31)]
    assert headline_flag(worst) is worst[1]
