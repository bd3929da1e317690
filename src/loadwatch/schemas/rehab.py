"""Symptoms and return-to-run plans as they are entered and shown (docs/rehab.md)."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints, field_validator

from loadwatch.schemas.base import Page

# What the status shows of a plan: schemas/rehab_status.py.
from loadwatch.schemas.rehab_status import PlanOut, ResponseOut, ToleranceOut

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
