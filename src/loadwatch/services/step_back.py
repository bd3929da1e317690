"""Status headroom after a pain flare (``rules.flare_limit``): the rules' limits bounded by the
step back, so status, report, the check-in page and the triage card, which all read the
summary's ``headroom_run``, offer no more than the flare's advice; and no alert line beside it
(``headroom_run_alert``: "Before an alert ... up to 40 km" after a flare on 20 km reads as leave
to run 40), so the step back is the only limit any of them offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loadwatch.rules.flare_limit import FlareLimit, flare_note
from loadwatch.rules.plan_caps import describe_day

if TYPE_CHECKING:
    from loadwatch.schemas.status import DimensionStatus


def _smaller(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def follow_flare(dims: list[DimensionStatus], limit: FlareLimit | None) -> list[DimensionStatus]:
    """Each dimension's next run and 7 days, no more than the step back; the sentence names
    the flare where the step back is what binds."""
    if limit is None:
        return dims
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
