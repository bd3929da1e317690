"""The next run after a pain flare: the step back ``pain_response`` asks for, as a limit.

Pure.  A flare's alert tells the runner to step back (docs/rehab.md): to the last load
tolerated before it (the latest settled response's run, as ``rules.plan_caps`` steps a plan's
caps back), or, with nothing tolerated on record, by a quarter (``STEP_BACK_SHARE``) below the
run the flare followed.  The headroom of the rules is computed from the load alone and, after
a flare, offers a run larger than the one that flared (the 30-day longest run includes it).
So while the flare is current (``CURRENT_DAYS``, the days its alert stands on the dashboard)
each dimension's next run and 7 days are bounded by those numbers; the same numbers the flag's
sentence gives, so the limit and the advice cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from loadwatch.analytics.schema import DIMENSIONS, UNITS
from loadwatch.rules.episodes import CURRENT_DAYS, is_current
from loadwatch.rules.messages import amount, day_name
from loadwatch.rules.plan_caps import FLAT_M_PER_KM, STEP_BACK_SHARE, describe_day, run_words
from loadwatch.rules.response import SETTLED_MAX, Response, last_tolerated
from loadwatch.rules.spike_limit import SpikeCap
from loadwatch.vocabulary import DIMENSION_HEADING, NO_LOAD

# The pre-flight check's finding for a planned run above the step back in force on its day
# (``rules.preflight``): the limit status offers, in its words, so a coach gets one answer.
FLARE_STEP_BACK_RULE = "flare_step_back"
# A run of that size, and none of it, per dimension (``over_step_back_words``).
_A_RUN = {"distance": "a run", "speed": "fast running", "hills": "a climb", "uphill": "uphill"}
_NONE = {**NO_LOAD, "distance": "no running"}  # a step back to none of it ("rest": the rest case)


@dataclass(frozen=True, slots=True)
class FlareLimit:
    flare: date  # the flaring entry's day
    run: dict[str, float]  # per dimension: the largest next run
    week: dict[str, float]  # per dimension: the most over the next 7 days
    tolerated: bool  # stepping back to a tolerated load (else by a quarter)
    source_day: date  # the run the numbers come from
    source_words: str  # that run in words ("6.0 km flat")
    source_run: dict[str, float]  # that run's own figures
    # Pain with no run that day or the day before and nothing tolerated on record: nothing
    # to step back from, so rest until an entry says it settled (docs/rehab.md).
    rest: bool = False
    # The 7 days to that run, per dimension (what ``week`` is stepped back from).
    source_week: dict[str, float] = field(default_factory=dict)


def _down(value: float, unit: str) -> float:
    # A limit is a promise: rounded down to what is shown (0.1 km, 1 m), never up.
    step = 1.0 if unit == "m" else 0.1
    return round(math.floor(value / step + 1e-9) * step, 3)


def flare_limit(responses: Sequence[Response], today: date) -> FlareLimit | None:
    """The step back in force on ``today`` after the latest flare up to it, or None: no flare,
    or the flare is no longer current.  With neither a tolerated run nor a run before the
    pain to scale, rest (``rest``) until a later entry is settled."""
    flares = [r for r in responses if r.state == "flare" and r.date <= today]
    if not flares:
        return None
    flare = flares[-1]
    if not is_current(flare.date, today):
        return None
    ok = last_tolerated([r for r in responses if r.date < flare.date], flare.date)
    if ok is not None and ok.load is not None:
        load, share, tolerated = ok.load, 1.0, True
    elif flare.load is not None:
        load, share, tolerated = flare.load, STEP_BACK_SHARE, False
    elif any(r.state == "settled" and flare.date < r.date <= today for r in responses):
        return None  # the rest it asked for is over: the pain settled
    elif (m := flare.symptom.pain_next_morning) is not None and m <= SETTLED_MAX:
        return None  # settled by the flare's own next morning (rules.pain_response)
    else:
        none = dict.fromkeys(DIMENSIONS, 0.0)
        return FlareLimit(flare.date, none, dict(none), False, flare.date, "", dict(none), True)
    run = {d: _down(share * load.run[d], UNITS[d]) for d in DIMENSIONS}
    week = {d: _down(share * load.week[d], UNITS[d]) for d in DIMENSIONS}
    if tolerated and load.run["hills"] <= FLAT_M_PER_KM * load.run["distance"]:
        # "step back to 6.0 km flat": flat as the plans mean it (GPS noise, a bridge), not
        # that run's own few metres.
        run["hills"] = _down(FLAT_M_PER_KM * run["distance"], "m")
        week["hills"] = max(week["hills"], _down(FLAT_M_PER_KM * week["distance"], "m"))
    return FlareLimit(
        flare=flare.date,
        run=run,
        week=week,
        tolerated=tolerated,
        source_day=load.day,
        source_words=run_words(load.run),
        source_run=dict(load.run),
        source_week=dict(load.week),
    )


def flare_note(limit: FlareLimit, dim: str, run: float, week: float | None) -> str:
    """The headroom sentence of ``dim`` while the step back binds: ``run`` the next run's
    limit, ``week`` the 7 days' (each the smaller of the step back's and the rules')."""
    unit = UNITS[dim]
    if limit.rest:
        return f"{DIMENSION_HEADING[dim]}: {_rest_words(limit)}."
    basis = _basis(limit, dim)
    what = DIMENSION_HEADING[dim]
    head = f"{what}: step back after the pain flare on {describe_day(limit.flare)}"
    if run <= 0:
        return f"{head}: none in the next run ({basis})."
    text = f"{head}: next run up to {amount(run, unit)} ({basis})"
    if week is not None:
        text += f"; up to {amount(week, unit)} more over the next 7 days"
    return text + "."


