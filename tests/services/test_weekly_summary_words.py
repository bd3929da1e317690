"""The weekly summary's words and numbers: the vocabulary's (``vocabulary.py``) and rounded
halves up (``rounding``) as every other surface says them, the machine key kept for programs."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from loadwatch.schemas.rehab_status import CapsOut
from loadwatch.schemas.status import DimensionStatus
from loadwatch.services import weekly_summary as ws


def _fast(**kw: Any) -> DimensionStatus:
    base: dict[str, Any] = {
        "dimension": "speed", "unit": "km", "last_7d": 4.25, "chronic_week": 3.05,
        "ratio_7_28": None, "acute_ewma": None, "chronic_ewma": None, "ewma_ratio": None,
        "monotony": None, "strain": None, "headroom_week": None, "week_limit": 5.25,
        "headroom_run": 2.45,
    }  # fmt: skip
    return DimensionStatus(**(base | kw))


def test_fast_km_is_said_fast_km_and_its_halves_round_up() -> None:
    d = ws._dimension(_fast())
    # 4.25 → 4.3 and 3.05 → 3.1 (round() gave 4.2 and 3.0: half to even, the binary float).
    assert d == {"dimension": "speed", "label": "fast km", "unit": "km", "week": 4.3, "usual": 3.1}
    assert ws._load_line(d) == "Fast km: 4.3 km this week (usual 3.1 km)."
    limits = ws._headroom_limits(SimpleNamespace(dimensions=[_fast()]))  # type: ignore[arg-type]
    assert [(x["what"], x["limit"]) for x in limits] == [
        ("weekly fast km", 5.3),
        ("one run's fast km", 2.5),
    ]
    assert ws._next_line(limits, "headroom") == (
        "Next week, before a caution: weekly fast km up to 5.3 km; one run's fast km up to 2.5 km."
    )


def test_a_plans_zero_caps_read_as_none_of_it() -> None:
    caps = CapsOut(
        plan_week=1, week_start=date(2026, 11, 23), since=date(2026, 11, 23), weekly_km=15.0,
        longest_run_km=5.0, weekly_fast_km=0.0, weekly_climb_m=0.0, pace_floor=None,
        reason="plan start",
    )  # fmt: skip
    assert ws._next_line(ws._plan_limits(caps), "plan") == (
        "Next week, the plan allows: weekly distance up to 15.0 km; longest run up to 5.0 km; "
        "no fast running; no climbing."
    )
