"""Training logs kept as CSV: a runner's spreadsheet or Strava's ``activities.csv``.

Pure: bytes in, typed rows and per-row errors out.  Headers are matched loosely and carry
their unit (``csvlog_columns``); cells are read by ``csvlog_values``.  A row that cannot be
read becomes a ``RowError`` with its line number and the good rows are kept; a file without a
date and a distance column is refused as a whole with one line.

Times: a naive date/time is the runner's local time (the importer resolves it in the athlete's
zone).  Strava's ``Activity Date`` is UTC, and an ISO time with ``Z`` or an offset says so itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from loadwatch.errors import CorruptFile
from loadwatch.ingest.formats.csvlog_columns import PAIN_FIELDS, Col, Layout, layout
from loadwatch.ingest.formats.csvlog_values import (
    RowProblem,
    clock_time,
    duration_s,
    number,
    pain_score,
    rpe_score,
    when,
)
from loadwatch.ingest.sports import from_log

# Faster than 10 m/s (1:40 min/km) over a logged run is a unit mistake, not a runner.
MAX_PLAUSIBLE_SPEED_MPS = 10.0
MAX_PLAUSIBLE_DISTANCE_M = 1_000_000.0


@dataclass(frozen=True, slots=True)
class LogRow:
    """One logged activity (or one day's total, for daily logs)."""

    line: int  # physical line the record starts on (the header is line 1)
    start: datetime  # naive = local wall time; aware = the file said which instant
    time_known: bool  # False: only a date was given (start is local noon)
    sport: str
    distance_m: float
    moving_time_s: float | None
    elapsed_time_s: float | None
    elevation_gain_m: float | None
    fast_distance_m: float | None
    name: str | None = None
    # Pain 0-10 (None: not given).  Not part of ``digest``: adding pain to a log already
    # imported must not make its runs new.
    pain_during: int | None = None
    pain_after: int | None = None
    pain_next_morning: int | None = None
    # Session RPE (CR-10); like pain, not part of ``digest``.
    rpe: float | None = None

    def pains(self) -> dict[str, int]:
        return {k: v for k in PAIN_FIELDS if (v := getattr(self, k)) is not None}

    def digest(self) -> str:
        """A content key for the row, independent of its position, so re-importing the same log
        (or a longer version of it) matches the rows already stored."""
        parts = [
            self.start.isoformat(),
            self.sport,
            f"{self.distance_m:.1f}",
            _fmt(self.moving_time_s),
            _fmt(self.elapsed_time_s),
            _fmt(self.elevation_gain_m),
            _fmt(self.fast_distance_m),
        ]
        return hashlib.sha256(("csvlog|" + "|".join(parts)).encode()).hexdigest()


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.1f}"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class CsvLog:
    rows: list[LogRow]
    errors: list[RowError]
    columns: dict[str, str] = field(default_factory=dict)  # field -> header it was read from
    strava: bool = False


def sport_of(text: str | None) -> str:
    """A log's sport cell → one of ``SPORTS`` by whole tokens (``ingest.sports.from_log``):
    empty means running, "Strides" and "Pride 5k" are runs, "Yoga" is other."""
    return from_log(text)


# --- rows ---------------------------------------------------------------------------------


