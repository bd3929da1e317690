"""The runner's terminal report: recent weeks at a glance, flags on their weeks, headroom.

Pure rendering: it takes numbers already computed (weekly frame, status, flags) and returns
rich renderables; the CLI prints them.  Laid out for the width it is given: sentences wrap at
word boundaries (rich's own wrapping), never cut; the bars shrink, then go, in narrow terminals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

import polars as pl
from rich.console import Group, JustifyMethod, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from loadwatch.analytics.days import week_start
from loadwatch.schemas.flags import FlagOut
from loadwatch.schemas.rehab import RehabStatus
from loadwatch.schemas.status import AthleteStatus
from loadwatch.vocabulary import ALERT, CAUTION, HISTORIC, OPEN

BAR_WIDTH = 12
MIN_BAR_WIDTH = 4  # narrower bars say nothing: the numbers alone are shown
# What the weekly table needs besides its three bars: the fixed columns (week, runs, the
# three numbers, longest), cell padding, borders, the panel, and room for a few words of flags.
_TABLE_WITHOUT_BARS = 100
_EIGHTHS = " ▏▎▍▌▋▊▉"
_DIM_LABEL = {"distance": "distance", "speed": "fast km", "hills": "climbing", "pain": "pain"}
_RULE_LABEL = {
    "session_spike": "spike",
    "weekly_ramp": "ramp",
    "return_after_break": "return",
    "monotony": "monotony",
    "plan_breach": "over plan",
    "pain_response": "pain",
    "rest_too_long": "rest",
}
_SEVERITY_STYLE = {ALERT: "bold red", CAUTION: "yellow"}
# Flags now history (first raised long after their day) keep their place in the weeks, muted.
_HISTORIC_STYLE = "dim"


def bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` out of ``top``, in eighths of a character."""
    if top <= 0 or not math.isfinite(value) or value <= 0:
        return " " * width
    eighths = round(min(value / top, 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text.ljust(width)


def _fmt(v: float | None, digits: int = 1) -> str:
    return "-" if v is None or not math.isfinite(v) else f"{v:,.{digits}f}"


def _top(frame: pl.DataFrame, col: str) -> float:
    return float(frame[col].fill_null(0.0).max() or 0.0) if frame.height else 0.0  # type: ignore[arg-type]


def bar_width_for(width: int | None) -> int:
    """The bars' width in a terminal ``width`` columns wide (``None``: as wide as they get)."""
    if width is None:
        return BAR_WIDTH
    fits = (width - _TABLE_WITHOUT_BARS) // 3
    return min(BAR_WIDTH, fits) if fits >= MIN_BAR_WIDTH else 0


def _amount(text: str, value: float, top: float, style: str, bar_width: int) -> Text:
    if not bar_width:
        return Text(text.strip())
    return Text(f"{text} ") + Text(bar(value, top, bar_width), style=style)


def weekly_table(
    weekly: pl.DataFrame, flags: Sequence[FlagOut], *, weeks: int, bar_width: int = BAR_WIDTH
) -> Table:
    recent = weekly.sort("week_start").tail(weeks)
    by_week: dict[date, list[FlagOut]] = {}
    for f in flags:
        by_week.setdefault(week_start(f.date), []).append(f)
    top_d, top_f, top_c = (_top(recent, c) for c in ("distance_km", "fast_km", "elevation_gain_m"))
    table = Table(
        title="Weekly load (Monday start, local days)", title_justify="left", expand=False
    )
    # Numbers never wrap; the flags column takes what is left and wraps between words.
    justify: JustifyMethod = "left" if bar_width else "right"
    table.add_column("week of", no_wrap=True)
    table.add_column("runs", justify="right", no_wrap=True)
    table.add_column("distance km" if bar_width else "km", justify=justify, no_wrap=True)
    table.add_column("fast km" if bar_width else "fast", justify=justify, no_wrap=True)
    table.add_column("climbing m" if bar_width else "climb m", justify=justify, no_wrap=True)
    table.add_column("longest", justify="right", no_wrap=True)
    table.add_column("flags", overflow="fold", min_width=12)
    for w in recent.iter_rows(named=True):
        marks = Text()
        for f in sorted(by_week.get(w["week_start"], []), key=lambda f: (f.date, f.dimension)):
            if marks:
                marks.append(" ")
            sign = "▲" if f.severity == ALERT else "△"
            words = [_DIM_LABEL.get(f.dimension, f.dimension), _RULE_LABEL.get(f.rule, f.rule)]
            historic = f.status == HISTORIC
            marks.append(
                f"{sign} {f.date:%a} {' '.join(dict.fromkeys(words))}"
                + (" (historic)" if historic else ""),
                style=_HISTORIC_STYLE if historic else _SEVERITY_STYLE.get(f.severity, ""),
            )
        table.add_row(
            f"{w['week_start']:%Y-%m-%d}",
            str(w["runs"]),
            _amount(f"{w['distance_km']:6.1f}", w["distance_km"], top_d, "cyan", bar_width),
            _amount(f"{w['fast_km']:5.1f}", w["fast_km"], top_f, "magenta", bar_width),
            _amount(
                f"{w['elevation_gain_m']:6,.0f}", w["elevation_gain_m"], top_c, "green", bar_width
            ),
            _fmt(w["longest_run_km"]),
            marks,
        )
    return table


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
            what = _DIM_LABEL.get(d.dimension, d.dimension)
            digits = 0 if d.unit == "m" else 1
            lines.append(
                Text(f" {what}: next run up to {_fmt(d.headroom_run_alert, digits)} {d.unit}")
            )
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
            Text(f" {sign} {span}{state} ", style=_SEVERITY_STYLE.get(e.severity, ""))
            + Text(f"{len(e.flags)} flag(s), {', '.join(e.dimensions)}")
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


def render_report(
    status: AthleteStatus, weekly: pl.DataFrame, *, weeks: int = 12, width: int | None = None
) -> RenderableType:
    """The whole report for one athlete, as of ``status.today``, laid out for a terminal
    ``width`` columns wide (``None``: the widest layout)."""
    last = status.last_activity_date.isoformat() if status.last_activity_date else "none"
    head = Text.assemble(
        (status.athlete, "bold"),
        f"  as of {status.today:%a %Y-%m-%d} ({status.timezone}) · last run {last}",
    )
    ft = status.fast_threshold
    fast = Text("Fast means  ", style="bold") + Text(ft.explanation)
    body: list[RenderableType] = [head]
    # The flags as they stood on the report's day, history included (muted in the table).
    flags = list(status.flags_on_day)
    older: list[FlagOut] = []
    if weekly.height:
        shown = weekly.sort("week_start").tail(weeks)
        first: date = shown["week_start"].min()  # type: ignore[assignment]
        older = [f for f in flags if f.date < first and f.status == OPEN]
        flags = [f for f in flags if f.date >= first]
        body.append(weekly_table(shown, flags, weeks=weeks, bar_width=bar_width_for(width)))
        if status.rehab is not None:  # the pain line under the weekly bars (docs/rehab.md)
            body.append(pain_line(status.rehab))
    else:
        body.append(Text("No runs yet.", style="dim"))
    body.append(episode_lines(status, flags))
    if older:
        body.append(Text(f" + {len(older)} older open flag(s): see `loadwatch flags`", style="dim"))
    body += [ratio_lines(status), headroom_lines(status)]
    if status.rehab is not None and status.rehab.caps is not None:
        body.append(rehab_lines(status.rehab))
    body.append(fast)
    return Panel(Group(*body), expand=False)


# --- symptoms and plans (docs/rehab.md) ----------------------------------------------------------
_STATE_STYLE = {"settled": "green", "irritated": "yellow", "flare": "bold red"}


def pain_line(rehab: RehabStatus) -> RenderableType:
    """'Pain  2 → 2 → 6/10 (rising) · latest 6/10 the morning after on 2026-11-10: flare'."""
    line = Text("Pain  ", style="bold")
    if not rehab.pain_trend:
        return line + Text("no entries yet", style="dim")
    line.append(" → ".join(map(str, rehab.pain_trend)) + "/10")
    if rehab.pain_trend_word:
        line.append(f" ({rehab.pain_trend_word})")
    r = rehab.latest_response
    if r is not None:
        line.append(f" · latest {r.worst}/10 {r.when} on {r.date:%a %Y-%m-%d}: ")
        line.append(r.state, style=_STATE_STYLE[r.state])
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
                "no fast running" if c.weekly_fast_km == 0 else f"{c.weekly_fast_km:g} km fast"
            )
        if c.weekly_climb_m is not None:
            extras.append(
                "no hills" if c.weekly_climb_m == 0 else f"{c.weekly_climb_m:,.0f} m climbing"
            )
        if c.pace_floor:
            extras.append(f"{c.pace_floor}/km or slower")
        lines.append(
            Text(
                f" Week {c.plan_week} (from {c.week_start}): {c.weekly_km:.1f} km a week, "
                f"longest run {c.longest_run_km:.1f} km"
                + (", " + ", ".join(extras) if extras else "")
                + f" — {c.reason}"
            )
        )
    if rehab.recent_responses:
        lines.append(Text(" Latest responses", style="bold"))
        for r in rehab.recent_responses:
            line = Text(f"  {r.date:%a %Y-%m-%d} {r.worst}/10 {r.when}: ")
            line.append(r.state, style=_STATE_STYLE[r.state])
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
                        f" {t.since} (week {t.plan_week}): {t.weekly_km:.1f} km / week, "
                        f"longest {t.longest_run_km:.1f} km — {t.reason}"
                    )
                )
        lines.append(pain_line(rehab))
        for tol in rehab.tolerance:
            if not any((tol.tolerated_run, tol.tolerated_week, tol.provoking_run)):
                continue  # nothing in this dimension yet
            u, n = tol.unit, 0 if tol.unit == "m" else 1
            lines.append(
                Text(
                    f" {_DIM_LABEL.get(tol.dimension, tol.dimension)}: tolerated "
                    f"{_fmt(tol.tolerated_run, n)} {u} a run / {_fmt(tol.tolerated_week, n)} {u} "
                    f"in 7 days; provoking {_fmt(tol.provoking_run, n)} {u} a run / "
                    f"{_fmt(tol.provoking_week, n)} {u} in 7 days"
                )
            )
    return Group(*lines)
