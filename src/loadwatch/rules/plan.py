"""Return-to-run plans: the rules that speak while one is active (``plan_breach``,
``rest_too_long``) or whenever pain is logged (``pain_response``), judged together.

Pure.  The plan and its caps per day are ``rules.plan_caps``; each rule has its module
(``plan_breach``, ``pain_response``, ``rest_too_long``).  While a plan is active it is the
baseline: on days whose running stays within the caps in a dimension, session_spike,
weekly_ramp and return_after_break are quiet in it (``quiet_frame``, read by
``rules.engine.evaluate``); over a cap, ``plan_breach`` speaks, and the other rules still
judge.  ``PlanSpec`` and ``Caps`` are handed on from here: most callers take them with
``judge``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import polars as pl

from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.pain_response import pain_records
from loadwatch.rules.plan_breach import PlanDay, breach_records, plan_days, quiet_frame
from loadwatch.rules.plan_caps import Caps, PlanSpec, caps_timeline
from loadwatch.rules.response import Response
from loadwatch.rules.rest_too_long import rest_records
from loadwatch.rules.spike_limit import SpikeFlag

PLAN_RULES = ("plan_breach", "pain_response", "rest_too_long")


@dataclass(frozen=True, slots=True)
class PlanVerdict:
    """Everything the plan says for one evaluation: the flags and the quiet (date, dimension)."""

    records: list[FlagRecord]
    quiet: pl.DataFrame
    caps: list[Caps]
    days: list[PlanDay]
    # Per plan, oldest first: its caps on each of its days up to today (the charts' limits).
    timelines: list[tuple[PlanSpec, list[Caps]]] = field(default_factory=list)


def judge(
    plans: Sequence[PlanSpec],
    daily: pl.DataFrame,
    responses: Sequence[Response],
    today: date,
    spikes: Sequence[SpikeFlag] = (),
) -> PlanVerdict:
    """The plan rules over every plan (and pain_response over every response up to today).
    ``spikes``: the spike flags judged so far, when known (``with_spikes``)."""
    records = pain_records([r for r in responses if r.date <= today], spikes)
    quiet = []
    caps: list[Caps] = []
    days: list[PlanDay] = []
    timelines: list[tuple[PlanSpec, list[Caps]]] = []
    for p in plans:
        pd = plan_days(p, daily, responses, today)
        c = caps_timeline(p, responses, today)
        records += breach_records(pd)
        records += rest_records(p, daily, c)
        quiet.append(quiet_frame(pd))
        caps, days = c, pd  # the latest plan's, for status
        timelines.append((p, c))
    q = pl.concat(quiet) if quiet else quiet_frame([])
    records.sort(key=lambda f: (f.date, f.rule, f.dimension))
    return PlanVerdict(records, q, caps, days, timelines)


def with_spikes(
    v: PlanVerdict, responses: Sequence[Response], today: date, spikes: Sequence[SpikeFlag]
) -> PlanVerdict:
    """``v`` with pain_response judged again knowing ``spikes``.  The plan is judged before
    the rules (its quiet days gate them), the spike flags come from the rules: so a flare's
    step back learns of a spike cap afterwards, from the same flags on every path (full,
    incremental, roll), and its sentence is the same on each."""
    pain = pain_records([r for r in responses if r.date <= today], spikes)
    records = [f for f in v.records if f.rule != "pain_response"] + pain
    records.sort(key=lambda f: (f.date, f.rule, f.dimension))
    return replace(v, records=records)


__all__ = ["PLAN_RULES", "Caps", "PlanSpec", "PlanVerdict", "judge", "with_spikes"]
