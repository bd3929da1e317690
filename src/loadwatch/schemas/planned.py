"""Planned sessions, their pre-flight check and the calendar (docs/planning.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, StringConstraints, Tag, model_validator

from loadwatch.schemas.base import InModel, Page
from loadwatch.vocabulary import Severity

Day = date  # for fields beside one named ``date``
SessionType = Literal["easy", "long", "intervals", "hills"]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Km = Annotated[float, Field(gt=0, le=300, description="km")]
MAX_SESSIONS = 100


class PlannedIn(InModel):
    """One planned run.  ``type`` fills the fast km and climbing not given (docs/planning.md:
    intervals 40 % of the distance fast, hills 25 m a km)."""

    date: date
    distance_km: Km
    fast_km: float | None = Field(default=None, ge=0, le=300)
    climb_m: float | None = Field(default=None, ge=0, le=20000)
    type: SessionType | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _fast_within(self) -> PlannedIn:
        if self.fast_km is not None and self.fast_km > self.distance_km:
            raise ValueError("fast_km cannot be more than distance_km")
        return self


class PlannedPatch(InModel):
    """Fields to change; the others keep their values."""

    date: Day | None = None
    distance_km: Km | None = None
    fast_km: float | None = Field(default=None, ge=0, le=300)
    climb_m: float | None = Field(default=None, ge=0, le=20000)
    type: SessionType | None = None
    note: Note | None = None


class PlannedBatch(InModel):
    """A week (or any set) of planned runs at once."""

    sessions: list[PlannedIn] = Field(min_length=1, max_length=MAX_SESSIONS)


def _shape(body: Any) -> str:
    # The batch form is the one with ``sessions``: judged as that form alone, a bad single
    # session's error names its own field, not the other form's and the union's validator
    # names (trial 10 F17: "body.function-after[_fast_within(), PlannedIn].date; …
    # body.PlannedBatch.sessions: Field required").
    return "batch" if isinstance(body, dict) and "sessions" in body else "session"


PlannedBody = Annotated[
    Annotated[PlannedIn, Tag("session")] | Annotated[PlannedBatch, Tag("batch")],
    Discriminator(_shape),
]


class PlannedOut(BaseModel):
    id: int
    date: date
    distance_km: float
    fast_km: float
    climb_m: float
    type: SessionType | None
    note: str | None
    version: int = Field(description="counts edits; plan.at_risk is told once per version")


class PlannedList(Page):
    data: list[PlannedOut]


class PlannedAdded(PlannedList):
    """The sessions just stored, and what ``plan add`` says of them on stderr."""

    note: str | None = Field(
        None,
        description="a day already past: kept for the calendar, not checked (null: none)",
        examples=[
            "2026-12-01 is in the past (today is 2026-12-07 for the athlete): kept for the "
            "calendar, not checked"
        ],
    )


class PlannedEdited(PlannedOut):
    """The session as changed, and the note a day already past gets (as ``PlannedAdded``'s)."""

    past_note: str | None = Field(
        None,
        description=(
            "the session's day is already past: kept for the calendar, not checked (null: "
            "none); ``note`` is the session's own"
        ),
        examples=[
            "2026-12-01 is in the past (today is 2026-12-07 for the athlete): kept for the "
            "calendar, not checked"
        ],
    )


class CheckIn(InModel):
    """A proposal: planned runs checked against the history, nothing stored."""

    sessions: list[PlannedIn] = Field(min_length=1, max_length=MAX_SESSIONS)


class FindingOut(BaseModel):
    rule: str
    dimension: str
    severity: Severity
    value: float | None
    baseline: float | None
    ratio: float | None
    over_pct: float | None = Field(description="how far over the baseline, in %")
    threshold: float | None
    evidence_grade: str
    message: str
    flagged_on: Day | None = Field(
        None,
        description="a line the run keeps the load over whose flag, raised on this day, still "
        "stands (a weekly ramp within its quiet days, a return over a line it has flagged, a "
        "plan week over a cap already told): evaluation raises no new flag for it, the check "
        "says it all the same",
    )


class SuggestionOut(BaseModel):
    """The largest version of the session that raises nothing."""

    how: Literal["distance", "fast", "climb", "fast_climb", "none"] = Field(
        description="what was lowered: the whole run (distance, fast km and climb in "
        "proportion), only its fast km, only its climb, its fast km and climb together (its "
        "distance kept); none: no run that day raises nothing"
    )
    distance_km: float
    fast_km: float
    climb_m: float


class SessionCheckOut(BaseModel):
    id: int | None = Field(description="the stored session's id; null for a proposal")
    date: date
    day: str
    type: SessionType | None
    distance_km: float
    fast_km: float
    climb_m: float
    verdict: Literal["ok", "caution", "alert"]
    findings: list[FindingOut]
    suggestion: SuggestionOut | None
    sentence: str


class WindowOut(BaseModel):
    """A dimension's 7-day load over the planned days: its peak against the usual week."""

    dimension: str
    unit: str
    peak_7d: float
    peak_date: Day
    usual_week: float | None = Field(
        description="the usual week judged against (a floor when it is above own_week)"
    )
    own_week: float | None = Field(
        None, description="the athlete's own usual week, before the floor raised it"
    )
    ratio: float | None
    severity: Severity | None = Field(
        description="the worst said of the peak's 7 days in this dimension: the weekly ramp's "
        "verdict, or a flag of a planned day in them (a spike, a return) when it says worse"
    )
    caution: float | None
    alert: float | None
    rule: str | None = Field(None, description="the rule behind severity (null: none)")
    basis: str = Field(
        "usual week",
        description="what usual_week and ratio are of: the weekly ramp's usual week, or the "
        "week before the break when the return sets severity (the return's own load, baseline "
        "and lines, as its sentence says them), or the plan week while a return-to-run plan "
        "caps the dimension (its week cap; peak_7d is then the plan week's running so far)",
    )
    planned: float = Field(
        0.0, description="how much of peak_7d is planned; the rest was already run"
    )
    span: str = Field(
        "",
        description="the days judged and what of them is planned, in words: 'Wed 11 Nov–Tue 17 "
        "Nov: 1,745 m run, none of it planned'",
    )


class CheckOut(BaseModel):
    athlete_id: int
    today: date
    sessions: list[SessionCheckOut]
    windows: list[WindowOut]
    not_checked: list[PlannedOut] = Field(
        default_factory=list, description="stored sessions already past (or run today)"
    )


Compliance = Literal[
    "compliant", "under", "over", "far_under", "far_over", "missed", "unplanned", "planned"
]


class ActualOut(BaseModel):
    runs: int
    distance_km: float
    fast_km: float
    climb_m: float


class DayFlagOut(BaseModel):
    id: int
    rule: str
    dimension: str
    severity: Severity


class CalendarDayOut(BaseModel):
    date: date
    planned: list[PlannedOut]
    planned_km: float
    actual: ActualOut | None
    compliance: Compliance | None = Field(
        description="compliant within ±20 % of the planned km; under/over 50-80 % / "
        "120-150 %; far_under/far_over beyond; missed: planned and past, not run; "
        "unplanned: run without a plan; planned: still to come"
    )
    percent_of_plan: float | None
    flags: list[DayFlagOut]
    pain: int | None = Field(description="the worst pain logged that day (0-10)")
    at_risk: bool = Field(description="a session to come that the pre-flight check flags")
    risk: str | None = Field(description="the check's sentence for an at-risk day")


class CalendarOut(BaseModel):
    athlete_id: int
    start: Day = Field(alias="from", serialization_alias="from")
    end: Day = Field(alias="to", serialization_alias="to")
    today: Day
    days: list[CalendarDayOut]

    model_config = {"populate_by_name": True}
