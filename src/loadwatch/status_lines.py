"""The athlete's status as the terminal shows it - the last 7 days, headroom, live episodes, the
return-to-run plan and its pain log - in rich renderables: what ``loadwatch status`` prints,
and the report (``report.py``) around its weekly table.  Pure rendering of a status already
read, with no frame: status prints it without loading polars."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from loadwatch.rounding import fixed
from loadwatch.schemas.flags import EpisodeOut, FlagOut
from loadwatch.schemas.rehab_status import RehabStatus
from loadwatch.schemas.status import AthleteStatus
from loadwatch.vocabulary import (
    ACKNOWLEDGED,
    ALERT,
    CAUTION,
    DIMENSION_LABEL,
    HISTORIC,
    NO_LOAD,
    OPEN,
    dimension_label,
    trend_span,
)

# The one vocabulary (vocabulary.py): "fast km", "climbing", "uphill km" on every surface.
DIM_LABEL = DIMENSION_LABEL
SEVERITY_STYLE = {ALERT: "bold red", CAUTION: "yellow"}


def fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None or not math.isfinite(v) else fixed(v, digits, grouped=True)


def headroom_lines(status: AthleteStatus) -> RenderableType:
    """The forward-looking part: how much more before the caution thresholds."""
    lines: list[RenderableType] = [Text("Headroom before caution", style="bold")]
    for d in status.dimensions:
        lines.append(Text(f" {d.headroom_note or '-'}"))
    # The alert line, reported apart: what a run tomorrow may reach before it interrupts the
    # coach (the graded rules that may alert: docs/rules.md).
    alerts = [d for d in status.dimensions if d.headroom_run_alert is not None]
    if alerts:
        lines.append(Text("Before an alert", style="bold"))
        for d in alerts:
            what = DIM_LABEL.get(d.dimension, d.dimension)
            digits = 0 if d.unit == "m" else 1
            lines.append(
                Text(f" {what}: next run up to {fmt(d.headroom_run_alert, digits)} {d.unit}")
            )
    return Group(*lines)


def hr_change_line(status: AthleteStatus) -> Text | None:
    """'Heart rates  maximum heart rate re-estimated from 154 to 169 bpm on ...: heart-rate
    load recomputed': every TRIMP and the fitness series moved with it (docs/hr-load.md)."""
    change = status.fitness.hr_change if status.fitness is not None else None
    if change is None:
        return None
    return Text("Heart rates  ", style="bold") + Text(change.sentence)


def ratio_lines(status: AthleteStatus) -> RenderableType:
    """The last 7 days per dimension against the usual week, and fatigue against fitness."""
    lines: list[RenderableType] = [Text("Last 7 days", style="bold")]
    for d in status.dimensions:
        digits = 0 if d.unit == "m" else 1
        usual = fmt(d.chronic_week, digits)
        if d.judged_week is not None and (d.chronic_week is None or d.chronic_week < d.judged_week):
            # The ratio is over the floor, not over the usual week: said, as the flags say it.
            usual += f" {d.unit}, judged against at least {fmt(d.judged_week, digits)}"
        lines.append(
            Text(
                f" {DIM_LABEL.get(d.dimension, d.dimension)}: {fmt(d.last_7d, digits)} {d.unit}"
                f" (usual week {usual} {d.unit}, ratio {fmt(d.ratio_7_28, 2)};"
                f" fatigue/fitness {fmt(d.ewma_ratio, 2)})"
            )
        )
    return Group(*lines)


def _acked(e: EpisodeOut) -> str:
    """' (1 acknowledged)': answered flags stay an open episode's reasons, marked as such."""
    n = sum(1 for f in e.flags if f.status == ACKNOWLEDGED)
    return f" ({n} acknowledged)" if n and e.status != ACKNOWLEDGED else ""


def episode_lines(status: AthleteStatus, shown: Sequence[FlagOut] = ()) -> RenderableType:
    """The present as a coach is told it: one block per live episode, its flags under it.
    ``shown``: the flags the weekly table above shows; "nothing too much, too soon" must not
    contradict a historic flag marked there."""
    if not status.episodes:
        if status.open_flags:
            return Text("Open flags, no live episode: see `loadwatch flags`.", style="dim")
        historic = sum(1 for f in shown if f.status == HISTORIC)
        past = (
            f"; the {historic} historic flag{'s' if historic != 1 else ''} in the weeks above "
            f"{'were' if historic != 1 else 'was'} raised long after the day (runs imported "
            "late): a record, not a warning"
            if historic
            else ""
        )
        if status.idle_note is not None:  # never "all fine" about a runner who is not running
            return Text(f"No open flags; {status.idle_note}{past}.", style="dim")
        if historic:
            return Text(f"No open flags now{past}.", style="green")
        return Text("No open flags: nothing too much, too soon.", style="green")
    lines: list[RenderableType] = [Text("Episodes", style="bold")]
    for e in status.episodes:
        sign = "▲" if e.severity == ALERT else "△"
        span = f"{e.first:%Y-%m-%d}" + (f"–{e.last:%m-%d}" if e.last != e.first else "")
        state = "" if e.status == OPEN else f" ({e.status})"
        lines.append(
            Text(f" {sign} {span}{state} ", style=SEVERITY_STYLE.get(e.severity, ""))
            + Text(
                f"{len(e.flags)} flag(s){_acked(e)}, "
                + ", ".join(dimension_label(d) for d in e.dimensions)
            )
        )
        # A grid, so that a long sentence wraps under itself, not under the date.
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for f in e.flags:
            mark = "▲" if f.severity == ALERT else "△"
            grid.add_row(
                Text(f"     {mark} {f.date:%a %d %b}", style="dim"),
                Text(f.message) + Text(f" [{f.evidence.grade} evidence]", style="dim"),
            )
        lines.append(grid)
    return Group(*lines)


