"""What the coach's triage answers."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from loadwatch.clock import UtcDatetime
from loadwatch.schemas.rehab_status import RehabMark
from loadwatch.vocabulary import Severity


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class SeverityCounts(_Row):
    caution: int = 0
    alert: int = 0


class WeekDistance(_Row):
    week: date = Field(description="the local Monday the week starts on")
    distance_km: float


class RampLimits(_Row):
    caution: float = Field(description="weekly_ramp caution ratio (the last 7 days / usual week)")
    alert: float | None


class EpisodeBrief(_Row):
    """A live episode as the triage lists it (the whole of it: GET .../episodes)."""

    id: int
    first: date
    last: date
    severity: Severity
    status: str
    headline: str
    dimensions: list[str]
    reasons: int = Field(description="how many flags it holds")
    acknowledged: int = Field(
        default=0,
        description="how many of those flags a coach has acknowledged: they stay reasons "
        "(the episode is the record of the event), answered",
    )


class DashboardRow(_Row):
    evaluating: bool = Field(
        default=False,
        description="true: an evaluation is pending for the athlete, or the row was computed "
        "on an earlier day than the athlete's today; its numbers are as of `today`, not "
        "current (a row never evaluated carries no numbers at all)",
    )
    athlete_id: int
    name: str
    severity: Severity | None = Field(
        description="the worst current open flag; null = quiet (nothing current)"
    )
    reason: str | None = Field(description="the most important current flag's sentence")
    reason_flag_id: int | None
    dimensions: list[str] = Field(description="dimensions with a current open flag")
    alerts: int = Field(description="current open alerts (flags of the last 14 local days)")
    cautions: int = Field(description="current open cautions")
    open_flags: dict[str, SeverityCounts] = Field(description="current open flags per dimension")
    older_open: int = Field(
        description="open flags older than the current window: history, not today's concern"
    )
    ratios: dict[str, float | None] = Field(
        description="per dimension, the 7 days over the usual week as the weekly ramp judges "
        "it (floors and breaks included): status ratio_7_28"
    )
    max_ratio: float | None
    headroom_run: dict[str, float | None] = Field(
        description="per dimension, the largest next single run before a caution (km, km, m)"
    )
    units: dict[str, str] = Field(description="unit per dimension")
    ramp_limits: RampLimits
    today: date = Field(description="the athlete's local today the row is computed for")
    last_activity_id: int | None
    last_activity_at: UtcDatetime | None
    last_run_date: date | None = Field(description="local day of the last run")
    days_since_last_run: int | None
    last_upload_at: UtcDatetime | None
    days_since_last_upload: int | None = Field(
        description="local days since a file was last received (0 when after the as-of day)"
    )
    stale: bool = Field(description="no upload for STALE_DAYS days (or never)")
    weekly_distance: list[WeekDistance] = Field(description="the last 8 weeks, oldest first")
    episodes: list[EpisodeBrief] = Field(
        description="live episodes (open or acknowledged), newest first: one event, one line"
    )
    rehab: RehabMark | None = Field(
        default=None, description="return-to-run plan and latest pain (docs/rehab.md)"
    )


class Dashboard(_Row):
    data: list[DashboardRow]
    current_days: int = Field(description="a flag is current when dated within this many days")
    stale_days: int
    limit: int | None = Field(default=None, description="at most this many rows per page")
    next_cursor: str | None = Field(
        default=None,
        description="pass as `cursor` for the next page; null on the last page",
    )
    older_activities: int = Field(
        default=0,
        description="activities of this page's athletes whose figures an older version of "
        "loadwatch derived (a store upgraded from it): `loadwatch reprocess` re-derives them "
        "from their kept files; status says so per athlete (`reprocess_note`)",
    )
