"""The athlete's check-in, personal links and session RPE as every face shows them
(docs/checkin.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from loadwatch.clock import UtcDatetime
from loadwatch.schemas.base import InModel, OutModel, Page
from loadwatch.schemas.rehab import Pain

Day = date  # for fields beside one named ``date``

# Foster's CR-10: 0 rest … 10 maximal; halves are allowed ("between hard and very hard").
Rpe = Annotated[float, Field(ge=0, le=10, multiple_of=0.5, description="session RPE, CR-10")]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class CheckinIn(InModel):
    """After a run: pain during and after, session RPE and a note; the next morning: pain on
    waking.  Fields not sent keep what the day's entry holds."""

    activity_id: int | None = Field(
        default=None, ge=1, description="the run checked in on; its local day is the entry's"
    )
    date: Day | None = Field(
        default=None, description="the day of the entry when no activity is given (a rest day)"
    )
    pain_during: Pain | None = None
    pain_after: Pain | None = None
    pain_next_morning: Pain | None = Field(
        default=None, description="pain on waking the morning after the run's day (0-10)"
    )
    rpe: Rpe | None = Field(default=None, description="session RPE (CR-10) of the activity")
    note: Note | None = None

    @model_validator(mode="after")
    def _something(self) -> CheckinIn:
        given = (self.pain_during, self.pain_after, self.pain_next_morning, self.rpe)
        if all(v is None for v in given):
            raise ValueError("a check-in needs a pain value (0-10) or a session RPE")
        if self.rpe is not None and self.activity_id is None:
            raise ValueError("a session RPE belongs to an activity: give activity_id")
        return self


class RunOut(OutModel):
    """The run a check-in refers to, as the page shows it."""

    activity_id: int
    date: Day = Field(description="the athlete's local day of the run")
    sport: str
    name: str | None
    distance_km: float
    minutes: float = Field(description="moving time, else elapsed time (what sRPE multiplies)")
    pace: str | None = Field(description="average pace, M:SS per km")
    rpe: float | None
    srpe: float | None = Field(description="RPE x minutes (AU); null without an RPE")


class EntryOut(OutModel):
    date: Day
    pain_during: int | None
    pain_after: int | None
    pain_next_morning: int | None
    note: str | None


class LimitOut(OutModel):
    """One line of what the athlete may do next."""

    dimension: str
    text: str
    next_run: float | None
    unit: str
    binding: str | None = Field(
        None, description="on a plan: what sets next_run, the plan's caps or a limit of the rules"
    )
    flat: bool = Field(
        False, description="climbing on a plan that avoids hills: next_run is its flat allowance"
    )


class CheckinView(OutModel):
    """What the check-in page shows: the run, what is still to give, the limits."""

    athlete_id: int
    athlete: str
    today: Day
    run: RunOut | None = Field(description="the latest run of the last 3 days (null: none)")
    entry: EntryOut | None = Field(description="the symptom entry of the run's day, if any")
    ask_after_run: bool = Field(description="pain during/after and RPE for `run` are missing")
    ask_morning: bool = Field(
        description="today is the morning after `run` and pain on waking is missing"
    )
    on_plan: bool
    limits: list[LimitOut] = Field(description="today's plan caps or the next run's limits")
    limits_note: str


class CheckinOut(OutModel):
    date: Day
    entry: EntryOut | None
    run: RunOut | None


class ActivityRpeIn(InModel):
    rpe: Rpe | None = Field(description="session RPE (CR-10); null clears it")


class ActivityEffortOut(OutModel):
    activity_id: int
    date: Day
    rpe: float | None
    minutes: float
    srpe: float | None


class CheckinLinkIn(InModel):
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="e.g. 'Anna's phone'"
    )


class CheckinLinkOut(OutModel):
    id: int
    athlete_id: int
    label: str | None
    created_at: UtcDatetime
    last_used_at: UtcDatetime | None
    revoked_at: UtcDatetime | None
    active: bool


class CheckinLinkCreated(CheckinLinkOut):
    token: str = Field(description="shown once; only its SHA-256 is stored")
    path: str = Field(description="the personal link, relative to the server's address")


class CheckinLinkPage(Page):
    data: list[CheckinLinkOut]
