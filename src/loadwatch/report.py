"""The runner's terminal report: recent weeks at a glance, flags on their weeks, headroom.

Pure rendering: it takes numbers already computed (week rows, status, flags) and returns
rich renderables; the CLI prints them.  The status's own blocks (ratios, headroom, episodes,
the plan) are ``status_lines.py``, which ``loadwatch status`` prints without the weeks' frame.
Laid out for the width it is given: sentences wrap at word boundaries (rich's own wrapping),
never cut; the bars shrink, then go, in narrow terminals.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from rich import box
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from loadwatch.analytics.days import week_start
from loadwatch.cli_text import Pieces
from loadwatch.rounding import half_up
from loadwatch.schemas.flags import FlagOut
from loadwatch.schemas.status import AthleteStatus, WeekRow
from loadwatch.status_lines import (
    DIM_LABEL,
    SEVERITY_STYLE,
    episode_lines,
    fmt,
    headroom_lines,
    hr_change_line,
    pain_line,
    ratio_lines,
    rehab_lines,
)
from loadwatch.vocabulary import ALERT, CAUTION, HISTORIC, OPEN, rule_label

BAR_WIDTH = 12
MIN_BAR_WIDTH = 4  # narrower bars say nothing: the numbers alone are shown
# What the weekly table needs besides its three bars: the fixed columns (week, runs, the
# three numbers, longest), cell padding, borders, the panel, and room for a few words of flags.
_TABLE_WITHOUT_BARS = 100
_EIGHTHS = " ▏▎▍▌▋▊▉"
# Flags now history (first raised long after their day) keep their place in the weeks, muted.
_HISTORIC_STYLE = "dim"


def bar(value: float | None, top: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` out of ``top``, in eighths of a character."""
    if top <= 0 or value is None or not math.isfinite(value) or value <= 0:
        return " " * width
    eighths = int(half_up(min(value / top, 1.0) * width * 8))
    full, part = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[part] if part else "")
    return text.ljust(width)


def _top(rows: Sequence[WeekRow], col: str) -> float:
    """The largest of the column, a missing number as 0 and NaN left out (as polars' max)."""
    values = (getattr(r, col) for r in rows)
    return max((v or 0.0 for v in values if v is None or not math.isnan(v)), default=0.0)


def bar_width_for(width: int | None) -> int:
    """The bars' width in a terminal ``width`` columns wide (``None``: as wide as they get)."""
    if width is None:
        return BAR_WIDTH
    fits = (width - _TABLE_WITHOUT_BARS) // 3
    return min(BAR_WIDTH, fits) if fits >= MIN_BAR_WIDTH else 0


def _amount(text: str, value: float | None, top: float, style: str, bar_width: int) -> Text:
    if not bar_width:
        return Text(text.strip())
    return Text(f"{text} ") + Text(bar(value, top, bar_width), style=style)


def _recent(weekly: Sequence[WeekRow], weeks: int) -> list[WeekRow]:
    return sorted(weekly, key=lambda w: w.week_start)[-weeks:]


def _flag_marks(flags: Sequence[FlagOut]) -> Pieces:
    """Each flag as one piece, "▲ Thu climbing spike": lines wrap between flags, so a marker
    never ends a line whose next line holds its label."""
    marks: list[Text] = []
    for f in sorted(flags, key=lambda f: (f.date, f.dimension)):
        sign = "▲" if f.severity == ALERT else "△"
        words = [DIM_LABEL.get(f.dimension, f.dimension), rule_label(f.rule)]
        historic = f.status == HISTORIC
        marks.append(
            Text(
                f"{sign} {f.date:%a} {' '.join(dict.fromkeys(words))}"
                + (" (historic)" if historic else ""),
                style=_HISTORIC_STYLE if historic else SEVERITY_STYLE.get(f.severity, ""),
            )
        )
    return Pieces(marks)


def _by_week(flags: Sequence[FlagOut]) -> dict[date, list[FlagOut]]:
    by_week: dict[date, list[FlagOut]] = {}
    for f in flags:
        by_week.setdefault(week_start(f.date), []).append(f)
    return by_week


