"""An athlete's status: the load per dimension, the stored view's summary, and the series."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from loadwatch.schemas.base import OutModel
from loadwatch.schemas.effort import EffortStatus
from loadwatch.schemas.fitness import FitnessOut
from loadwatch.schemas.flags import EpisodeOut, FlagOut
from loadwatch.schemas.rehab_status import RehabMark, RehabStatus


class DimensionStatus(BaseModel):
    dimension: str
    unit: str
    last_7d: float  # sum of the 7 days ending today
    chronic_week: float | None  # the usual week: mean week of the 28 days before those 7
    # The ratio a coach is shown everywhere (dashboard ``ratios`` too): the weekly ramp's, the
    # 7 days over ``judged_week``, what a flag on this window would carry.
    ratio_7_28: float | None
    acute_ewma: float | None  # fatigue (per day)
    chronic_ewma: float | None  # fitness (per day)
    ewma_ratio: float | None
    monotony: float | None
    strain: float | None
    headroom_week: float | None  # more in the 7 days ending today before the ramp caution
    week_limit: float | None  # the 7-day load at the ramp caution threshold
    headroom_run: float | None  # largest next single run before the spike caution threshold
    headroom_note: str | None = None  # the sentence for the runner
    # The alert line apart: the largest next run before a rule that may alert would (None:
    # no such rule judges tomorrow).  headroom_run is the caution line.
    headroom_run_alert: float | None = None
    # The week ratio_7_28 is judged against: chronic_week raised to the floor (or pre-break
    # capacity); above chronic_week, a floor stood in (None: a view stored before it).
    judged_week: float | None = None


Period = Literal["day", "week"]


VIEW_VERSION = 10  # 3: the rehab block's chart caps and pain log; 4: fitness / fatigue / form;
# 5: no alert line beside a current flare's step back; 6: a current spike caps the next run
# (rules.spike_limit); 7: under a plan the plan is the baseline of the dimensions it caps,
# only step backs bound it, and a flat plan's climb follows the distance offered; 8: a run in
# recordings minutes apart is one session in the day rows' single-run columns (analytics.daily);
# 9: a return's flag that carried a spike caps the next run as the spike would (revision 0018);
# 10: an alert line below a spike's step back (a return's) is kept (services.step_back)


class FastThresholdOut(BaseModel):
    speed_mps: float | None
    pace_s_per_km: float | None
    source: str
    explanation: str


class WeekKm(BaseModel):
    week: date
    distance_km: float


# The weeks a summary keeps for the report: its default, so that ``loadwatch report`` reads its
# table from the summary; a longer report reads the stored week rows (polars).
REPORT_WEEKS = 12


class WeekRow(BaseModel):
    """One week of the report's table (``report.py``), rounded as a weekly series is."""

    week_start: date
    runs: int
    distance_km: float | None
    fast_km: float | None
    elevation_gain_m: float | None
    longest_run_km: float | None


class Summary(BaseModel):
    """The stored part of a view that status and the triage read."""

    version: int = VIEW_VERSION
    as_of: date
    last_activity_date: date | None
    last_run_date: date | None
    dimensions: list[DimensionStatus]
    fast_threshold: FastThresholdOut
    ratios: dict[str, float | None]  # the load frame's 7:28 ratio per dimension on as_of
    weekly_distance: list[WeekKm]
    rehab: RehabStatus | None = None  # plan caps, what is left, pain (docs/rehab.md)
    rehab_mark: RehabMark | None = None  # what the triage's card shows of it
    fitness: FitnessOut | None = None  # docs/hr-load.md; None without any activity
    # The last REPORT_WEEKS week rows, oldest first (None: stored before they were).
    report_weeks: list[WeekRow] | None = None


class AthleteStatus(BaseModel):
    athlete_id: int
    athlete: str
    timezone: str
    today: date
    last_activity_date: date | None  # any sport
    # The local day of the last run (running sports only): what "last run" and "no runs for
    # N days" mean on every surface (the dashboard's, the check-in's, the rules' breaks).
    last_run_date: date | None = None
    dimensions: list[DimensionStatus]
    open_flags: list[FlagOut]
    # The flags as they stood on ``today``: every flag dated up to it that the rules still
    # raise (open, acknowledged or historic), newest first; a past day's report shows these.
    flags_on_day: list[FlagOut] = []
    # "no runs for 28 days" when the athlete has not run for IDLE_DAYS or more (else None):
    # said instead of any word about load rising safely.
    idle_note: str | None = None
    episodes: list[EpisodeOut]  # live ones (open or acknowledged), newest first
    fast_threshold: FastThresholdOut
    rehab: RehabStatus | None = None  # plan caps, what is left, pain (docs/rehab.md)
    # Session RPE load as context (docs/checkin.md); None when no RPE was ever given.
    effort: EffortStatus | None = None
    # Fitness / fatigue / form today: performance context, not injury risk (docs/hr-load.md).
    fitness: FitnessOut | None = None
    # A change is not evaluated yet (services/pending.py): the flags and episodes are the last
    # evaluation's and may change when it is done; the load numbers are computed now.
    evaluating: bool = False
    # "N activities were derived by an older version of loadwatch; run `loadwatch reprocess`"
    # (ingest/derivation.py): their figures are an older version's until re-derived; None: none.
    reprocess_note: str | None = None


SeriesValue = float | int | str | date | datetime | bool | None


class SeriesOut(OutModel):
    athlete_id: int
    period: Literal["day", "week"]
    columns: list[str]
    data: list[dict[str, SeriesValue]]
    fitness: FitnessOut | None = Field(
        None,
        description="what the day rows' fitness_load, fitness, fatigue and form are made of "
        "(performance context, not injury risk; docs/hr-load.md)",
    )
    # As in AthleteStatus: the rows are computed from what is stored now; the flags are not.
    evaluating: bool = False
