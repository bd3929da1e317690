"""Shared CLI output: JSON on stdout, rich tables on stdout, errors on stderr (progress on
stderr is ``cli/progress.py``, imported by the commands that show it).

Every command wraps its body in ``handle_errors()`` so that a ``LoadwatchError`` becomes one
``error: ...`` line and exit code 1, never a traceback.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, JustifyMethod
from rich.table import Table

from loadwatch.errors import LoadwatchError, one_line
from loadwatch.rounding import fixed, half_up

# The width is rich's: $COLUMNS, else the terminal's, else 80 (piped with no terminal).  Tables
# and reports are laid out for it and wrap their sentences at word boundaries.  Plain lines
# (one per file imported, a path...) are soft-wrapped: printed whole, one line each, for grep;
# rendered blocks (report, status, plan) are printed with ``print_block`` so their sentences
# wrap inside the layout instead of being cropped at its edge.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


# Every command that prints a table takes it.
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON on stdout instead of a table.")]

# The importing commands create a new athlete, but not out of a misspelt name (docs/athletes).
ATHLETE_IMPORT_HELP = (
    "Athlete name; created if new, unless it is close to an existing athlete's name"
    " (a typo: refused with 'did you mean', add --create to create it anyway)."
)
CreateOpt = Annotated[
    bool,
    typer.Option("--create", help="Create the athlete even if the name is close to another's."),
]


def follow_terminal() -> None:
    """Lay this command out for the terminal it runs in ($COLUMNS, else the terminal, else 80),
    not for the first command this process ran: rich reads $COLUMNS once, when a console is
    made, and one process runs many commands in a shell session or a test run."""
    for c in (console, err_console):
        c.width = shutil.get_terminal_size((80, 24)).columns


def print_block(renderable: Any) -> None:
    console.print(renderable, soft_wrap=False)


NARROW = 100  # columns: below it, tables drop their vertical rules to leave room for words


def table(title: str, width: int | None = None) -> Table:
    """A table for this terminal (or ``width`` columns): cells that hold words wrap
    (``overflow="fold"`` only breaks a word longer than its column), and narrow terminals get
    no vertical rules and one space between columns."""
    from rich import box

    if (console.width if width is None else width) >= NARROW:
        return Table(title=title)
    return Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)


@dataclass(frozen=True)
class Col:
    """A column of a table that fits its terminal (``fitted_table``).

    A column that is not ``text`` holds one token a cell (a number, a duration, a pace, a
    date, a sport): it never wraps and is as wide as its widest value, so a number is never
    shortened.  A ``text`` column (a name, a note) gives way first: it wraps between words,
    and a word longer than the column ends in "…".  When even that does not fit, columns go,
    the highest ``drop`` first (0: never dropped).
    """

    header: str
    justify: JustifyMethod = "left"
    text: bool = False
    drop: int = 0


# A text column is not squeezed below this many cells before a column is dropped.
TEXT_FLOOR = 8


def _build(
    title: str, cols: Sequence[Col], rows: Sequence[Sequence[Any]], floor: bool, width: int
) -> Table:
    t = table(title, width)
    for c in cols:
        t.add_column(
            c.header,
            justify=c.justify,
            no_wrap=not c.text,
            overflow="ellipsis" if c.text else "fold",
            max_width=TEXT_FLOOR if floor and c.text else None,
        )
    for row in rows:
        t.add_row(*row)
    return t


def fitted_table(
    title: str,
    cols: Sequence[Col],
    rows: Sequence[Sequence[Any]],
    *,
    width: int | None = None,
    on: Console | None = None,
) -> Table:
    """A table for ``width`` columns (the console's): the text columns narrow first (to
    ``TEXT_FLOOR``), then the droppable columns that do not fit go, lowest priority (highest
    ``drop``) first; a caption names what went (``--json`` has every field).  ``on``: the
    console it will be printed on (the CLI's by default), whose options it is measured with."""
    from rich.measure import Measurement

    target = console if on is None else on
    width = target.width if width is None else width
    measuring = target.options.update_width(10_000)

    def fits(shown: list[int]) -> bool:
        at_floor = _build(
            title,
            [cols[i] for i in shown],
            [[r[i] for i in shown] for r in rows],
            floor=True,
            width=width,
        )
        return Measurement.get(target, measuring, at_floor).maximum <= width

    # The columns never dropped, then the droppable ones, most wanted first, up to the first
    # that does not fit (a less wanted column never shows where a more wanted one went).
    shown = [i for i, c in enumerate(cols) if not c.drop]
    for i in sorted((i for i, c in enumerate(cols) if c.drop), key=lambda i: (cols[i].drop, i)):
        if not fits(sorted([*shown, i])):
            break
        shown = sorted([*shown, i])
    t = _build(
        title,
        [cols[i] for i in shown],
        [[r[i] for i in shown] for r in rows],
        floor=False,
        width=width,
    )
    gone = [" ".join(c.header.split()) for i, c in enumerate(cols) if i not in shown]
    if gone:
        t.caption = f"not shown at this width: {', '.join(gone)} (--json has every field)"
    return t


def _default(o: Any) -> Any:
    if isinstance(o, datetime):
        # Here, not at the top: loadwatch.clock loads pydantic, which --help does not need.
        from loadwatch.clock import iso_utc

        return iso_utc(o) if o.tzinfo is not None else o.isoformat(timespec="seconds")
    if isinstance(o, date):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _finite(o: Any) -> Any:
    # JSON has no NaN/Infinity; a missing number is null.
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite(v) for v in o]
    return o


