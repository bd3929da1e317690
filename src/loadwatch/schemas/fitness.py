"""Heart-rate load and fitness / fatigue / form as every face shows them (docs/hr-load.md)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

PERFORMANCE_CONTEXT = (
    "Performance context, not injury risk: fitness and fatigue describe how trained and how "
    "tired, and no flag is raised on them."
)


class HrProfileOut(BaseModel):
    resting_hr: float = Field(description="bpm the athlete's TRIMP is computed with")
    max_hr: float
    sex: Literal["male", "female"] | None = Field(
        description="TRIMP's curve: male 0.64e^(1.92x), female or unspecified 0.86e^(1.67x)"
    )
    hr_source: Literal["settings", "estimated"] = Field(
        description="settings: both heart rates are the coach's; estimated: at least one is "
        "estimated from the data (rest_source, max_source say which)"
    )
    rest_source: Literal["settings", "estimated"]
    max_source: Literal["settings", "estimated"]


class HrChangeOut(BaseModel):
    """The latest move of the maximum heart rate the loads are computed with: every past
    activity's TRIMP and the fitness series moved with it (docs/hr-load.md)."""

    on: date = Field(description="the athlete's local day the loads were recomputed")
    from_max_hr: float
    to_max_hr: float
    max_source: Literal["settings", "estimated"] = Field(
        description="settings: the coach set it; estimated: the highest heart rate held a "
        "minute, from the run named"
    )
    run_day: date | None = Field(None, description="the run that holds an estimated maximum")
    run_name: str | None = None
    activity_id: int | None = None
    sentence: str = Field(description="the change in words, as status and the report say it")


class FitnessOut(BaseModel):
    """What the fitness chart is made of and where it stands on ``as_of``."""

    as_of: date = Field(description="the day fitness, fatigue and form below are for")
    source: Literal["trimp", "srpe", "distance"] = Field(
        description="the daily impulse: TRIMP where any activity has heart rate, else session "
        "RPE, else running km"
    )
    unit: str
    imputed: int = Field(
        0,
        description="activities without heart rate counted at the athlete's median TRIMP per "
        "minute times their duration",
    )
    fitness_days: int = 42
    fatigue_days: int = 7
    fitness: float | None = Field(description="42-day exponentially weighted load on as_of")
    fatigue: float | None = Field(description="7-day exponentially weighted load on as_of")
    form: float | None = Field(description="fitness - fatigue")
    hr: HrProfileOut | None = None
    hr_change: HrChangeOut | None = Field(
        None, description="the latest move of the maximum heart rate (null: none recorded)"
    )
    note: str = PERFORMANCE_CONTEXT
