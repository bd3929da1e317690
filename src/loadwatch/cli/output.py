"""Shared CLI output: JSON on stdout, rich tables on stdout, errors and progress on stderr.

Every command wraps its body in ``handle_errors()`` so that a ``LoadwatchError`` becomes one
``error: ...`` line and exit code 1, never a traceback.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from loadwatch.errors import LoadwatchError, one_line

# Piped or captured output gets wide tables rather than 80 columns of wrapped cells.
_PIPE_WIDTH = 160
console = Console(
    highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else _PIPE_WIDTH
)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def _default(o: Any) -> Any:
    if isinstance(o, datetime):
        return o.isoformat().replace("+00:00", "Z")
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
    return json.dumps(_finite(obj), default=_default, indent=2, ensure_ascii=False, allow_nan=False)


def print_json(obj: Any) -> None:
    """Plain ``print`` (not rich): the bytes on stdout must be exactly the JSON document."""
    print(to_json(obj))


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
    except OSError as e:
        raise fail(one_line(e)) from None


def progress_bar(*, total: int | None = None, what: str = "files") -> Progress:
    """A transient progress bar on stderr, shown only when stderr is a terminal (logs and
    pipes stay clean)."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn() if total is not None else TextColumn(f"{{task.completed}} {what}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


HANDFUL = 5  # more files than this get a progress display
_PLAIN_STEPS = 10  # without a terminal: a line every tenth of the batch


@dataclass(frozen=True, slots=True)
class ImportPlan:
    files: int  # estimated from names and archive directories
    bytes: int

    @property
    def shows_progress(self) -> bool:
        return self.files > HANDFUL


def plan_import(paths: Sequence[Path], settings: Any) -> ImportPlan:
    from loadwatch.ingest.sources import estimate

    files = size = 0
    for p in paths:
        n, b = estimate(p)
        files, size = files + n, size + b
    return ImportPlan(files, size)


class _FilesPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f} files/s")


class _Megabytes(ProgressColumn):
    def render(self, task: Task) -> Text:
        done = task.fields.get("bytes", 0) / 1e6
        total = task.fields.get("total_bytes", 0) / 1e6
        return Text(f"{done:,.1f}/{total:,.1f} MB")


def _eta(seconds: float | None) -> str:
    return "-" if seconds is None else fmt_duration(seconds)


class ImportProgress:
    """Files done, MB read, rate and ETA on stderr: a rich bar on a terminal, a plain line
    every tenth of the batch otherwise, nothing for a handful of files."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.done = 0
        self.bytes = 0
        self._started = time.monotonic()
        self._next_line = max(1, plan.files // _PLAIN_STEPS)
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if plan.shows_progress and err_console.is_terminal:
            self._bar = Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("files"),
                _Megabytes(),
                _FilesPerSecond(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            )
            self._task = self._bar.add_task(
                "importing", total=plan.files, bytes=0, total_bytes=plan.bytes
            )

    def __enter__(self) -> ImportProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self, outcome: Any) -> None:
        self.done += 1
        self.bytes += int(getattr(outcome, "size", 0) or 0)
        total = max(self.plan.files, self.done)  # the estimate may be short
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done, total=total, bytes=self.bytes)
            return
        if self.plan.shows_progress and (self.done % self._next_line == 0 or self.done == total):
            err_console.print(self.line(total), markup=False)

    def line(self, total: int) -> str:
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        eta = (total - self.done) / rate if rate > 0 else None
        return (
            f"progress: {self.done:,}/{total:,} files, {self.bytes / 1e6:,.1f} MB, "
            f"{rate:.1f} files/s, ETA {_eta(eta)}"
        )


def import_progress(plan: ImportPlan) -> ImportProgress:
    return ImportProgress(plan)


def fmt_num(value: float | None, digits: int = 1, scale: float = 1.0) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value / scale:.{digits}f}"


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _clock_per(seconds: float, unit: str) -> str:
    m, sec = divmod(round(seconds), 60)
    return f"{m}:{sec:02d}{unit}"


def _per_km(s_per_km: float) -> str:
    return _clock_per(s_per_km, "/km")


def _kmh(s_per_km: float) -> str:
    return f"{3600.0 / s_per_km:.1f} km/h"


def _per_100m(s_per_km: float) -> str:
    return _clock_per(s_per_km / 10.0, "/100m")


# How each sport speaks of its speed: runners and walkers in min/km, riders in km/h, swimmers
# in min/100 m.  Sports not listed (and an unknown sport) use min/km.
PACE_STYLE: dict[str, Callable[[float], str]] = {
    "cycling": _kmh,
    "swimming": _per_100m,
}


def fmt_pace(s_per_km: float | None, sport: str | None = None) -> str:
    """The average pace (seconds per km, from moving time) as the sport's athletes say it."""
    if s_per_km is None or not math.isfinite(s_per_km) or s_per_km <= 0:
        return "-"
    return PACE_STYLE.get(sport or "", _per_km)(s_per_km)
