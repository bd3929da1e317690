"""What an athlete's status says of their rehab: the plan in force, its caps and rooms, the
pain responses and tolerance, and the dashboard's mark.  Apart from ``schemas/rehab.py`` (the
symptoms and plans as they are entered and listed) so that a status read from its stored summary
builds only the models it validates: every pydantic model costs its schema at import, and a
data command's start-up is counted (issue #19)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

Day = date  # for fields beside one named ``date``


class ResponseOut(BaseModel):
    date: date
    worst: int
    when: str
    state: Literal["settled", "irritated", "flare"]
    reason: str
    run_date: Day | None = Field(description="the running day it is linked to")
    run: str | None = Field(description="that day's largest run, in words")


class ToleranceOut(BaseModel):
    dimension: str
    unit: str
    tolerated_run: float | None
    tolerated_week: float | None
    provoking_run: float | None
    provoking_week: float | None


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
    next_run: float | None = Field(
        description="the plan's cap, or a step back (or, where the plan leaves the dimension "
        "open, the rules' limit) where that is lower: binding says which"
    )
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
    pain_trend_entries: int | None = Field(
        None, description="the entries those days hold (pain_trend shows the last five)"
    )
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
