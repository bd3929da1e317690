"""Status headroom after a pain flare (``rules.flare_limit``) or a flagged spike
(``rules.spike_limit``): the rules' limits bounded by the step back and by what the spike was
judged against, so status, report, the check-in page and the triage card, which all read the
summary's ``headroom_run``, offer no more than the flags' advice; and no alert line beside a
step back (``headroom_run_alert``: "Before an alert ... up to 40 km" after a flare on 20 km
reads as leave to run 40), so the step back is the only limit any of them offers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import polars as pl

from loadwatch.analytics.daily import split_runs
from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.schema import UNITS
from loadwatch.rules.engine import evaluate
from loadwatch.rules.episodes import CURRENT_DAYS
from loadwatch.rules.flare_limit import FlareLimit, flare_note, step_back_until, until_words
from loadwatch.rules.headroom import OVER_SHARE, fits_again
from loadwatch.rules.messages import day_name, recordings, tomorrow
from loadwatch.rules.plan_caps import describe_day
from loadwatch.rules.spike_limit import SPIKE_RULE, SpikeCap, spike_caps, spike_note

if TYPE_CHECKING:
    from loadwatch.rules.headroom import Headroom
    from loadwatch.schemas.status import DimensionStatus
    from loadwatch.services.inputs import EvaluationInputs


def _smaller(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def follow_flare(
    dims: list[DimensionStatus],
    limit: FlareLimit | None,
    rooms: Mapping[str, Headroom] | None = None,
) -> list[DimensionStatus]:
    """Each dimension's next run and 7 days, no more than the step back; the sentence names
    the flare where the step back is what binds.  Where the rules already say rest (their
    limit is the smaller) their "a usual ... fits again on <day>" is a promise the step back
    may break: ``rooms`` (the rules' headroom) tell the usual run and its day, and the
    flare's line replaces it when the step back forbids that run on that day (trial 12 F3)."""
    if limit is None:
        return dims
    dims = [_no_usual_promise(d, limit, (rooms or {}).get(d.dimension)) for d in dims]
    out = []
    for d in dims:
        run_cap = limit.run.get(d.dimension)
        week_cap = limit.week.get(d.dimension)
        if run_cap is None or week_cap is None:
            out.append(d)
            continue
        week = _smaller(d.headroom_week, week_cap)
        run = _smaller(_smaller(d.headroom_run, run_cap), week)
        update: dict[str, object] = {"headroom_run": run, "headroom_week": week}
        if run is not None and (d.headroom_run is None or run < d.headroom_run):
            update["headroom_note"] = flare_note(limit, d.dimension, run, week)
        out.append(d.model_copy(update=update))
    return out


def _no_usual_promise(d: DimensionStatus, limit: FlareLimit, h: Headroom | None) -> DimensionStatus:
    """``d`` with the rules' "a usual ... fits again on <day>" replaced by the flare's line
    ("no fast running until Saturday 2026-11-28 (step back ...)") when the step back still
    stands that day and holds the run below the usual one; "no fast running tomorrow" before
    it goes too where the step back allows none either (one line, not two).  Where the usual
    run fits the step back the promise holds, and the step back's ceiling is said after it."""
    dim = d.dimension
    cap = limit.run.get(dim)
    if cap is None or h is None or h.usual_run is None or h.clears_on is None:
        return d
    promise = fits_again(dim, h.usual_run, h.clears_on)
    note = d.headroom_note
    if note is None or promise not in note or step_back_until(limit) < h.clears_on:
        return d
    words = until_words(limit, dim)
    if not limit.rest and cap >= h.usual_run:
        note = note.replace(promise, f"{promise}; {words}")
    else:
        rest = h.next_run_limit
        today = tomorrow(dim, rest, UNITS[dim]) if rest is not None else None
        both = f"{today}; {promise}"
        if rest is not None and (limit.rest or cap <= rest) and both in note:
            note = note.replace(both, words)
        else:
            note = note.replace(promise, words)
    return d.model_copy(update={"headroom_note": note})


def only_step_back(dims: list[DimensionStatus], limit: FlareLimit | None) -> list[DimensionStatus]:
    """No alert line while the step back is current, whoever set it (the rules or a plan)."""
    if limit is None:
        return dims
    return [
        d.model_copy(update={"headroom_run_alert": None}) if d.dimension in limit.run else d
        for d in dims
    ]


def step_back_words(
    before: list[DimensionStatus], after: list[DimensionStatus], limit: FlareLimit | None
) -> dict[str, str]:
    """Per dimension where the step back lowered the next run (``before`` / ``after``
    ``follow_flare``): what a plan's sentence calls that limit, not "the rules' limit"."""
    if limit is None:
        return {}
    words = f"the step back after the pain flare on {describe_day(limit.flare)}"
    return {
        b.dimension: words
        for b, a in zip(before, after, strict=True)
        if a.headroom_run is not None and a.headroom_run != b.headroom_run
    }


def held_limits(
    limit: FlareLimit | None, caps: Mapping[str, SpikeCap]
) -> tuple[dict[str, tuple[float | None, float | None]], dict[str, str]]:
    """The step backs that bound the next run even where a return-to-run plan is the baseline
    (``rules.plan_headroom``'s ``held``): per dimension (the 7 days, the next run) of a
    flare's step back and a current spike's cap, and what a plan's sentence calls them."""
    held: dict[str, tuple[float | None, float | None]] = {}
    words: dict[str, str] = {}
    for dim, c in caps.items():
        held[dim] = (None, c.cap)
        words[dim] = f"the step-back cap after {day_name(c.day)}'s spike"
    if limit is not None:
        for dim, run in limit.run.items():
            week, was = limit.week.get(dim), held.get(dim, (None, None))
            if was[1] is None or run < was[1]:
                words[dim] = f"the step back after the pain flare on {describe_day(limit.flare)}"
            held[dim] = (_smaller(was[0], week), _smaller(was[1], run))
    return held, words


def current_spikes(inp: EvaluationInputs, quiet: pl.DataFrame | None) -> dict[str, SpikeCap]:
    """The spikes current on ``inp.today``, as the engine flags them (``quiet``: the days a
    plan silences the amount rules, ``rules.plan_breach.quiet_frame``)."""
    since = inp.today - timedelta(days=CURRENT_DAYS - 1)
    daily = inp.daily
    recent = daily.filter((pl.col("date") >= since) & (pl.col("date") <= inp.today))
    if recent.is_empty() or not recent["runs"].sum():
        return {}  # no run, no spike: most rolled athletes stop here
    # The spike and the return it hands over to are all that decide a spike flag: the ramp
    # and monotony are not judged here (half the cost).
    c = inp.config
    only = c.model_copy(
        update={
            "weekly_ramp": c.weekly_ramp.model_copy(update={"enabled": False}),
            "monotony": c.monotony.model_copy(update={"enabled": False}),
        }
    )
    fired = evaluate(daily, only, since=since, quiet=quiet)
    caps = spike_caps(fired, inp.today)
    if not caps:
        return caps
    # The engine's sentences do not say a run was several recordings (the evaluation adds
    # that): the cap's step back cites the run as the stored flag does.  Only a spike's own
    # flag says it; a return's flag that carried the spike does not cite the run.
    spiked = {(f.date, f.dimension) for f in fired if f.rule == SPIKE_RULE}
    split = split_sessions(inp, {c.day for c in caps.values() if (c.day, c.dimension) in spiked})
    return {
        dim: replace(c, recordings=recordings(*split[(c.day, dim)][1:]))
        if (c.day, dim) in split and (c.day, dim) in spiked
        else c
        for dim, c in caps.items()
    }


def split_sessions(
    inp: EvaluationInputs, days: Iterable[date]
) -> dict[tuple[date, str], tuple[float, int, float]]:
    """Per (local day, dimension) among ``days``: the day's largest session in the dimension
    when it was several recordings, as (its amount, how many recordings, the longest gap in
    seconds) (``analytics.daily.split_runs``; docs/rules.md, "One run in several
    recordings").  Only a local day of two runs or more can hold one, and a day's sessions
    read that day's runs alone: the others are not read."""
    daily = inp.daily
    several = set(daily["date"].filter(daily["runs"] > 1).to_list())
    wanted = sorted(set(days) & several)
    if not wanted:
        return {}
    tz = inp.athlete.timezone
    acts = inp.activities.filter(local_day_expr(tz).is_in(wanted))
    fast = daily.select("date", pl.col("fast_threshold_mps").alias("fast_speed_mps")).filter(
        pl.col("fast_speed_mps") > 0
    )
    split = split_runs(acts, tz=tz, fast=fast)
    return {(d, dim): (v, n, g) for d, dim, n, g, v in split.iter_rows()}


def _head(note: str | None) -> str | None:
    # The rules' sentence is "<the 7 days>; <the next run>; <the 7 days ahead>.": its first
    # part says what the last 7 days hold, which the spike does not change.
    return note.split("; ", 1)[0].removesuffix(".") if note else None


def follow_spike(
    dims: list[DimensionStatus], caps: dict[str, SpikeCap], rooms: Mapping[str, Headroom]
) -> list[DimensionStatus]:
    """Each dimension with a current spike: its next run no more than what the spike was
    judged against, no alert line (it would offer more than the spike), and a sentence that
    names the cap instead of a "usual" run the spike made up."""
    out = []
    for d in dims:
        c = caps.get(d.dimension)
        h = rooms.get(d.dimension)
        head = _head(d.headroom_note)
        if c is None or h is None or head is None:
            out.append(d)
            continue
        rules_run = d.headroom_run
        run = _smaller(rules_run, c.cap)
        # The alert line is left out where it would offer more than the step back; below it
        # (a return's alert line, trial 12 F1) it is the binding figure and stays.
        alert = d.headroom_run_alert
        kept = alert if alert is not None and alert < c.cap else None
        update: dict[str, object] = {"headroom_run": run, "headroom_run_alert": kept}
        usual = h.usual_run
        rest = rules_run is not None and usual is not None and rules_run < OVER_SHARE * usual
        if run is not None and rest and usual is not None and usual > c.cap:
            update["headroom_note"] = spike_note(
                c, head, run, d.headroom_week, rest=True, fits_on=h.clears_on
            )
        elif run is not None and not rest and (rules_run is None or run < rules_run):
            update["headroom_note"] = spike_note(c, head, run, d.headroom_week, rest=False)
        out.append(d.model_copy(update=update))
    return out
