"""One dimension of an athlete's status: the 7-day load, its ratios and its headroom (what
``services.views`` computes and a plan in force bounds, ``services.rehab``)."""

from __future__ import annotations

from pydantic import BaseModel


class DimensionStatus(BaseModel):
    dimension: str
    unit: str
    last_7d: float  # sum of the 7 days ending today
    chronic_week: float | None  # mean week of the 28 days before those 7
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
