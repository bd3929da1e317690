"""Where an athlete's session RPE load stands, as their status shows it (docs/rules.md,
'Session RPE').  Apart from ``schemas/checkin.py`` (the check-in's requests and views) so that a
status builds only the models it validates (issue #19: a data command's start-up)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from loadwatch.schemas.base import OutModel


class EffortStatus(OutModel):
    """Session RPE load as context (never an alert): docs/rules.md, 'Session RPE'."""

    last_7d: float = Field(description="sRPE (AU) of the 7 days ending today")
    chronic_week: float | None = Field(description="the mean week of the 28 days before")
    ratio_7_28: float | None
    monotony: float | None
    strain: float | None
    sessions_7d: int = Field(description="sessions with an RPE in the 7 days")
    runs_without_rpe_7d: int = Field(description="runs of the 7 days with no RPE given")
    grade: Literal["strong", "moderate", "contested", "weak"]
    note: str
