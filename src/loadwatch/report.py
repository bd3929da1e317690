"""The runner's terminal report: recent weeks at a glance, flags on their weeks, headroom.

Pure rendering: it takes numbers already computed (weekly frame, status, flags) and returns
rich renderables; the CLI prints them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from loadwatch.services.flag_list import FlagOut
from loadwatch.services.views import AthleteStatus

BAR_WIDTH = 12
_EIGHTHS = " ▏▎▍▌▋▊▉"
_DIM_LABEL = {"distance": "distance", "speed": "fast km", "hills": "climbing"}
_RULE_LABEL = {
    "session_spike": "spike",
    "weekly_ramp": "ramp",
    "return_after_break": "return",
    "monotony": "monotony",
}
_SEVERITY_STYLE = {"alert": "bold red", "caution": "yellow"}


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` out of ``top``, in eighths of a character."""
    if top <= 0 or not math.isfinite(value) or value <= 0:
        return " " * width
    eighths = round(min(value / top, 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text.ljust(width)


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None or not math.isfinite(v) else f"{v:,.{digits}f}"


def _top(frame: pl.DataFrame, col: str) -> float:
    return float(frame[col].fill_null(0.0).max() or 0.0) if frame.height else 0.0  # type: ignore[arg-type]


def weekly_table(weekly: pl.DataFrame, flags: Sequence[FlagOut], *, weeks: int) -> Table:
    recent = weekly.sort("week_start").tail(weeks)
    by_week: dict[date, list[FlagOut]] = {}
    for f in flags:
        by_week.setdefault(_monday(f.date), []).append(f)
    top_d, top_f, top_c = (_top(recent, c) for c in ("distance_km", "fast_km", "elevation_gain_m"))
    table = Table(
        title="Weekly load (Monday start, local days)", title_justify="left", expand=False
    )
    table.add_column("week of", no_wrap=True)
    table.add_column("runs", justify="right")
    table.add_column("distance km", no_wrap=True)
    table.add_column("fast km", no_wrap=True)
    table.add_column("climbing m", no_wrap=True)
    table.add_column("longest", justify="right")
    table.add_column("flags")
    for w in recent.iter_rows(named=True):
        marks = Text()
        for f in sorted(by_week.get(w["week_start"], []), key=lambda f: (f.date, f.dimension)):
            if marks:
                marks.append(" ")
            sign = "▲" if f.severity == "alert" else "△"
            marks.append(
                f"{sign} {f.date:%a} {_DIM_LABEL.get(f.dimension, f.dimension)} "
                f"{_RULE_LABEL.get(f.rule, f.rule)}",
                style=_SEVERITY_STYLE.get(f.severity, ""),
            )
        table.add_row(
            f"{w['week_start']:%Y-%m-%d}",
            str(w["runs"]),
            Text(f"{w['distance_km']:6.1f} ") + Text(bar(w["distance_km"], top_d), style="cyan"),
            Text(f"{w['fast_km']:5.1f} ") + Text(bar(w["fast_km"], top_f), style="magenta"),
            Text(f"{w['elevation_gain_m']:6,.0f} ")
            + Text(bar(w["elevation_gain_m"], top_c), style="green"),
            _fmt(w["longest_run_km"]),
            marks,
        )
    return table


def headroom_lines(status: AthleteStatus) -> RenderableType:
    """The forward-looking part: how much more before the caution thresholds."""
    lines: list[RenderableType] = [Text("Headroom before caution", style="bold")]
    for d in status.dimensions:
        lines.append(Text(f" {d.headroom_note or '-'}"))
    return Group(*lines)


def ratio_lines(status: AthleteStatus) -> RenderableType:
    """The last 7 days per dimension against the usual week, and fatigue against fitness."""
    lines: list[RenderableType] = [Text("Last 7 days", style="bold")]
    for d in status.dimensions:
        digits = 0 if d.unit == "m" else 1
        usual = _fmt(d.chronic_week, digits)
        lines.append(
            Text(
                f" {_DIM_LABEL.get(d.dimension, d.dimension)}: {_fmt(d.last_7d, digits)} {d.unit}"
                f" (usual week {usual} {d.unit}, ratio {_fmt(d.ratio_7_28, 2)};"
                f" fatigue/fitness {_fmt(d.ewma_ratio, 2)})"
            )
        )
    return Group(*lines)


def episode_lines(status: AthleteStatus) -> RenderableType:
    """The present as a coach is told it: one block per live episode, its flags under it."""
    if not status.episodes:
        if status.open_flags:
            return Text("Open flags, no live episode: see `loadwatch flags`.", style="dim")
        return Text("No open flags: nothing too much, too soon.", style="green")
    lines = [Text("Episodes", style="bold")]
    for e in status.episodes:
        sign = "▲" if e.severity == "alert" else "△"
        span = f"{e.first:%Y-%m-%d}" + (f"–{e.last:%m-%d}" if e.last != e.first else "")
        state = "" if e.status == "open" else f" ({e.status})"
        lines.append(
            Text(f" {sign} {span}{state} ", style=_SEVERITY_STYLE.get(e.severity, ""))
            + Text(f"{len(e.flags)} flag(s), {', '.join(e.dimensions)}")
        )
        for f in e.flags:
            mark = "▲" if f.severity == "alert" else "△"
            lines.append(Text(f"     {mark} {f.date:%a %d %b} ", style="dim") + Text(f.message))
    return Group(*lines)


def render_report(
    status: AthleteStatus, weekly: pl.DataFrame, *, weeks: int = 12
) -> RenderableType:
    """The whole report for one athlete, as of ``status.today``."""
    last = status.last_activity_date.isoformat() if status.last_activity_date else "none"
    head = Text.assemble(
        (status.athlete, "bold"),
        f"  as of {status.today:%a %Y-%m-%d} ({status.timezone}) · last run {last}",
    )
    ft = status.fast_threshold
    fast = Text("Fast means  ", style="bold") + Text(ft.explanation)
    body: list[RenderableType] = [head]
    flags = list(status.open_flags)
    older: list[FlagOut] = []
    if weekly.height:
        shown = weekly.sort("week_start").tail(weeks)
        first: date = shown["week_start"].min()  # type: ignore[assignment]
        older = [f for f in flags if f.date < first]
        flags = [f for f in flags if f.date >= first]
        body.append(weekly_table(shown, flags, weeks=weeks))
    else:
        body.append(Text("No runs yet.", style="dim"))
    body.append(episode_lines(status))
    if older:
        body.append(Text(f" + {len(older)} older open flag(s): see `loadwatch flags`", style="dim"))
    body += [ratio_lines(status), headroom_lines(status), fast]
    return Panel(Group(*body), expand=False)