# --- symptoms and plans (docs/rehab.md) ------------------------------------------------------
STATE_STYLE = {"settled": "green", "irritated": "yellow", "flare": "bold red"}


def pain_line(rehab: RehabStatus) -> RenderableType:
    """'Pain  2 → 2 → 6/10 in the last 28 days (rising) · latest 6/10 the morning after on
    2026-11-10: flare'."""
    line = Text("Pain  ", style="bold")
    if not rehab.pain_trend:
        return line + Text(f"no entries in the last {rehab.pain_trend_days} days", style="dim")
    span = trend_span(len(rehab.pain_trend), rehab.pain_trend_entries, rehab.pain_trend_days)
    line.append(" → ".join(map(str, rehab.pain_trend)) + f"/10 {span}")
    if rehab.pain_trend_word:
        line.append(f" ({rehab.pain_trend_word})")
    r = rehab.latest_response
    if r is not None:
        line.append(f" · latest {r.worst}/10 {r.when} on {r.date:%a %Y-%m-%d}: ")
        line.append(r.state, style=STATE_STYLE[r.state])
    return line


def rehab_lines(rehab: RehabStatus, *, full: bool = False) -> RenderableType:
    """The plan: caps in force and why, what is left; with ``full`` the timeline and the
    tolerated / provoking load."""
    lines: list[RenderableType] = []
    p, c = rehab.plan, rehab.caps
    if p is not None:
        until = f" to {p.end_date}" if p.end_date else ""
        lines.append(
            Text(
                f"Return-to-run plan: {p.condition}, phase {p.phase}, from {p.start_date}{until}",
                style="bold",
            )
        )
    if c is not None:
        extras = []
        if c.weekly_fast_km is not None:
            extras.append(
                NO_LOAD["speed"]
                if c.weekly_fast_km == 0
                else f"{fixed(c.weekly_fast_km)} {DIMENSION_LABEL['speed']}"
            )
        if c.weekly_climb_m is not None:
            extras.append(
                NO_LOAD["hills"]
                if c.weekly_climb_m == 0
                else f"{fixed(c.weekly_climb_m, 0, grouped=True)} m climbing"
            )
        if c.pace_floor:
            extras.append(f"{c.pace_floor}/km or slower")
        lines.append(
            Text(
                f" Week {c.plan_week} (from {c.week_start}): {fixed(c.weekly_km)} km a week, "
                f"longest run {fixed(c.longest_run_km)} km"
                + (", " + ", ".join(extras) if extras else "")
                + f" — {c.reason}"
            )
        )
    if rehab.recent_responses:
        lines.append(Text(" Latest responses", style="bold"))
        for r in rehab.recent_responses:
            line = Text(f"  {r.date:%a %Y-%m-%d} {r.worst}/10 {r.when}: ")
            line.append(r.state, style=STATE_STYLE[r.state])
            if r.run:
                line.append(
                    f" (after {r.run})" if r.run_date == r.date else f" (day after {r.run})"
                )
            lines.append(line)
    if full:
        for room in rehab.rooms:  # status and report show them as the headroom
            lines.append(Text(f" {room.note}"))
        if rehab.timeline:
            lines.append(Text("Caps over time", style="bold"))
            for t in rehab.timeline:
                lines.append(
                    Text(
                        f" {t.since} (week {t.plan_week}): {fixed(t.weekly_km)} km / week, "
                        f"longest {fixed(t.longest_run_km)} km — {t.reason}"
                    )
                )
        lines.append(pain_line(rehab))
        for tol in rehab.tolerance:
            if not any((tol.tolerated_run, tol.tolerated_week, tol.provoking_run)):
                continue  # nothing in this dimension yet
            u, n = tol.unit, 0 if tol.unit == "m" else 1
            lines.append(
                Text(
                    f" {DIM_LABEL.get(tol.dimension, tol.dimension)}: tolerated "
                    f"{fmt(tol.tolerated_run, n)} {u} a run / {fmt(tol.tolerated_week, n)} {u} "
                    f"in 7 days; provoking {fmt(tol.provoking_run, n)} {u} a run / "
                    f"{fmt(tol.provoking_week, n)} {u} in 7 days"
                )
            )
    return Group(*lines)
