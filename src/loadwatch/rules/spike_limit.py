"""The next run after a flagged spike: not above what the spike was judged against.

Pure.  ``session_spike`` compares a run with the longest of the 30 days before it; the day
after a spike that run *is* the longest, so the rules alone offer 1.1 × the spike itself (Spiky
Sara: a 30.8 km run flagged +40 % over 22.0 km, then "next run up to 33.9 km"), and the
over-limit sentence names a "usual" run the spike made up (the mean running day of 28 days
holding it).  The load of a spike is not yet tolerated load: a coach goes back to what the
runner had absorbed before it.  So while a spike flag is current (``CURRENT_DAYS``, the same
days a flare's step back stands, ``rules.flare_limit``) the next run of its dimension is at most
the baseline that flag was judged against (the pre-spike longest run, its floor or its
pre-break capacity, as the flag's sentence says), shown as the flag shows it (0.1 km, 1 m).

A comeback run that is also a spike is one event: while ``return_after_break`` judges the
days after a break, a spike no more severe than the return is not flagged on its own
(``rules.engine``).  The return's flag of that day carries the spike's run and baseline
(``spike_value``, ``spike_baseline``) and caps the next run the same way (trial 10 F3: a
return *alert* had swallowed the cap a return *caution* left standing, so the more worrying
comeback got the looser advice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from loadwatch.analytics.schema import UNITS
from loadwatch.rounding import half_up
from loadwatch.rules.episodes import CURRENT_DAYS, is_current
from loadwatch.rules.messages import amount, day_name, recordings_in, tomorrow

SPIKE_RULE = "session_spike"
# The pre-flight check's finding for a planned run above a current spike's cap: the same limit
# status offers ("next run up to 22.0 km until ..."), so a coach gets one answer.
STEP_BACK_RULE = "spike_step_back"
RETURN_RULE = "return_after_break"

# What the next run is limited in, and a run of that size, per dimension.
_SINGLE = {
    "distance": "run",
    "speed": "fast running in one run",
    "hills": "climb in one run",
    "uphill": "uphill running in one run",
}
_A_RUN = {
    "distance": "a run",
    "speed": "fast running",
    "hills": "a climb",
    "uphill": "uphill running",
}


class SpikeFlag(Protocol):
    """What the limit needs of a flag: ``rules.engine.FlagRecord`` has it."""

    @property
    def date(self) -> date: ...
    @property
    def rule(self) -> str: ...
    @property
    def dimension(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def baseline(self) -> float: ...
    @property
    def spike_value(self) -> float | None: ...
    @property
    def spike_baseline(self) -> float | None: ...
    @property
    def message(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SpikeCap:
    dimension: str
    day: date  # the flagged run's day
    value: float  # the flagged run's amount
    cap: float  # what it was judged against, as shown: the next run's limit
    until: date  # the last day the spike is current
    # "two recordings, 1 min apart" when the spiked run was several (its flag says so).
    recordings: str | None = None


def _shown(value: float, unit: str) -> float:
    # The number the flag's sentence prints ("6.0 km" for 5.999): the limit names the same one.
    return half_up(value, 0 if unit == "m" else 1)


def carries_spike(f: SpikeFlag) -> bool:
    """A flag that caps the next run: a spike's, or a return's that carried one."""
    return f.rule == SPIKE_RULE or (
        f.rule == RETURN_RULE and f.spike_value is not None and f.spike_baseline is not None
    )


def spike_caps(flags: Sequence[SpikeFlag], today: date) -> dict[str, SpikeCap]:
    """Per dimension with a current ``session_spike`` flag (or a return's flag that carried
    a spike) on or before ``today``: the cap of the one judged against the least (several
    spikes in a fortnight: the first one's baseline, which the later ones' include)."""
    out: dict[str, SpikeCap] = {}
    for f in flags:
        if not carries_spike(f) or not is_current(f.date, today):
            continue
        unit = UNITS[f.dimension]
        # A return's own numbers are the load since the return and the pre-break week: the
        # spike it carried is the run and what it was judged against.
        spike = f.rule == SPIKE_RULE
        value = f.value if spike else f.spike_value
        judged = f.baseline if spike else f.spike_baseline
        assert value is not None and judged is not None  # carries_spike
        cap = SpikeCap(
            dimension=f.dimension,
            day=f.date,
            value=value,
            cap=_shown(judged, unit),
            until=f.date + timedelta(days=CURRENT_DAYS - 1),
            recordings=recordings_in(f.message),
        )
        held = out.get(f.dimension)
        if held is None or cap.cap < held.cap:
            out[f.dimension] = cap
    return out


def say_carried_spike(message: str, f: SpikeFlag) -> str:
    """A return's flag that carried a spike says so, with the cap it sets: no spike flag is
    stored for that run, and a coach who reads "Sunday's 12.3 km was a spike" in the next
    run's limit must find that spike in a flag (trial 12 F8)."""
    if f.rule != RETURN_RULE or f.spike_value is None or f.spike_baseline is None:
        return message
    unit = UNITS[f.dimension]
    cap = _shown(f.spike_baseline, unit)
    until = f.date + timedelta(days=CURRENT_DAYS - 1)
    return (
        f"{message} {day_name(f.date)}'s {amount(f.spike_value, unit)} was also a spike over "
        f"{amount(cap, unit)}: no {_SINGLE[f.dimension]} over {amount(cap, unit)} until "
        f"{day_name(until)} {until}."
    )