def _row(cells: list[str], lay: Layout, line: int, decimal_comma: bool) -> LogRow | None:
    def cell(c: Col | None) -> str:
        return cells[c.index] if c is not None and c.index < len(cells) else ""

    if not any(x.strip() for x in cells):
        return None
    start, known = when(cell(lay.date))
    if lay.strava and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if lay.time is not None and not known:
        clock = clock_time(cell(lay.time))
        if clock is not None:
            start, known = datetime.combine(start.date(), clock), True
    if not known:
        # Noon keeps a date-only row on its day whatever the zone's offset or DST.
        start = datetime.combine(start.date(), time(12, 0))

    dist = number(cell(lay.distance), decimal_comma)
    if dist is None:
        raise RowProblem(f"no distance in column {lay.distance.header!r}")
    dist_m = dist * (lay.distance.factor or 1.0)
    if dist_m > MAX_PLAUSIBLE_DISTANCE_M:
        raise RowProblem(f"distance {dist_m / 1000:.0f} km is implausible")

    moving = (
        duration_s(cell(lay.duration), lay.duration.factor, decimal_comma) if lay.duration else None
    )
    elapsed = (
        duration_s(cell(lay.elapsed), lay.elapsed.factor, decimal_comma) if lay.elapsed else None
    )
    moving = moving if moving is not None else elapsed
    if moving is not None and moving > 0 and dist_m / moving > MAX_PLAUSIBLE_SPEED_MPS:
        sport = sport_of(cell(lay.sport) if lay.sport else None)
        if sport not in {"cycling", "other"}:
            raise RowProblem(
                f"{dist_m / 1000:.2f} km in {moving:.0f} s is faster than 10 m/s: "
                "check the distance and duration units"
            )
    climb = number(cell(lay.climb), decimal_comma) if lay.climb else None
    fast = number(cell(lay.fast), decimal_comma) if lay.fast else None
    fast_m = None if fast is None or lay.fast is None else fast * (lay.fast.factor or 1.0)
    if fast_m is not None and fast_m > dist_m + 1.0:
        raise RowProblem(
            f"fast distance {fast_m / 1000:.2f} km exceeds the distance {dist_m / 1000:.2f} km"
        )
    name = cell(lay.name).strip() or None if lay.name else None
    pains = {k: pain_score(cell(c), c.header) for k, c in lay.pain.items()}
    return LogRow(
        line=line,
        start=start,
        time_known=known,
        sport=sport_of(cell(lay.sport) if lay.sport else None),
        distance_m=dist_m,
        moving_time_s=moving,
        elapsed_time_s=elapsed if elapsed is not None else moving,
        elevation_gain_m=None
        if climb is None or lay.climb is None
        else climb * (lay.climb.factor or 1.0),
        fast_distance_m=fast_m,
        name=name,
        pain_during=pains.get("pain_during"),
        pain_after=pains.get("pain_after"),
        pain_next_morning=pains.get("pain_next_morning"),
        rpe=rpe_score(cell(lay.rpe), lay.rpe.header, decimal_comma) if lay.rpe else None,
    )


def _text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise CorruptFile("not a CSV training log: the file is binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets on Windows save cp1252; latin-1 decodes any byte, so no row is lost.
        return data.decode("latin-1")


def _dialect(text: str) -> tuple[str, bool]:
    head = text.splitlines()[0] if text else ""
    delim = max((";", "\t", ","), key=head.count)
    if head.count(delim) == 0:
        delim = ","
    return delim, delim != ","


def parse_log(data: bytes, name: str = "log.csv") -> CsvLog:
    """Read a CSV training log.  Raises ``CorruptFile`` only when the file as a whole is not one."""
    text = _text(data)
    delim, decimal_comma = _dialect(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        headers = next(reader)
    except StopIteration:
        raise CorruptFile(f"{name}: empty file, not a training log") from None
    except csv.Error as e:
        raise CorruptFile(f"{name}: not a CSV file: {e}") from e
    lay = layout(headers)
    rows: list[LogRow] = []
    errors: list[RowError] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            errors.append(RowError(line, f"unreadable CSV: {e}"))
            line = reader.line_num + 1
            continue
        try:
            row = _row(cells, lay, line, decimal_comma)
        except RowProblem as e:
            errors.append(RowError(line, str(e)))
        else:
            if row is not None:
                rows.append(row)
        line = reader.line_num + 1
    cols = {
        k: c.header
        for k, c in {
            "date": lay.date,
            "time": lay.time,
            "distance": lay.distance,
            "duration": lay.duration,
            "climbing": lay.climb,
            "fast": lay.fast,
            "sport": lay.sport,
            **lay.pain,
            "rpe": lay.rpe,
        }.items()
        if c is not None
    }
    return CsvLog(rows=rows, errors=errors, columns=cols, strava=lay.strava)


def resolve_start(
    row: LogRow, zone: Callable[[datetime], timedelta | None]
) -> tuple[datetime, int | None]:
    """(UTC start, local offset in seconds or None) for a row; ``zone`` gives the athlete's
    UTC offset at a naive local time.  A UTC-stamped row keeps offset None so that the athlete's
    zone places it on a local day."""
    if row.start.tzinfo is not None:
        off = row.start.utcoffset()
        utc = row.start.astimezone(UTC)
        is_utc = off == timedelta(0) and row.start.tzinfo is UTC
        return utc, None if is_utc or off is None else int(off.total_seconds())
    off = zone(row.start) or timedelta(0)
    return (row.start - off).replace(tzinfo=UTC), int(off.total_seconds())
