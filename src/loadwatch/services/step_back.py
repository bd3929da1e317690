"""Status headroom after a pain flare (``rules.flare_limit``): the rules' limits bounded by the
step back, so status, report, the check-in page and the triage card, which all read the
summary's ``headroom_run``, offer no more than the flare's advice."""

from __future__ import annotations

from typing import TYPE_CHECKING

from loadwatch.rules.flare_limit import FlareLimit, flare_note

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
