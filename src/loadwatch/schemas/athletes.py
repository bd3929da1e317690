"""An athlete as it is created, changed and shown."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from loadwatch.analytics.fast import parse_fast_threshold
from loadwatch.clock import UtcDatetime
from loadwatch.schemas.base import InModel, Name, OutModel, Page
from loadwatch.schemas.fitness import HrChangeOut, HrProfileOut


def format_pace(mps: float | None) -> str | None:
    """m/s → ``"m:ss"`` min/km."""
    if mps is None or mps <= 0:
        return None
    seconds = round(1000.0 / mps)
    return f"{seconds // 60}:{seconds % 60:02d}"


FastThreshold = Annotated[
    float | None,
    BeforeValidator(parse_fast_threshold),
    Field(
        description="pace in min/km ('4:30') or speed in m/s (3.7); null = derive from the "
        "athlete's own running",
        json_schema_extra={"examples": ["4:30", 3.7]},
    ),
]


class AthleteCreate(InModel):
    name: Name
    timezone: str = Field("UTC", description="IANA zone, e.g. Europe/Paris")
    fast_threshold: FastThreshold = None
    thresholds: dict[str, Any] = Field(
        default_factory=dict,
        description='rule overrides, e.g. {"session_spike": {"caution": 1.2}}',
    )


RestingHr = Annotated[
    float | None,
    Field(
        ge=25,
        le=120,
        description="resting heart rate, bpm, for TRIMP (docs/hr-load.md); null = estimated "
        "(60 bpm)",
    ),
]
MaxHr = Annotated[
    float | None,
    Field(
        ge=100,
        le=250,
        description="maximum heart rate, bpm, for TRIMP; null = estimated from the data (the "
        "highest heart rate held a minute in any activity)",
    ),
]
SexIn = Annotated[
    Literal["male", "female"] | None,
    Field(description="TRIMP's curve (Banister): male, female; null = unspecified (female's)"),
]


class AthletePatch(InModel):
    name: Name | None = None
    timezone: str | None = None
    fast_threshold: FastThreshold = None
    thresholds: dict[str, Any] | None = None
    weekly_summary: bool | None = Field(
        None, description="the Sunday-evening summary to the athlete and their coaches"
    )
    resting_hr: RestingHr = None
    max_hr: MaxHr = None
    sex: SexIn = None
    # What GET returns for the threshold is accepted back (F11): the same threshold as
    # ``fast_threshold``, under the names an athlete's answer gives it.
    fast_pace: FastThreshold = Field(None, description="the same as fast_threshold (GET's name)")
    fast_speed_mps: FastThreshold = Field(
        None, description="the same as fast_threshold, in m/s (GET's name)"
    )

    @model_validator(mode="after")
    def _one_threshold(self) -> AthletePatch:
        # Sent together (an answer sent back whole) they must be the same pace to the second,
        # as GET rounds fast_pace; the most exact one is kept.
        names = ("fast_threshold", "fast_speed_mps", "fast_pace")
        sent = {n: getattr(self, n) for n in names if n in self.model_fields_set}
        if len({format_pace(v) for v in sent.values()}) > 1:
            raise ValueError(f"{', '.join(sent)} name one threshold and disagree")
        if sent:
            self.fast_threshold = next(iter(sent.values()))
            self.model_fields_set.add("fast_threshold")
        return self


class AthleteOut(OutModel):
    id: int
    name: str
    timezone: str
    fast_speed_mps: float | None
    fast_pace: str | None = Field(None, description="the fast threshold as min/km")
    thresholds: dict[str, Any]
    weekly_summary: bool = Field(
        False, description="Sunday-evening summary on (docs/notifications.md)"
    )
    resting_hr: float | None = Field(None, description="the coach's setting; null = estimated")
    max_hr: float | None = Field(None, description="the coach's setting; null = estimated")
    sex: Literal["male", "female"] | None = None
    hr_profile: HrProfileOut | None = Field(
        None,
        description="the heart rates TRIMP is computed with, the coach's or estimated "
        "(hr_source); null when neither set nor estimable (no heart rate recorded)",
    )
    hr_change: HrChangeOut | None = Field(
        None,
        description="the latest move of the maximum heart rate: every activity's hr_load and "
        "the fitness series were recomputed with it (null: none recorded)",
    )
    created_at: UtcDatetime

    @classmethod
    def of(
        cls, athlete: Any, hr: HrProfileOut | None = None, change: HrChangeOut | None = None
    ) -> AthleteOut:
        out = cls.model_validate(athlete)
        out.fast_pace = format_pace(out.fast_speed_mps)
        out.hr_profile = hr
        out.hr_change = change
        return out


class AthleteList(Page):
    data: list[AthleteOut]


class AthleteCoaches(OutModel):
    athlete_id: int
    coach_ids: list[int]