def to_json(obj: Any) -> str:
    import json  # here: most commands print no JSON, and start-up is paid on every command

    return json.dumps(_finite(obj), default=_default, indent=2, ensure_ascii=False, allow_nan=False)


def page_json(
    data: Sequence[Any],
    *,
    count: int | None = None,
    limit: int | None = None,
    offset: int = 0,
    **context: Any,
) -> dict[str, Any]:
    """The one list envelope of every ``--json`` that lists (docs/cli.md, "JSON output"): the
    API's page, ``data`` with ``count`` (every item, over all pages), ``limit`` and
    ``offset``, after what the list is of (``athlete``: the name), so a script reads a list
    the same way from the CLI and the API.  ``count``/``limit`` default to ``len(data)``."""
    n = len(data)
    return {
        **context,
        "data": list(data),
        "count": n if count is None else count,
        "limit": n if limit is None else limit,
        "offset": offset,
    }


def print_json(obj: Any) -> None:
    """Plain ``print`` (not rich): the bytes on stdout must be exactly the JSON document."""
    print(to_json(obj))


# One exit rule for the commands that take a batch of files (import, sync): a batch that got
# somewhere succeeds, as a shell script expects; --strict makes any failed file an error.
BATCH_EXIT_HELP = (
    "Exit code: 0 when the batch ran and at least one file was imported or already known;"
    " 1 when no file was found, every file failed, or (with --strict) any file failed."
)
STRICT_HELP = "Exit 1 when any file failed, not only when all did."


def batch_failed(files: int, failed: int, *, strict: bool) -> bool:
    """Whether a batch of ``files`` answered, ``failed`` of them failed, exits 1
    (``BATCH_EXIT_HELP``); a batch with nothing to do did not fail."""
    return files > 0 and (failed == files or (strict and failed > 0))


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr; return the ``Exit`` to raise."""
    err_console.print(f"error: {one_line(message)}", markup=False)
    return typer.Exit(code)


@contextmanager
def handle_errors() -> Iterator[None]:
    """The command boundary: a ``LoadwatchError`` is one line on stderr and exit code 1.

    Database failures arrive here as ``StoreError`` (the store translates them); filesystem
    failures (permission denied) are the environment's, not a bug: also one line.  Anything
    else is a bug and keeps its traceback.
    """
    try:
        yield
    except LoadwatchError as e:
        raise fail(one_line(e)) from None
    except BrokenPipeError:
        # The reader went away (`loadwatch flags --json | head`): not an error to report.
        # Click's own handler silences the streams and exits, as other Unix tools do.
        raise
    except OSError as e:
        raise fail(one_line(e)) from None


def fmt_num(value: float | None, digits: int = 1, scale: float = 1.0) -> str:
    return "-" if value is None or not math.isfinite(value) else fixed(value / scale, digits)


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = int(half_up(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _clock_per(seconds: float, unit: str) -> str:
    m, sec = divmod(int(half_up(seconds)), 60)
    return f"{m}:{sec:02d}{unit}"


def _per_km(s_per_km: float) -> str:
    return _clock_per(s_per_km, "/km")


def _kmh(s_per_km: float) -> str:
    return f"{fixed(3600.0 / s_per_km)} km/h"


def _per_100m(s_per_km: float) -> str:
    return _clock_per(s_per_km / 10.0, "/100m")


# How each sport speaks of its speed: runners and walkers in min/km, riders in km/h, swimmers
# in min/100 m.  Sports not listed (and an unknown sport) use min/km.
PACE_STYLE: dict[str, Callable[[float], str]] = {
    "cycling": _kmh,
    "swimming": _per_100m,
}


# Changing between legs of a multisport event covers ground at no pace anyone trains by.
NO_PACE = frozenset({"transition"})


def fmt_pace(s_per_km: float | None, sport: str | None = None) -> str:
    """The average pace (seconds per km, from moving time) as the sport's athletes say it."""
    if s_per_km is None or not math.isfinite(s_per_km) or s_per_km <= 0 or sport in NO_PACE:
        return "-"
    return PACE_STYLE.get(sport or "", _per_km)(s_per_km)
