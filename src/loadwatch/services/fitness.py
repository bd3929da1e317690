"""The fitness / fatigue / form of an athlete's view (docs/hr-load.md): from the same inputs
the rules judge, so the chart and the series agree with everything else."""

from __future__ import annotations

import polars as pl

from loadwatch.analytics.fitness import (
    FATIGUE_DAYS,
    FITNESS_DAYS,
    daily_impulses,
    fitness_frame,
)
from loadwatch.analytics.trimp import HrProfile
from loadwatch.rounding import out_number
from loadwatch.schemas.fitness import FitnessOut, HrProfileOut
from loadwatch.services.inputs import EvaluationInputs


def hr_out(profile: HrProfile | None) -> HrProfileOut | None:
    if profile is None:
        return None
    return HrProfileOut(
        resting_hr=profile.rest_bpm,
        max_hr=profile.max_bpm,
        sex=profile.sex,
        hr_source=profile.source,
        rest_source=profile.rest_source,
        max_source=profile.max_source,
    )


def compute(inp: EvaluationInputs) -> tuple[pl.DataFrame | None, FitnessOut | None]:
    """The day rows' ``fitness_load, fitness, fatigue, form`` over the daily frame's days, and
    what they are made of (TRIMP, else sRPE, else km); (None, None) without a day."""
    daily = inp.daily
    if daily.is_empty():
        return None, None
    first, last = daily["date"].min(), daily["date"].max()
    impulses, basis = daily_impulses(
        inp.activities,
        tz=inp.athlete.timezone,
        first=first,  # type: ignore[arg-type]
        last=last,  # type: ignore[arg-type]
        srpe=inp.srpe,
    )
    frame = fitness_frame(impulses)
    at = frame.filter(pl.col("date") == inp.today)
    row = at.row(0, named=True) if at.height else {}
    out = FitnessOut(
        as_of=inp.today,
        source=basis.source,
        unit=basis.unit,
        imputed=basis.imputed,
        fitness_days=FITNESS_DAYS,
        fatigue_days=FATIGUE_DAYS,
        fitness=out_number(row.get("fitness")),
        fatigue=out_number(row.get("fatigue")),
        form=out_number(row.get("form")),
        hr=hr_out(inp.hr) if basis.source == "trimp" else None,
        hr_change=inp.hr_change if basis.source == "trimp" else None,
    )
    return frame, out
