"""A spike's step back hides the alert line only when the line offers more (docs/rules.md):
during a return the return's alert line may be far below the step back (trial 12 F1: Cara's
2.3 km to the return's alert line hidden behind a 10.7 km step back)."""

from __future__ import annotations

from datetime import date

from loadwatch.rules.headroom import Headroom
from loadwatch.rules.spike_limit import SpikeCap
from loadwatch.schemas.status import DimensionStatus
from loadwatch.services.step_back import follow_spike

DAY = date(2026, 12, 6)


def _dim(alert: float) -> DimensionStatus:
    return DimensionStatus(
        dimension="distance", unit="km", last_7d=18.3, chronic_week=29.3, ratio_7_28=None,
        acute_ewma=None, chronic_ewma=None, ewma_ratio=None, monotony=None, strain=None,
        headroom_week=0.0, week_limit=None, headroom_run=0.0,
        headroom_note="Distance: 18.3 km in the last 7 days (usual week 29.3 km); rest "
        "tomorrow; a usual 9.2 km run fits again on Friday.",
        headroom_run_alert=alert,
    )  # fmt: skip


def _room() -> Headroom:
    return Headroom(
        "distance", "km", 18.3, 29.3, None, 0.0, 12.3, 0.0, "return_after_break", 9.2,
        date(2026, 12, 11), "",
    )  # fmt: skip


def _after(alert: float) -> float | None:
    cap = SpikeCap("distance", DAY, 12.3, 10.7, date(2026, 12, 19))
    (out,) = follow_spike([_dim(alert)], {"distance": cap}, {"distance": _room()})
    return out.headroom_run_alert


def test_an_alert_line_below_the_step_back_is_kept() -> None:
    # 2.3 km to the return's alert line, under the 10.7 km step back: the binding figure.
    assert _after(2.3) == 2.3


def test_an_alert_line_above_the_step_back_is_left_out() -> None:
    # 24.6 km would read as leave to run more than the 10.7 km step back.
    assert _after(24.6) is None
