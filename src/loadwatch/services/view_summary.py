"""The summary of an athlete's view (services/views.py): what the full evaluation
(``views.compute``) and the roll from the stored view (``services/roll.py``) both store, built
in one place from today's load row, today's headroom and the week rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import polars as pl

from loadwatch.analytics.schema import DIMENSIONS, UNITS
from loadwatch.rounding import out_number
from loadwatch.rules.flare_limit import flare_limit
from loadwatch.rules.headroom import Headroom
from loadwatch.rules.spike_limit import SpikeFlag, spike_caps
from loadwatch.schemas.fitness import FitnessOut
from loadwatch.schemas.status import (
    REPORT_WEEKS,
    DimensionStatus,
    FastThresholdOut,
    Summary,
    WeekKm,
    WeekRow,
)
from loadwatch.services.inputs import EvaluationInputs
from loadwatch.services.out_frames import out_frame
from loadwatch.services.rehab import dashboard_mark, follow_plan, rehab_status, verdict
from loadwatch.services.step_back import (
    current_spikes,
    follow_flare,
    follow_spike,
    held_limits,
    only_step_back,
    step_back_words,
)


def summary_from(
    inp: EvaluationInputs,
    row: dict[str, object],
    rooms: dict[str, Headroom],
    weeks: pl.DataFrame,
    fit: FitnessOut | None,
    last_activity: date | None,
    last_run: date | None,
    report: list[WeekRow] | None = None,
    spikes: Sequence[SpikeFlag] | None = None,
    weekly: list[WeekKm] | None = None,
) -> Summary:
    """The summary as of ``inp.today`` from that day's load row (``{dim}_acute_ewma``...),
    headroom per dimension and the week rows (``report``: the report's weeks when the caller
    has them, ``report_weeks`` of those rows; ``spikes``: the stored spike flags of the last
    days when the caller knows they are the rules' (a roll changes no flag), else the rules
    judge them; ``weekly``: ``weekly_distance(weeks)`` when the caller has it)."""
    dims: list[DimensionStatus] = []
    for dim in DIMENSIONS:
        h = rooms.get(dim)
        dims.append(
            DimensionStatus(
                dimension=dim,
                unit=UNITS[dim],
                last_7d=(out_number(h.week_value) or 0.0) if h else 0.0,
                # The weekly ramp's own numbers: the same as a flag on this window would carry.
                chronic_week=out_number(h.ramp_own if h else None),
                ratio_7_28=out_number(h.ramp_ratio if h else None),
                judged_week=out_number(h.ramp_baseline if h else None),
                acute_ewma=out_number(row.get(f"{dim}_acute_ewma")),
                chronic_ewma=out_number(row.get(f"{dim}_chronic_ewma")),
                ewma_ratio=out_number(row.get(f"{dim}_ewma_ratio")),
                monotony=out_number(row.get(f"{dim}_monotony")),
                strain=out_number(row.get(f"{dim}_strain")),
                headroom_week=h.week_room if h else None,
                week_limit=h.week_limit if h else None,
                headroom_run=h.next_run_limit if h else None,
                headroom_note=h.message if h else None,
                headroom_run_alert=h.next_run_alert if h else None,
            )
        )
    # A current spike is not yet a baseline: the next run no more than what it was judged
    # against; after a pain flare the step back bounds them too (a plan's rooms read both).
    plan = verdict(inp) if inp.rehab.plans else None
    caps = (
        spike_caps(spikes, inp.today)
        if spikes is not None
        else current_spikes(inp, plan.quiet if plan else None)
    )
    dims = follow_spike(dims, caps, rooms)
    flare = flare_limit(inp.rehab.responses, inp.today)
    rules_only, dims = dims, follow_flare(dims, flare, rooms)
    # A plan in force bounds the headroom too: the smaller of the plan's and the rules'.
    # Where the plan is the baseline only the step backs bound it (rules.plan_headroom).
    held, held_words = held_limits(flare, caps)
    words = {**held_words, **step_back_words(rules_only, dims, flare)}
    rehab_now = rehab_status(inp, dims, plan, rules_words=words, held=held)
    dims = only_step_back(follow_plan(dims, rehab_now), flare)
    fast = inp.fast
    return Summary(
        as_of=inp.today,
        last_activity_date=last_activity,
        last_run_date=last_run,
        dimensions=dims,
        fast_threshold=FastThresholdOut(
            speed_mps=fast.speed_mps,
            pace_s_per_km=1000.0 / fast.speed_mps if fast.speed_mps else None,
            source=fast.source,
            explanation=fast.explanation,
        ),
        ratios={d: out_number(row.get(f"{d}_ratio")) for d in DIMENSIONS},
        weekly_distance=weekly if weekly is not None else weekly_distance(weeks),
        rehab=rehab_now,
        rehab_mark=dashboard_mark(inp),
        fitness=fit,
        report_weeks=report if report is not None else report_weeks(weeks),
    )


def weekly_distance(weeks: pl.DataFrame) -> list[WeekKm]:
    """The summary's distance of every week of ``weeks``."""
    if not weeks.height:
        return []
    return [
        WeekKm(week=w, distance_km=out_number(km or 0.0) or 0.0)
        for w, km in zip(weeks["week_start"].to_list(), weeks["distance_km"].to_list(), strict=True)
    ]


def report_weeks(weeks: pl.DataFrame) -> list[WeekRow]:
    """The report's last weeks, rounded as the weekly series it would otherwise read."""
    recent = weeks.sort("week_start").tail(REPORT_WEEKS).select(list(WeekRow.model_fields))
    return [WeekRow.model_validate(r) for r in out_frame(recent).iter_rows(named=True)]


def fitness_on(fit: FitnessOut, day: date, row: Mapping[str, object]) -> FitnessOut:
    """The stored fitness moved to ``day``: its basis and profile stand, its three numbers are
    ``row``'s (the day row of ``day``), rounded as every view's numbers."""
    return fit.model_copy(
        update={
            "as_of": day,
            "fitness": out_number(row["fitness"]),
            "fatigue": out_number(row["fatigue"]),
            "form": out_number(row["form"]),
        }
    )
