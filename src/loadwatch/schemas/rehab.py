"""Symptoms and return-to-run plans as they are entered and shown (docs/rehab.md)."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, field_validator

from loadwatch.schemas.base import Page

Day = date  # for fields beside one named ``date``


# Without --condition a plan names what the athlete logged (``services.rehab``), never a
# diagnosis guessed for them: a plan for knee pain once read "proximal hamstring tendinopathy".
UNSPECIFIED = "unspecified"


MAX_PROGRESSION_PCT = 10.0


Pain = Annotated[int, Field(ge=0, le=10, description="pain 0-10")]


_PACE = re.compile(r"^\s*(\d{1,2}):([0-5]\d)\s*(?:/\s*km)?\s*$")


def parse_pace(value: object) -> float | None:
    """'6:30' (min/km) or seconds per km → seconds per km."""
    if value is None:
        return None
    if isinstance(value, str):
        m = _PACE.match(value)
        if not m:
            raise ValueError(f"pace {value!r} is not M:SS per km, e.g. 6:30")
        seconds = float(int(m[1]) * 60 + int(m[2]))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise ValueError("pace must be M:SS per km or seconds per km")
    if not (120 <= seconds <= 1200):
        raise ValueError(f"pace {seconds:.0f} s/km is not a running pace (2:00 to 20:00 /km)")
    return seconds


Word = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1)]


class SymptomIn(BaseModel):
    """One day's entry; fields not given keep what that day's entry already holds."""

    date: date
    pain_during: Pain | None = None
    pain_after: Pain | None = None
    pain_next_morning: Pain | None = Field(
        default=None, description="pain the morning after `date` (0-10)"
    )
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    aggravators: list[Annotated[Word, StringConstraints(max_length=40)]] | None = Field(
        default=None, max_length=12, description="e.g. sitting, hills, speed, stairs"
    )
    sitting_hours: float | None = Field(default=None, ge=0, le=24)
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None

    def values(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.model_fields_set if k != "date"}


class ResponseOut(BaseModel):
    date: date
    worst: int
    when: str
    state: Literal["settled", "irritated", "flare"]
    reason: str
    run_date: Day | None = Field(description="the running day it is linked to")
    run: str | None = Field(description="that day's largest run, in words")


class SymptomOut(BaseModel):
    id: int
    date: date
    pain_during: int | None
    pain_after: int | None
    pain_next_morning: int | None
    location: str
    aggravators: list[str]
    sitting_hours: float | None
    note: str | None
    source: str
    response: ResponseOut | None


class ToleranceOut(BaseModel):
    dimension: str
    unit: str
    tolerated_run: float | None
    tolerated_week: float | None
    provoking_run: float | None
    provoking_week: float | None


class SymptomList(BaseModel):
    data: list[SymptomOut]
    count: int
    tolerance: list[ToleranceOut]


PaceIn = Annotated[
    float | None,
    BeforeValidator(parse_pace),
    Field(description="slowest-pace floor: run this pace or slower ('6:30' or s/km)"),
]


class PlanIn(BaseModel):
    start_date: date
    condition: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = (
        Field(
            default=None,
            max_length=200,
            description="default: the pain where the athlete last logged it ('knee pain')",
        )
    )
    phase: int = Field(default=1, ge=1, le=3, description="1 reduce, 2 rebuild, 3 prevent")
    weekly_km: float = Field(gt=0, le=300)
    longest_run_km: float = Field(gt=0, le=100)
    weekly_fast_km: float | None = Field(default=None, ge=0, le=100, description="null: no cap")
    weekly_climb_m: float | None = Field(
        default=None, ge=0, le=20000, description="0: avoid hills; null: no cap"
    )
    pace_floor: PaceIn = None
    progression_pct: float = Field(default=10.0, ge=0, le=MAX_PROGRESSION_PCT)

    @field_validator("longest_run_km")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("must be a number")
        return v


class CapsOut(BaseModel):
    plan_week: int = Field(description="1 = the plan's first week")
    week_start: date
    since: date = Field(description="the day these caps took effect")
    weekly_km: float
    longest_run_km: float
    weekly_fast_km: float | None
    weekly_climb_m: float | None
    pace_floor: str | None
    reason: str
    step: Literal["start", "raised", "held", "stepped_back"] = Field(
        "start", description="why the caps changed: the plan opened, raised, held, stepped back"
    )
    fast_km_allowed: float | None = Field(
        None,
        description="the week's fast km the plan allows: 0 when the pace floor is at or slower "
        "than the fast threshold; else weekly_fast_km (null: no cap)",
    )


class WeekCapsOut(BaseModel):
    """A calendar week's limits on the load charts while a plan is in force: the caps in force
    on its last plan day, as the plan judges them."""

    week_start: date = Field(description="Monday of the calendar week")
    plan_week: int
    weekly_km: float
    longest_run_km: float
    weekly_fast_km: float | None = Field(
        description="0 when the pace floor is at or slower than the fast threshold; null: no cap"
    )
    weekly_climb_m: float | None = Field(description="0: avoid hills; null: no cap")
    climb_allowance_m: float | None = Field(
        description="the week's climbing the plan allows (flat: 10 m per km of weekly_km)"
    )
    pace_floor: str | None
    step: Literal["start", "raised", "held", "stepped_back"]


class PainPoint(BaseModel):
    """One symptom entry on the pain chart (the next morning is the morning after ``date``)."""

    date: date
    pain_during: int | None
    pain_after: int | None
    pain_next_morning: int | None
    worst: int
    state: Literal["settled", "irritated", "flare"] | None


class PlanOut(BaseModel):
    id: int
    condition: str
    phase: int
    start_date: date
    end_date: date | None
    active: bool
    weekly_km: float
    longest_run_km: float
    weekly_fast_km: float | None
    weekly_climb_m: float | None
    pace_floor: str | None
    progression_pct: float


class PlanRoom(BaseModel):
    dimension: str
    unit: str
    week_cap: float | None = Field(description="the plan's cap this plan week (null: none)")
    week_used: float = Field(description="this plan week so far")
    week_left: float | None = Field(description="the smaller of the plan's and the rules' room")
    next_run: float | None = Field(description="the smaller of the plan's and the rules' limit")
    binding: str | None = Field(description="plan or rules: which one sets next_run")
    next_run_alert: float | None = Field(
        None,
        description="the largest next run before the plan's own alert line (a breach by more "
        "than 30 %); null: the plan caps nothing here",
    )
    note: str


class RehabStatus(BaseModel):
    plan: PlanOut | None
    caps: CapsOut | None = Field(description="the caps in force today and why")
    timeline: list[CapsOut] = Field(description="every change of caps since the plan started")
    rooms: list[PlanRoom]
    latest_response: ResponseOut | None
    recent_responses: list[ResponseOut] = Field(description="the last five, oldest first")
    pain_trend: list[int] = Field(
        description="the worst pain of the last five entries of the last pain_trend_days days, "
        "oldest first"
    )
    pain_trend_word: str = Field(description="rising, falling, steady or empty")
    pain_trend_days: int = Field(28, description="the days the trend reads, ending today")
    tolerance: list[ToleranceOut]
    summary: str
    chart_caps: list[WeekCapsOut] = Field(
        default_factory=list,
        description="per calendar week with a plan in force: the limits the charts draw "
        "instead of the pre-injury usual week",
    )
    pain_log: list[PainPoint] = Field(
        default_factory=list, description="every symptom entry, oldest first (the pain chart)"
    )
    pain_threshold: int = Field(
        4, description="pain at or over this (0-10) is irritation: the line on the pain chart"
    )


class RehabMark(BaseModel):
    """What the coach's dashboard marks on an athlete's card."""

    on_plan: bool = Field(description="a return-to-run plan is in force today")
    plan_week: int | None
    latest_pain: int | None = Field(description="the latest entry's worst pain (0-10)")
    latest_pain_date: Day | None
    latest_state: Literal["settled", "irritated", "flare"] | None


class RehabFile(BaseModel):
    """A plan and a pain log to enter at once (the demo's ``rehab.json``)."""

    plan: PlanIn | None = None
    symptoms: list[SymptomIn] = Field(default_factory=list)


class SymptomPage(Page):
    data: list[SymptomOut]
    tolerance: list[ToleranceOut] = Field(
        description="the tolerated and provoking load per dimension, from every entry"
    )


class PlanList(Page):
    data: list[PlanOut]


class PlanEnd(BaseModel):
    on: date | None = Field(default=None, description="last day in force; default today")