@dataclass(frozen=True)
class Layout:
    """How the weekly table fits a width: each step gives up something less useful than what
    the next one gives up, and no step ever cuts a number or hides a flag."""

    bar_width: int = BAR_WIDTH
    compact: bool = False  # no vertical rules, one space between columns
    short_week: bool = False  # "11-09" for the week of 2026-11-09
    longest: bool = True
    runs: bool = True
    flags_below: bool = False  # a sign in the table, the flags' words in lines under it
    stacked: bool = False  # no table: one wrapped line per week


# The order in which a narrowing terminal takes things away, once the bars are gone.
_NARROWING = (
    Layout(bar_width=0),
    Layout(bar_width=0, compact=True),
    Layout(bar_width=0, compact=True, short_week=True),
    Layout(bar_width=0, compact=True, short_week=True, flags_below=True),
    Layout(bar_width=0, compact=True, short_week=True, longest=False, flags_below=True),
    Layout(bar_width=0, compact=True, short_week=True, longest=False, runs=False, flags_below=True),
)
_STACKED = Layout(bar_width=0, short_week=True, longest=False, flags_below=True, stacked=True)
_PANEL = 4  # the report's panel: a border and a space on each side
# Narrower than this, the flags' words wrap one or two to a line: they go under the table.
FLAGS_MIN_WIDTH = 24


def _natural_width(renderable: RenderableType) -> int:
    measuring = Console(width=10_000, color_system=None, file=io.StringIO())
    return Measurement.get(measuring, measuring.options, renderable).maximum


def layout_for(
    weekly: Sequence[WeekRow], flags: Sequence[FlagOut], *, weeks: int, width: int | None
) -> Layout:
    """The widest layout whose numbers all fit ``width`` columns (``None``: the widest)."""
    bars = bar_width_for(width)
    if width is None or bars:
        return Layout(bar_width=bars)
    inner = width - _PANEL
    for layout in _NARROWING:
        table = weekly_table(weekly, flags, weeks=weeks, layout=replace(layout, flags_below=True))
        needed = _natural_width(table) + (0 if layout.flags_below else FLAGS_MIN_WIDTH + 1)
        if needed <= inner:
            return layout
    return _STACKED


def _week_label(w: WeekRow, layout: Layout) -> str:
    return f"{w.week_start:%m-%d}" if layout.short_week else f"{w.week_start:%Y-%m-%d}"


def weekly_table(
    weekly: Sequence[WeekRow],
    flags: Sequence[FlagOut],
    *,
    weeks: int,
    bar_width: int = BAR_WIDTH,
    layout: Layout | None = None,
) -> Table:
    layout = layout or Layout(bar_width=bar_width)
    bar_width = layout.bar_width
    recent = _recent(weekly, weeks)
    by_week = _by_week(flags)
    top_d, top_f, top_c = (_top(recent, c) for c in ("distance_km", "fast_km", "elevation_gain_m"))
    title = "Weekly load (Monday start, local days)"
    if layout.compact:
        table = Table(
            title=title,
            title_justify="left",
            expand=False,
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            collapse_padding=True,
        )
    else:
        table = Table(title=title, title_justify="left", expand=False)
    # Numbers never wrap; the flags column takes what is left and wraps between words.
    justify: JustifyMethod = "left" if bar_width else "right"
    table.add_column("week of", no_wrap=True)
    if layout.runs:
        table.add_column("runs", justify="right", no_wrap=True)
    table.add_column("distance km" if bar_width else "km", justify=justify, no_wrap=True)
    table.add_column("fast km" if bar_width else "fast", justify=justify, no_wrap=True)
    table.add_column("climbing m" if bar_width else "climb m", justify=justify, no_wrap=True)
    if layout.longest:
        table.add_column("longest", justify="right", no_wrap=True)
    if layout.flags_below:
        table.add_column("", no_wrap=True)  # ▲ or △: the words are under the table
    else:
        table.add_column("flags", overflow="fold", min_width=12)
    for w in recent:
        week_flags = by_week.get(w.week_start, [])
        cells: list[RenderableType] = [_week_label(w, layout)]
        if layout.runs:
            cells.append(str(w.runs))
        cells += [
            _amount(fmt(w.distance_km).rjust(6), w.distance_km, top_d, "cyan", bar_width),
            _amount(fmt(w.fast_km).rjust(5), w.fast_km, top_f, "magenta", bar_width),
            _amount(
                fmt(w.elevation_gain_m, 0).rjust(6), w.elevation_gain_m, top_c, "green", bar_width
            ),
        ]
        if layout.longest:
            cells.append(fmt(w.longest_run_km))
        cells.append(_week_sign(week_flags) if layout.flags_below else _flag_marks(week_flags))
        table.add_row(*cells)
    return table


