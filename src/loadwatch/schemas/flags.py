"""The one shape of a flag outside the store, the episode that groups flags, and their lists."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field, computed_field

from loadwatch.clock import UtcDatetime
from loadwatch.rules.evidence import Evidence, evidence
from loadwatch.schemas.base import InModel, Page
from loadwatch.vocabulary import EpisodeStatus, FlagStatus, Severity


class FlagOut(BaseModel):
    """A flag as the API, the CLI, the report, episodes and webhooks show it: the one shape of
    a flag outside the store."""

    id: int
    athlete: str
    athlete_id: int
    date: date
    dimension: str
    rule: str
    severity: Severity
    value: float
    baseline: float
    ratio: float
    threshold: float
    message: str
    status: FlagStatus
    acked_by: int | None
    acked_at: UtcDatetime | None
    created_at: UtcDatetime
    # The rule's own baseline before a floor raised it: what the evidence reads (a spike with
    # nothing before it cites no band), not shown (the message says it in words).
    own_baseline: float | None = Field(default=None, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def evidence(self) -> Evidence:
        """Its grade and the risk of its band (derived from rule and band in one place)."""
        return evidence(self.rule, self.dimension, self.ratio, self.severity, self.own_baseline)


class EpisodeOut(BaseModel):
    """One event a coach is told about, its flags underneath."""

    id: int
    athlete_id: int
    athlete: str
    first: date = Field(description="the first flag's local day")
    last: date = Field(description="the last flag's local day")
    severity: Severity = Field(description="the worst of its flags")
    status: EpisodeStatus
    headline: str = Field(description="the most telling flag's sentence, and what else fired")
    rules: list[str]
    dimensions: list[str]
    reasons: list[str] = Field(description="every flag's sentence, by date")
    flags: list[FlagOut]
    created_at: UtcDatetime
    updated_at: UtcDatetime


class FlagList(Page):
    data: list[FlagOut]


class EpisodeList(Page):
    data: list[EpisodeOut]


class FlagAck(InModel):
    ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] = Field(
        min_length=1, max_length=1000, description="flag ids to acknowledge"
    )