def _why(c: SpikeCap) -> str:
    unit = UNITS[c.dimension]
    several = f" ({c.recordings})" if c.recordings else ""
    return (
        f"{day_name(c.day)}'s {amount(c.value, unit)}{several} was a spike over "
        f"{amount(c.cap, unit)}, not yet a baseline"
    )


def over_cap_words(c: SpikeCap) -> str:
    """What the pre-flight check says of a planned run above ``c``: the status sentence's
    limit and its reason ("over the step-back cap of 22.0 km until Saturday 2026-11-28:
    Sunday's 30.8 km was a spike over 22.0 km, not yet a baseline")."""
    unit = UNITS[c.dimension]
    return (
        f"over the step-back cap of {amount(c.cap, unit)} for {_A_RUN[c.dimension]} until "
        f"{day_name(c.until)} {c.until}: {_why(c)}"
    )


def spike_note(
    c: SpikeCap,
    head: str,
    run: float,
    week: float | None,
    *,
    rest: bool,
    fits_on: date | None = None,
) -> str:
    """The headroom sentence of ``c``'s dimension while the spike is current.  ``head``: the
    rules' 7-day part ("Distance: 90.5 km in the last 7 days (usual week 60.2 km)");
    ``run``, ``week``: the limits in force; ``rest``: the rules ask for rest tomorrow (not
    even half a usual run fits), and ``fits_on`` is the day the rules' usual run fits again
    (said of the capped run instead: the usual is the one the spike made up)."""
    unit = UNITS[c.dimension]
    until = f"until {day_name(c.until)} {c.until}"
    parts = [head]
    if rest:
        parts.append(tomorrow(c.dimension, run, unit))
        then = f"{_A_RUN[c.dimension]} up to {amount(c.cap, unit)}"
        if fits_on is not None:
            parts.append(f"{then} fits again by {day_name(fits_on)}, no more {until}: {_why(c)}")
        else:
            parts.append(f"then no {_SINGLE[c.dimension]} over {amount(c.cap, unit)} {until}")
            parts[-1] += f": {_why(c)}"
        return "; ".join(parts) + "."
    parts.append(f"next {_SINGLE[c.dimension]} up to {amount(run, unit)} {until}: {_why(c)}")
    if week is not None:
        parts.append(
            f"up to {amount(week, unit)} more over the next 7 days"
            if week > 0
            else "nothing more over the next 7 days"
        )
    return "; ".join(parts) + "."
