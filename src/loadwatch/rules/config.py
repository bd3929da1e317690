"""Rule thresholds: DESIGN.md defaults, overridable per athlete (``Athlete.thresholds``).

Floors.  Every rule compares a value with a baseline, and a tiny baseline makes any ratio huge
(a 3 km jog after a month of 1 km jogs is "3×").  Each rule therefore has, per dimension, a
*minimum baseline*: when the athlete's own baseline is below it, the floor is used instead, and
the flag reports that floored baseline.  This keeps real jumps from a small base visible (a new
runner going from 2 km to 6 km is still flagged: 6 / 3 = 2×) while a few hundred metres never
alarm.  Defaults:

=====================  ===============  ==============  ==============  ==============
rule                   distance         speed (fast)    hills (climb)   uphill (km)
=====================  ===============  ==============  ==============  ==============
session_spike          3 km single run  2 km single run 100 m single run 1 km single run
weekly_ramp            10 km / week     3 km / week     300 m / week    3 km / week
return_after_break     10 km / week     3 km / week     300 m / week    3 km / week
monotony               10 km in 7 days  (distance only by default)
=====================  ===============  ==============  ==============  ==============

For ``monotony`` the floor is a minimum 7-day load below which the rule does not run (a week of
three 2 km jogs is not "monotonous training").

Overrides are a nested mapping, e.g. ``{"session_spike": {"caution": 1.2, "floors":
{"distance": 5}}, "monotony": {"enabled": false}}``; unknown keys or impossible values raise
``InvalidRequest``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from loadwatch.errors import InvalidRequest

Dimension = Literal["distance", "speed", "hills", "uphill"]
ALL_DIMENSIONS: tuple[Dimension, ...] = ("distance", "speed", "hills", "uphill")


def _floors(values: dict[str, float]) -> dict[Dimension, float]:
    return {k: v for k, v in values.items() if k in ALL_DIMENSIONS}


# Both week-based rules compare a week of load, so they share one minimum week.
_WEEK_FLOORS = {"distance": 10.0, "speed": 3.0, "hills": 300.0, "uphill": 3.0}


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    caution: float = Field(gt=0)
    alert: float | None = Field(default=None, gt=0)
    dimensions: tuple[Dimension, ...] = ALL_DIMENSIONS
    floors: dict[Dimension, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.alert is not None and self.alert <= self.caution:
            raise ValueError(f"alert ({self.alert}) must be above caution ({self.caution})")
        if any(v < 0 for v in self.floors.values()):
            raise ValueError("floors cannot be negative")
        return self

    def floor(self, dim: str) -> float:
        return next((v for k, v in self.floors.items() if k == dim), 0.0)

    def caution_for(self, dim: str) -> float:
        """The caution line of ``dim`` (the rule's ``caution`` unless a dimension has its own)."""
        return self.caution


class SessionSpike(_Rule):
    """One run vs the largest single run of the previous ``window_days`` (that day excluded).
    Needs ``window_days`` of history (the daily frame starts ``window_days`` before the run).

    Bands of Frandsen et al. 2025 (``rules.evidence``): the caution line is their first band
    (10 % over the 30-day longest run), the alert line their highest (> 100 %).  Frandsen
    measured distance; in fast running and climbing, which vary from session to session by
    more than 10 % in ordinary training, the caution starts at their second band (30 %:
    ``dimension_caution``)."""

    caution: float = Field(default=1.10, gt=0)
    # Frandsen 2025's highest band (> 100 % over the 30-day longest): the only alert line.
    alert: float | None = Field(default=2.0, gt=0)
    dimension_caution: dict[Dimension, float] = Field(
        default_factory=lambda: _floors({"speed": 1.3, "hills": 1.3, "uphill": 1.3})
    )
    window_days: int = Field(default=30, ge=7, le=365)
    # Fast km: 2 km in one run (a parkrun's fast finish, a short tempo) is not yet a session
    # that "more than twice" can be judged against.
    floors: dict[Dimension, float] = Field(
        default_factory=lambda: _floors(
            {"distance": 3.0, "speed": 2.0, "hills": 100.0, "uphill": 1.0}
        )
    )

    @model_validator(mode="after")
    def _check_dimensions(self) -> Self:
        for dim, c in self.dimension_caution.items():
            if c <= 0:
                raise ValueError(f"dimension_caution {dim} ({c}) must be above 0")
        return self

    def caution_for(self, dim: str) -> float:
        # Never above the alert line: an alert drawn lower by a coach wins.
        own = next((v for k, v in self.dimension_caution.items() if k == dim), self.caution)
        return own if self.alert is None else min(own, self.alert)


class WeeklyRamp(_Rule):
    """The ``acute_days`` ending a running day vs the mean ``acute_days`` block of the
    ``chronic_days`` before them.  Needs ``acute_days + chronic_days`` of history.  To give one
    flag per episode, not one per run, a day is flagged only when its severity is higher than
    on every day of the previous ``quiet_days`` (a new episode or an escalation to alert)."""

    # Contested (rules.evidence): never an alert, so no alert line; it speaks only when the
    # week is twice the usual, once per 14 days (at 1.3 and 1.5 it alone made 16 and 13 flag
    # clusters a year per competitive runner on ordinary training: docs/rules.md).
    caution: float = Field(default=2.0, gt=0)
    alert: float | None = Field(default=None, gt=0)
    acute_days: int = Field(default=7, ge=1, le=28)
    chronic_days: int = Field(default=28, ge=7, le=120)
    quiet_days: int = Field(default=14, ge=0, le=60)
    floors: dict[Dimension, float] = Field(default_factory=lambda: _floors(_WEEK_FLOORS))


class ReturnAfterBreak(_Rule):
    """After ``break_days`` or more without running: cumulative load of the first
    ``return_days`` back vs the mean week of the ``pre_break_days`` before the break.  Flags
    the first running day each severity is crossed.  Needs ``pre_break_days`` of history
    before the break."""

    caution: float = Field(default=0.5, gt=0)
    alert: float | None = Field(default=0.8, gt=0)
    break_days: int = Field(default=14, ge=7, le=365)
    return_days: int = Field(default=7, ge=1, le=28)
    pre_break_days: int = Field(default=28, ge=7, le=120)
    floors: dict[Dimension, float] = Field(default_factory=lambda: _floors(_WEEK_FLOORS))


class Monotony(_Rule):
    """Foster monotony of the daily loads of the ``window_days`` ending a running day; the floor
    is the minimum load over those days.  Distance only by default: fast km and climbing come
    in a few sessions a week, so their day-to-day spread is large by nature and says nothing
    about sameness.  Same once-per-episode rule as ``weekly_ramp``."""

    # Weak evidence (Foster 1998; rules.evidence): off unless a coach turns it on.
    enabled: bool = False
    caution: float = Field(default=2.0, gt=0)
    alert: float | None = Field(default=None, gt=0)
    window_days: int = Field(default=7, ge=3, le=28)
    quiet_days: int = Field(default=7, ge=0, le=60)
    dimensions: tuple[Dimension, ...] = ("distance",)
    floors: dict[Dimension, float] = Field(default_factory=lambda: _floors({"distance": 10.0}))


class RuleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    session_spike: SessionSpike = Field(default_factory=SessionSpike)
    weekly_ramp: WeeklyRamp = Field(default_factory=WeeklyRamp)
    return_after_break: ReturnAfterBreak = Field(default_factory=ReturnAfterBreak)
    monotony: Monotony = Field(default_factory=Monotony)

    @classmethod
    def from_overrides(cls, overrides: Mapping[str, Any] | None = None) -> RuleConfig:
        """Defaults with an athlete's overrides laid over them (floors merge per dimension)."""
        base = cls().model_dump()
        for rule, values in (overrides or {}).items():
            if rule not in base:
                raise InvalidRequest(
                    f"unknown rule {rule!r} in thresholds (known: {', '.join(base)})"
                )
            if not isinstance(values, Mapping):
                raise InvalidRequest(f"thresholds for {rule!r} must be a mapping")
            merged = dict(base[rule])
            for k, v in values.items():
                if k == "floors" and isinstance(v, Mapping):
                    merged["floors"] = {**merged["floors"], **v}
                else:
                    merged[k] = v
            base[rule] = merged
        try:
            return cls.model_validate(base)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise InvalidRequest(f"invalid threshold {where}: {err['msg']}") from e


_CONFIGS: dict[str, RuleConfig] = {}
_CONFIGS_KEPT = 1024


def athlete_config(overrides: Mapping[str, Any] | None) -> RuleConfig:
    """``RuleConfig.from_overrides``, built once per distinct set of overrides: most athletes
    share the defaults, and validating the model per athlete per request cost a dashboard
    a millisecond an athlete.  The model is frozen, so sharing it is safe."""
    key = json.dumps(overrides or {}, sort_keys=True, default=str)
    config = _CONFIGS.get(key)
    if config is None:
        if len(_CONFIGS) >= _CONFIGS_KEPT:
            _CONFIGS.clear()
        config = _CONFIGS[key] = RuleConfig.from_overrides(overrides)
    return config