def step_back_until(limit: FlareLimit) -> date:
    """The last day the step back stands: the flare's day and the ``CURRENT_DAYS`` - 1 after
    it (a rest ends sooner, on a settled entry)."""
    return limit.flare + timedelta(days=CURRENT_DAYS - 1)


def over_step_back_words(limit: FlareLimit, dim: str, spike: SpikeCap | None = None) -> str:
    """What the pre-flight check says of a planned run above ``limit`` in ``dim``: the status
    sentence's limit and its reason ("over the step back after the pain flare on Saturday
    2026-11-07: a run up to 6.0 km until Friday 2026-11-20 (the last load you tolerated
    (Saturday 2026-10-31: 6.0 km flat))").  ``spike``: a spike's cap current on the run's day;
    where it is lower the limit in force is that cap, named as the flare's alert names it
    (``rules.pain_response``), never the flare's own larger figure beside it."""
    if limit.rest:
        return _rest_words(limit)
    cap = limit.run[dim]
    end = step_back_until(limit)
    unit = UNITS[dim]
    what = f"{_A_RUN[dim]} up to {amount(cap, unit)}" if cap > 0 else _NONE[dim]
    basis = _basis(limit, dim)
    if spike is not None and spike.cap < cap:
        what = (
            f"{_A_RUN[dim]} up to {amount(spike.cap, unit)}, the step-back cap after "
            f"{day_name(spike.day)}'s spike,"
        )
        basis += f": {amount(cap, unit)}"
    return (
        f"over the step back after the pain flare on {describe_day(limit.flare)}: {what} "
        f"until {describe_day(end)} ({basis})"
    )


def until_words(limit: FlareLimit, dim: str) -> str:
    """The flare's limit of ``dim`` to its last day, in the words status says it ("no fast
    running until Saturday 2026-11-28 (step back after the pain flare on Sunday 2026-11-15:
    Sunday's run had none)"): what replaces the rules' "a usual ... fits again on <day>"
    where the step back forbids that usual run."""
    if limit.rest:
        return _rest_words(limit)
    cap = limit.run[dim]
    what = f"{_A_RUN[dim]} up to {amount(cap, UNITS[dim])}" if cap > 0 else _NONE[dim]
    return (
        f"{what} until {describe_day(step_back_until(limit))} (step back after the pain flare "
        f"on {describe_day(limit.flare)}: {_basis(limit, dim)})"
    )


def over_step_back_week_words(
    limit: FlareLimit, dim: str, total: float, first: date, last: date
) -> str:
    """What the pre-flight check says of planned runs whose 7 days (``first`` to ``last``,
    the run judged) come to ``total``, over the 7 days the step back allows: status's "up to
    22.0 km more over the next 7 days", summed over the planned days."""
    unit = UNITS[dim]
    return (
        f"over the step back after the pain flare on {describe_day(limit.flare)}: up to "
        f"{amount(limit.week[dim], unit)} over 7 days until {describe_day(step_back_until(limit))}"
        f" ({_week_basis(limit, dim)}); the runs planned {describe_day(first)} to "
        f"{describe_day(last)} come to {amount(total, unit)}"
    )


def _week_basis(limit: FlareLimit, dim: str) -> str:
    """Where the step back's 7 days come from: the 7 days to the run its numbers come from."""
    unit = UNITS[dim]
    own = limit.source_week.get(dim, 0.0)
    when = f"{day_name(limit.source_day)} {limit.source_day}"
    if limit.tolerated:
        return f"the 7 days to the last load you tolerated ({when}): {amount(own, unit)}"
    return f"a quarter below the 7 days to {when}: {amount(own, unit)}"


def _rest_words(limit: FlareLimit) -> str:
    return (
        f"rest after the pain flare on {describe_day(limit.flare)}: no running until the "
        f"pain is back to {SETTLED_MAX}/10 or less (no run before it to step back from, none "
        "tolerated on record)"
    )


def _basis(limit: FlareLimit, dim: str) -> str:
    """Where the step back's number comes from, as the flag's sentence says it."""
    unit = UNITS[dim]
    own = limit.source_run[dim]
    if limit.tolerated:
        basis = (
            f"the last load you tolerated ({day_name(limit.source_day)} "
            f"{limit.source_day}: {limit.source_words})"
        )
    else:
        basis = f"a quarter below {day_name(limit.source_day)}'s {amount(own, unit)}"
        if own <= 0:
            basis = f"{day_name(limit.source_day)}'s run had none"
    return basis
