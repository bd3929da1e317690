"""Training logs kept as CSV: a runner's spreadsheet or Strava's ``activities.csv``.

Pure: bytes in, typed rows and per-row errors out.  Headers are matched loosely (case, spaces,
punctuation and unit suffixes) and the unit a column is in is part of its name: ``distance`` is
km unless it says ``distance_m`` / ``distance_mi``; ``climbing_ft`` is feet.  A row that cannot be
read becomes a ``RowError`` with its line number and the good rows are kept; a file without a
date and a distance column is refused as a whole with one line.

Times: a naive date/time is the runner's local time (the importer resolves it in the athlete's
zone).  Strava's ``Activity Date`` is UTC, and an ISO time with ``Z`` or an offset says so itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from loadwatch.errors import CorruptFile
from loadwatch.ingest.sports import from_log

# Faster than 10 m/s (1:40 min/km) over a logged run is a unit mistake, not a runner.
MAX_PLAUSIBLE_SPEED_MPS = 10.0
MAX_PLAUSIBLE_DISTANCE_M = 1_000_000.0

_M_PER_MI = 1609.344
_M_PER_FT = 0.3048


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


# field -> [(normalised header, factor to SI)], in order of preference.
_DISTANCE = [
    ("distance_km", 1000.0),
    ("km", 1000.0),
    ("distance_m", 1.0),
    ("distance_meters", 1.0),
    ("distance_metres", 1.0),
    ("meters", 1.0),
    ("metres", 1.0),
    ("distance_mi", _M_PER_MI),
    ("distance_miles", _M_PER_MI),
    ("miles", _M_PER_MI),
    ("mi", _M_PER_MI),
    ("distance", 1000.0),
]
_CLIMB = [
    ("climbing_m", 1.0),
    ("climb_m", 1.0),
    ("elevation_gain_m", 1.0),
    ("ascent_m", 1.0),
    ("climbing", 1.0),
    ("climb", 1.0),
    ("elevation_gain", 1.0),
    ("ascent", 1.0),
    ("total_ascent", 1.0),
    ("vert", 1.0),
    ("climbing_ft", _M_PER_FT),
    ("climb_ft", _M_PER_FT),
    ("elevation_gain_ft", _M_PER_FT),
    ("ascent_ft", _M_PER_FT),
]
_FAST = [
    ("fast_km", 1000.0),
    ("fast_distance_km", 1000.0),
    ("fast_distance", 1000.0),
    ("fast", 1000.0),
    ("fast_m", 1.0),
    ("fast_distance_m", 1.0),
    ("fast_mi", _M_PER_MI),
    ("fast_distance_mi", _M_PER_MI),
]
# Durations: a factor of None means "clock text or seconds".
_DURATION = [
    ("moving_time", None),
    ("duration", None),
    ("time_hh_mm_ss", None),
    ("moving_time_s", 1.0),
    ("duration_s", 1.0),
    ("duration_sec", 1.0),
    ("seconds", 1.0),
    ("duration_min", 60.0),
    ("duration_minutes", 60.0),
    ("moving_time_min", 60.0),
    ("minutes", 60.0),
    ("mins", 60.0),
    ("elapsed_time", None),
]
_ELAPSED = [("elapsed_time", None), ("elapsed_time_s", 1.0)]
_DATE = ["date", "day", "activity_date", "start_date_local", "start_date", "start_time", "datetime"]
_TIME = ["time", "start_time", "time_of_day", "start"]
_SPORT = ["sport", "activity_type", "type"]
_NAME = ["name", "activity_name", "title", "notes"]
# Symptoms a log may carry per row (0-10): docs/rehab.md.
PAIN_FIELDS = ("pain_during", "pain_after", "pain_next_morning")
_PAIN = {
    "pain_during": ["pain_during", "during_pain"],
    "pain_after": ["pain_after", "after_pain"],
    "pain_next_morning": ["pain_next_morning", "next_morning_pain", "pain_morning_after"],
}

# Session RPE (Foster's CR-10, 0-10, halves allowed): docs/checkin.md.
_RPE = ["rpe", "session_rpe", "srpe_rating", "effort_rpe", "perceived_exertion"]


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


class _RowProblem(ValueError):
    pass


# --- columns ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Col:
    index: int
    header: str
    factor: float | None  # None: clock text or seconds (durations)


def _pick(
    headers: Sequence[str], wanted: Sequence[tuple[str, float | None]], *, last: bool = False
) -> _Col | None:
    norm = [_norm(h) for h in headers]
    for name, factor in wanted:
        hits = [i for i, n in enumerate(norm) if n == name]
        if hits:
            i = hits[-1] if last else hits[0]
            return _Col(i, headers[i], factor)
    return None


def _pick_plain(headers: Sequence[str], wanted: Sequence[str], exclude: set[int]) -> _Col | None:
    return _pick(
        [h if i not in exclude else "" for i, h in enumerate(headers)], [(w, 1.0) for w in wanted]
    )


@dataclass(frozen=True, slots=True)
class _Layout:
    date: _Col
    time: _Col | None
    distance: _Col
    duration: _Col | None
    elapsed: _Col | None
    climb: _Col | None
    fast: _Col | None
    sport: _Col | None
    name: _Col | None
    strava: bool
    pain: dict[str, _Col]
    rpe: _Col | None = None


def _layout(headers: Sequence[str]) -> _Layout:
    norm = [_norm(h) for h in headers]
    strava = "activity_date" in norm and "activity_type" in norm
    date_col = _pick_plain(headers, _DATE, set())
    distance = _pick(headers, _DISTANCE)
    if strava and norm.count("distance") >= 2:
        # Strava writes "Distance" twice: first in the athlete's display unit (km, or metres for
        # swims), then always in metres.  The second is the unambiguous one.
        distance = _Col(
            max(i for i, n in enumerate(norm) if n == "distance"), "Distance (2nd, m)", 1.0
        )
    if date_col is None or distance is None:
        shown = ", ".join(repr(h) for h in headers[:12]) or "none"
        raise CorruptFile(
            "not a training log: need a date column and a distance column "
            f"(e.g. date,distance_km,duration,climbing_m); found {shown}"
        )
    used = {date_col.index}
    time_col = _pick_plain(headers, _TIME, used)
    if strava:
        # Strava's Moving/Elapsed Time are plain seconds; the later duplicate is the precise one.
        duration = _pick(headers, [("moving_time", 1.0)], last=True)
        elapsed = _pick(headers, [("elapsed_time", 1.0)], last=True)
    else:
        duration = _pick(headers, _DURATION)
        elapsed = _pick(headers, _ELAPSED)
        if elapsed is not None and duration is not None and elapsed.index == duration.index:
            elapsed = None
    return _Layout(
        date=date_col,
        time=time_col,
        distance=distance,
        duration=duration,
        elapsed=elapsed,
        climb=_pick(headers, _CLIMB, last=strava),
        fast=_pick(headers, _FAST),
        sport=_pick_plain(headers, _SPORT, used),
        name=_pick_plain(headers, _NAME, used),
        strava=strava,
        pain={
            k: c
            for k, names in _PAIN.items()
            if (c := _pick_plain(headers, names, used)) is not None
        },
        rpe=_pick_plain(headers, _RPE, used),
    )


# --- values -------------------------------------------------------------------------------


def _number(text: str, decimal_comma: bool) -> float | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if not t:
        return None
    if decimal_comma:
        t = t.replace(".", "").replace(",", ".") if t.count(",") == 1 else t
    else:
        t = t.replace(",", "")  # thousands separators: "1,234.5"
    try:
        v = float(t)
    except ValueError as e:
        raise _RowProblem(f"{text.strip()!r} is not a number") from e
    if not math.isfinite(v) or v < 0:
        raise _RowProblem(f"{text.strip()!r} is not a non-negative number")
    return v


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def _duration(text: str, factor: float | None, decimal_comma: bool) -> float | None:
    t = text.strip()
    if not t:
        return None
    if factor is None:
        m = _CLOCK.match(t)
        if m:
            h, mi, s = m.groups()
            return int(h or 0) * 3600 + int(mi) * 60 + float(s)
        factor = 1.0
    v = _number(t, decimal_comma)
    return None if v is None else v * factor


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%b %d, %Y", "%B %d, %Y", "%d %b %Y")
_DATETIME_FORMATS = (
    "%b %d, %Y, %I:%M:%S %p",  # Strava: "Nov 15, 2026, 6:30:00 AM"
    "%b %d, %Y %I:%M:%S %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)


def _when(text: str) -> tuple[datetime, bool]:
    """(start, time_known); aware when the text names its offset."""
    t = " ".join(text.strip().split())
    if not t:
        raise _RowProblem("no date")
    iso = t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t
    try:
        dt = datetime.fromisoformat(iso)
        return dt, ("T" in t or " " in t or ":" in t)
    except ValueError:
        pass
    for f in _DATETIME_FORMATS:
        try:
            return datetime.strptime(t, f), True
        except ValueError:
            continue
    for f in _DATE_FORMATS:
        try:
            return datetime.strptime(t, f), False
        except ValueError:
            continue
    raise _RowProblem(f"date {text.strip()!r} not understood (use YYYY-MM-DD)")


def _clock(text: str) -> time | None:
    t = text.strip().upper()
    if not t:
        return None
    for f in ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M%p"):
        try:
            return datetime.strptime(t, f).time()
        except ValueError:
            continue
    raise _RowProblem(f"time {text.strip()!r} not understood (use HH:MM)")


def sport_of(text: str | None) -> str:
    """A log's sport cell → one of ``SPORTS`` by whole tokens (``ingest.sports.from_log``):
    empty means running, "Strides" and "Pride 5k" are runs, "Yoga" is other."""
    return from_log(text)


# --- rows ---------------------------------------------------------------------------------


def _row(cells: list[str], lay: _Layout, line: int, decimal_comma: bool) -> LogRow | None:
    def cell(c: _Col | None) -> str:
        return cells[c.index] if c is not None and c.index < len(cells) else ""

    if not any(x.strip() for x in cells):
        return None
    start, known = _when(cell(lay.date))
    if lay.strava and start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if lay.time is not None and not known:
        clock = _clock(cell(lay.time))
        if clock is not None:
            start, known = datetime.combine(start.date(), clock), True
    if not known:
        # Noon keeps a date-only row on its day whatever the zone's offset or DST.
        start = datetime.combine(start.date(), time(12, 0))

    dist = _number(cell(lay.distance), decimal_comma)
    if dist is None:
        raise _RowProblem(f"no distance in column {lay.distance.header!r}")
    dist_m = dist * (lay.distance.factor or 1.0)
    if dist_m > MAX_PLAUSIBLE_DISTANCE_M:
        raise _RowProblem(f"distance {dist_m / 1000:.0f} km is implausible")

    moving = (
        _duration(cell(lay.duration), lay.duration.factor, decimal_comma) if lay.duration else None
    )
    elapsed = (
        _duration(cell(lay.elapsed), lay.elapsed.factor, decimal_comma) if lay.elapsed else None
    )
    moving = moving if moving is not None else elapsed
    if moving is not None and moving > 0 and dist_m / moving > MAX_PLAUSIBLE_SPEED_MPS:
        sport = sport_of(cell(lay.sport) if lay.sport else None)
        if sport not in {"cycling", "other"}:
            raise _RowProblem(
                f"{dist_m / 1000:.2f} km in {moving:.0f} s is faster than 10 m/s: "
                "check the distance and duration units"
            )
    climb = _number(cell(lay.climb), decimal_comma) if lay.climb else None
    fast = _number(cell(lay.fast), decimal_comma) if lay.fast else None
    fast_m = None if fast is None or lay.fast is None else fast * (lay.fast.factor or 1.0)
    if fast_m is not None and fast_m > dist_m + 1.0:
        raise _RowProblem(
            f"fast distance {fast_m / 1000:.2f} km exceeds the distance {dist_m / 1000:.2f} km"
        )
    name = cell(lay.name).strip() or None if lay.name else None
    pains = {k: _pain(cell(c), c.header) for k, c in lay.pain.items()}
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
        rpe=_rpe(cell(lay.rpe), lay.rpe.header, decimal_comma) if lay.rpe else None,
    )


def _rpe(text: str, header: str, decimal_comma: bool) -> float | None:
    t = text.strip().removesuffix("/10").strip()
    if not t:
        return None
    try:
        v = _number(t, decimal_comma)
    except ValueError:
        v = None
    if v is None or not (0 <= v <= 10) or v * 2 != int(v * 2):
        raise _RowProblem(f"{header} {text.strip()!r} is not a session RPE 0-10 (CR-10, halves)")
    return v


def _pain(text: str, header: str) -> int | None:
    t = text.strip().removesuffix("/10").strip()
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        raise _RowProblem(f"{header} {text.strip()!r} is not a pain score 0-10") from None
    if not (0 <= v <= 10) or v != int(v):
        raise _RowProblem(f"{header} {text.strip()!r} is not a pain score 0-10 (whole numbers)")
    return int(v)


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
    lay = _layout(headers)
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
        except _RowProblem as e:
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