def _week_sign(flags: Sequence[FlagOut]) -> Text:
    if not flags:
        return Text("")
    alert = any(f.severity == ALERT for f in flags)
    return Text("▲" if alert else "△", style=SEVERITY_STYLE[ALERT if alert else CAUTION])


def _flags_under(
    weekly: Sequence[WeekRow], flags: Sequence[FlagOut], *, weeks: int, layout: Layout
) -> RenderableType | None:
    """The flags' words week by week, for a table too narrow to hold them: each week's
    flags wrap under its label, between words."""
    by_week = _by_week(flags)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for w in _recent(weekly, weeks):
        if by_week.get(w.week_start):
            grid.add_row(_week_label(w, layout), _flag_marks(by_week[w.week_start]))
    return grid if grid.row_count else None


def _stacked_weeks(
    weekly: Sequence[WeekRow], flags: Sequence[FlagOut], *, weeks: int
) -> RenderableType:
    """Too narrow for any table: a line per week, its numbers with their units, wrapping
    between numbers; the week's flags on the lines under it."""
    by_week = _by_week(flags)
    lines: list[RenderableType] = [Text("Weekly load (Monday start, local days)")]
    for w in _recent(weekly, weeks):
        lines.append(
            Text(
                f"{w.week_start:%m-%d} {w.runs} runs · {fmt(w.distance_km)} km · "
                f"{fmt(w.fast_km)} fast km · {fmt(w.elevation_gain_m, 0)} m up · "
                f"longest {fmt(w.longest_run_km)}"
            )
        )
        if by_week.get(w.week_start):
            lines.append(Padding(_flag_marks(by_week[w.week_start]), (0, 0, 0, 2)))
    return Group(*lines)


def weekly_block(
    weekly: Sequence[WeekRow], flags: Sequence[FlagOut], *, weeks: int, width: int | None
) -> RenderableType:
    """The weeks at a glance, laid out for a terminal ``width`` columns wide."""
    layout = layout_for(weekly, flags, weeks=weeks, width=width)
    if layout.stacked:
        return _stacked_weeks(weekly, flags, weeks=weeks)
    table = weekly_table(weekly, flags, weeks=weeks, layout=layout)
    if not layout.flags_below:
        return table
    under = _flags_under(weekly, flags, weeks=weeks, layout=layout)
    return table if under is None else Group(table, under)


def render_report(
    status: AthleteStatus, weekly: Sequence[WeekRow], *, weeks: int = 12, width: int | None = None
) -> RenderableType:
    """The whole report for one athlete, as of ``status.today``, laid out for a terminal
    ``width`` columns wide (``None``: the widest layout)."""
    last = status.last_run_date.isoformat() if status.last_run_date else "none"
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
    if weekly:
        shown = _recent(weekly, weeks)
        first = shown[0].week_start
        older = [f for f in flags if f.date < first and f.status == OPEN]
        flags = [f for f in flags if f.date >= first]
        body.append(weekly_block(shown, flags, weeks=weeks, width=width))
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
    moved = hr_change_line(status)
    if moved is not None:
        body.append(moved)
    return Panel(Group(*body), expand=False)
