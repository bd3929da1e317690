"""Progress on stderr: a transient bar while reading, and the import's files / MB / rate / ETA.
Its own module so that only the commands that show progress import ``rich.progress``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

from loadwatch.cli.output import err_console, fmt_duration


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
_PLAIN_STEPS = 10  # without a terminal: a line every tenth of the batch at most,
_PLAIN_EVERY_S = 5.0  # and no more often than this: results arriving in a burst (a pool's)
# once printed a line per file with a rate climbing as if the clock had stopped.


@dataclass(frozen=True, slots=True)
class ImportPlan:
    files: int  # estimated from names and archive directories
    bytes: int

    @property
    def shows_progress(self) -> bool:
        return self.files > HANDFUL


def plan_import(paths: Sequence[Path], settings: Any) -> ImportPlan:
    from loadwatch.ingest.containers.sources import estimate

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

    def __init__(self, plan: ImportPlan, clock: Callable[[], float] = time.monotonic) -> None:
        self.plan = plan
        self.done = 0
        self.bytes = 0
        self._clock = clock
        self._started = self._last_line = clock()
        self._printed = 0  # files done at the last plain line
        self._step = max(1, -(-plan.files // _PLAIN_STEPS))
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
        elif self.plan.shows_progress and self.done and self._printed != self.done:
            # The batch's end: known here, not from the estimate (an archive's may be short).
            err_console.print(self.line(self.done), markup=False)

    def advance(self, outcome: Any) -> None:
        self.done += 1
        self.bytes += int(getattr(outcome, "size", 0) or 0)
        total = max(self.plan.files, self.done)  # the estimate may be short
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.done, total=total, bytes=self.bytes)
            return
        now = self._clock()
        due = self.done % self._step == 0 and now - self._last_line >= _PLAIN_EVERY_S
        if self.plan.shows_progress and due and self.done < total:
            err_console.print(self.line(total), markup=False)
            self._printed, self._last_line = self.done, now

    def line(self, total: int) -> str:
        elapsed = max(self._clock() - self._started, 1e-9)
        rate = self.done / elapsed
        eta = (total - self.done) / rate if rate > 0 else None
        return (
            f"progress: {self.done:,}/{total:,} files, {self.bytes / 1e6:,.1f} MB, "
            f"{rate:.1f} files/s, ETA {_eta(eta)}"
        )


def import_progress(plan: ImportPlan) -> ImportProgress:
    return ImportProgress(plan)
