"""An activity as it is listed, relabelled, deleted and shown on its own page."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_serializer, field_validator

from loadwatch.clock import UtcDatetime
from loadwatch.ingest.sports import SPORTS, grade_adjusted
from loadwatch.rounding import out_number
from loadwatch.schemas.base import InModel, OutModel, Page
from loadwatch.schemas.fitness import HrChangeOut, HrProfileOut
from loadwatch.schemas.flags import FlagOut


class ActivityOut(OutModel):
    id: int
    athlete_id: int
    file_id: int | None
    name: str | None
    format: str
    sport: str
    start_time: UtcDatetime
    utc_offset_s: int | None
    local_date: date | None = Field(
        None,
        description="the athlete's calendar day of the activity: the day its flags, series "
        "and reports count it on (its own UTC offset, else the athlete's zone)",
    )
    local_start: str | None = Field(
        None, description="local clock time of the start on local_date, HH:MM"
    )
    elapsed_time_s: float
    moving_time_s: float
    distance_m: float
    elevation_gain_m: float | None
    elevation_loss_m: float | None
    avg_pace_s_per_km: float | None
    gap_distance_m: float | None = Field(
        description="grade-adjusted (Minetti's running cost); null for other sports"
    )
    uphill_distance_m: float | None
    downhill_distance_m: float | None
    fast_distance_m: float | None = Field(
        description="metres held quicker than the fast threshold of the run's local day "
        "(docs/fast.md); null for other sports"
    )
    max_speed_mps: float | None
    best_1km_s: float | None
    avg_hr: float | None
    max_hr: float | None
    n_samples: int
    device: str | None
    source_sha256: str
    session_index: int
    totals_source: dict[str, Any]
    sport_relabel: str | None = Field(
        None, description="the sport the user declared (PATCH), if any"
    )
    hr_load: float | None = Field(
        None,
        description="Banister TRIMP from the heart-rate stream with the athlete's resting and "
        "maximum heart rate (docs/hr-load.md); null without heart rate",
    )

    @field_validator("gap_distance_m")
    @classmethod
    def _gap_of_runs(cls, value: float | None, info: ValidationInfo) -> float | None:
        return grade_adjusted(str(info.data.get("sport", "")), value)

    # Figures derived at import (a pace, a sum of histogram bins) carry float noise
    # ("303.66336633663366"): they leave rounded as every output number does.
    @field_serializer(
        "elapsed_time_s", "moving_time_s", "distance_m", "elevation_gain_m",
        "elevation_loss_m", "avg_pace_s_per_km", "gap_distance_m", "uphill_distance_m",
        "downhill_distance_m", "fast_distance_m", "max_speed_mps", "best_1km_s", "avg_hr",
        "max_hr", "hr_load",
    )  # fmt: skip
    def _rounded(self, value: float | None) -> float | None:
        return out_number(value)


class ActivityPatch(InModel):
    sport: str = Field(
        description="the activity's sport as the user declares it: beats the export's type, "
        "the file's sport and any guess",
        json_schema_extra={"enum": list(SPORTS)},
    )

    @field_validator("sport")
    @classmethod
    def _known_sport(cls, value: str) -> str:
        clean = value.strip().lower()
        if clean not in SPORTS:
            raise ValueError(f"unknown sport {value!r}; one of: {', '.join(SPORTS)}")
        return clean


class ActivityRelabelled(OutModel):
    activity: ActivityOut
    previous_sport: str
    reevaluate_from: date = Field(description="flags are re-evaluated from this local day on")


class ActivityPage(Page):
    data: list[ActivityOut]


class ActivityDeleted(OutModel):
    id: int
    athlete_id: int
    reevaluate_from: date


Unit = Literal["km", "m", "s", "s/km", "m/s", "bpm", "TRIMP"]


class NumberOut(BaseModel):
    key: str = Field(
        description="the figure's name, ending in the unit its value is in (distance_km, "
        "max_hr_bpm)"
    )
    field: str = Field(
        deprecated=True,
        description="deprecated, use key: the stored activity's field name, whose unit suffix "
        "can differ from this value's (distance_m holds km here); kept for compatibility",
    )
    label: str
    value: float
    unit: Unit
    source: str = Field(
        description="device: the device's own total; computed: from the samples; "
        "log: a training-log row's column"
    )


class ThresholdOut(BaseModel):
    speed_mps: float
    pace_s_per_km: float
    source: Literal["coach", "derived", "default"]
    explanation: str


class StretchOut(BaseModel):
    kind: Literal["fast", "uphill"]
    start_s: float = Field(description="seconds from the first sample")
    end_s: float
    start_m: float = Field(description="metres from the start")
    end_m: float
    distance_m: float = Field(description="metres from its start to its end")
    duration_s: float
    pace_s_per_km: float | None
    counted_m: float = Field(
        description="metres of it that count as fast or uphill: the activity's fast or uphill "
        "distance counts these, not the short dips a stretch spans"
    )


class ActivitySeries(BaseModel):
    """Columns of equal length, one entry per drawn point (null: nothing recorded there)."""

    samples: int = Field(description="samples stored for the activity")
    points: int = Field(description="points drawn (≤ max_points)")
    reason: str | None = Field(None, description="why the series are empty, when they are")
    t_s: list[float] = Field(default_factory=list)
    distance_km: list[float] = Field(default_factory=list)
    pace_s_per_km: list[float | None] = Field(default_factory=list)
    elevation_m: list[float | None] = Field(default_factory=list)
    heart_rate: list[float | None] = Field(default_factory=list)


class ActivityDetail(BaseModel):
    id: int
    athlete_id: int
    athlete: str
    name: str | None
    sport: str
    format: str
    source: str
    start_time: UtcDatetime
    local_date: date = Field(description="the athlete's calendar day of the activity")
    local_start: str = Field(description="local clock time of the start, HH:MM")
    numbers: list[NumberOut]
    fast_threshold: ThresholdOut = Field(description="the threshold in force on its day")
    series: ActivitySeries
    stretches: list[StretchOut]
    stretches_note: str | None = Field(None, description="why there are no stretches")
    flags: list[FlagOut] = Field(description="flags of its day whose value includes this run")
    hr_profile: HrProfileOut | None = Field(
        None,
        description="the heart rates its hr_load is computed with: the athlete's as they stand "
        "(the coach's or estimated; null without heart rate)",
    )
    hr_change: HrChangeOut | None = Field(
        None, description="the latest move of the maximum heart rate, which recomputed hr_load"
    )
