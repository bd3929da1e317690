"""``pain_response``: irritated → caution, flare → alert, whenever pain is logged (a plan active
or not), each naming the run before it and what to do.  Pure."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.messages import amount, day_name
from loadwatch.rules.plan_caps import (
    FAST_ALLOWANCE_KM,
    FLAT_M_PER_KM,
    NOTHING_TOLERATED,
    STEP_BACK_SHARE,
    run_words,
)
from loadwatch.rules.response import SETTLED_MAX, Response, last_tolerated
from loadwatch.rules.spike_limit import SpikeCap, SpikeFlag, spike_caps
from loadwatch.vocabulary import ALERT, CAUTION


def _kind(run: dict[str, float]) -> str:
    words = []
    if run["hills"] > FLAT_M_PER_KM * run["distance"]:
        words.append("hilly")
    if run["speed"] > FAST_ALLOWANCE_KM:
        words.append("fast")
    return f"{amount(run['distance'], 'km')} {' '.join(words) + ' ' if words else ''}run"


def settled_by_morning(r: Response) -> bool:
    """The entry's own next morning is back to ``SETTLED_MAX`` or less (a flare that settled
    overnight)."""
    nm = r.symptom.pain_next_morning
    return nm is not None and nm <= SETTLED_MAX


def _spike_cap(spikes: Sequence[SpikeFlag], day: date) -> SpikeCap | None:
    """The distance cap of a spike current on ``day`` (``rules.spike_limit``), if any."""
    return spike_caps([f for f in spikes if f.date <= day], day).get("distance")


def _capped(c: SpikeCap) -> str:
    return f"{amount(c.cap, 'km')}, the step-back cap after {day_name(c.day)}'s spike"


def pain_records(
    responses: Sequence[Response], spikes: Sequence[SpikeFlag] = ()
) -> list[FlagRecord]:
    """Irritated → caution, flare → alert, each naming the run before it and what to do.

    ``spikes``: the spike flags (and returns that carried one) judged so far.  A flare's step
    back names the limit the runner may actually run: where a spike current on the flare's
    day caps the next run lower than the step back, that cap (status, the dashboard and the
    check-in page apply the smaller of the two; trial 11 F5)."""
    out = []
    for r in responses:
        if r.state == "settled":
            continue
        load = r.load
        if load is None:
            after = f"on {day_name(r.date)}, with no run that day or the day before"
        elif load.day == r.date:
            after = f"{r.when} {day_name(load.day)}'s {_kind(load.run)}"
            if r.when == "during":
                after = f"during {day_name(load.day)}'s {_kind(load.run)}"
        else:
            after = f"the day after {day_name(load.day)}'s {_kind(load.run)}"
        if r.rising:
            head = f"Pain rising over three entries ({' → '.join(map(str, r.rising))}/10), "
            head += f"the latest {after}"
        elif r.state == "irritated" and r.reference is not None and r.worst < 4:
            run = f" {day_name(load.day)}'s {_kind(load.run)}" if load is not None else ""
            head = (
                f"Pain the morning after{run} was worse than the morning before "
                f"({r.symptom.pain_next_morning} vs {r.reference}/10)"
            )
        else:
            head = f"Pain {r.worst}/10 {after}"
        if r.state == "flare":
            ok = last_tolerated([x for x in responses if x.date < r.date], r.date)
            cap = _spike_cap(spikes, r.date)
            if ok is not None and ok.load is not None:
                tail = f"step back to {run_words(ok.load.run)}, the last load you tolerated"
                if cap is not None and cap.cap < ok.load.run["distance"]:
                    tail += f", and no run over {_capped(cap)}"
            elif load is not None:
                # A quarter of what, in km: the figure the limits offer (rules.flare_limit).
                km = math.floor(STEP_BACK_SHARE * load.run["distance"] * 10 + 1e-9) / 10
                if cap is not None and cap.cap < km:
                    tail = f"step back to runs of up to {_capped(cap)} ({NOTHING_TOLERATED})"
                else:
                    tail = (
                        f"step back by a quarter, to runs of up to {amount(km, 'km')} "
                        f"({NOTHING_TOLERATED})"
                    )
            elif settled_by_morning(r):
                # The entry itself says the rest is over (trial 9, F23): no "until 3/10".
                tail = (
                    f"it had settled to {r.symptom.pain_next_morning}/10 by the next morning, "
                    "so start again easy and short, and see a clinician if it flares again"
                )
            else:
                tail = (
                    f"rest from running until it is back to {SETTLED_MAX}/10 or less, and see "
                    "a clinician if it does not settle (no run before it to step back from)"
                )
        else:
            tail = "hold the load (no increase) until it settles under 4/10 by the next morning"
        value = float(r.worst)
        threshold = float(r.threshold)
        out.append(
            FlagRecord(
                date=r.date,
                dimension="pain",
                rule="pain_response",
                severity=ALERT if r.state == "flare" else CAUTION,
                value=value,
                baseline=float(r.reference if r.reference is not None else 3),
                ratio=value / threshold if threshold > 0 else value,
                threshold=threshold,
                message=f"{head}: {tail}.",
            )
        )
    return out
