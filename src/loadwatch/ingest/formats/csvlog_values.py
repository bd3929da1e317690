"""A CSV training log's cells: numbers (decimal comma or point), durations (clock text or a
unit), dates and times in the formats runners' spreadsheets and Strava write, pain and RPE
scores.  A cell that cannot be read raises ``RowProblem``, which costs its row only.  Pure."""

from __future__ import annotations

import math
import re
from datetime import datetime, time


class RowProblem(ValueError):
    pass


# "1,234" / "12,345.6": commas grouping thousands.  "12,50": one comma, one or two digits after
# it, no point: a decimal comma.  Any other comma is refused, never guessed.
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}$")


def number(text: str, decimal_comma: bool) -> float | None:
    """A cell's number.  ``decimal_comma``: the file is ``;``/tab separated, so a comma is
    the decimal mark.  Otherwise a comma groups thousands ("1,234.5") or, with one or two
    digits after it ("12,50"), is a decimal comma; any other comma is refused."""
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if not t:
        return None
    if decimal_comma:
        t = t.replace(".", "").replace(",", ".") if t.count(",") == 1 else t
    elif "," in t:
        if _GROUPED.match(t):
            t = t.replace(",", "")  # thousands separators: "1,234.5"
        elif _DECIMAL_COMMA.match(t):
            # "12,50" or "5,0": a spreadsheet's decimal comma, quoted in a comma-separated
            # file; no thousands grouping reads so (a group has three digits).
            t = t.replace(",", ".")
        else:
            raise RowProblem(
                f"{text.strip()!r} is not a number (a decimal comma? use a decimal point)"
            )
    try:
        v = float(t)
    except ValueError as e:
        raise RowProblem(f"{text.strip()!r} is not a number") from e
    if not math.isfinite(v) or v < 0:
        raise RowProblem(f"{text.strip()!r} is not a non-negative number")
    return v


_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def duration_s(text: str, factor: float | None, decimal_comma: bool) -> float | None:
    t = text.strip()
    if not t:
        return None
    if factor is None:
        m = _CLOCK.match(t)
        if m:
            h, mi, s = m.groups()
            return int(h or 0) * 3600 + int(mi) * 60 + float(s)
        factor = 1.0
    v = number(t, decimal_comma)
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


def when(text: str) -> tuple[datetime, bool]:
    """(start, time_known); aware when the text names its offset."""
    t = " ".join(text.strip().split())
    if not t:
        raise RowProblem("no date")
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
    raise RowProblem(f"date {text.strip()!r} not understood (use YYYY-MM-DD)")


def clock_time(text: str) -> time | None:
    t = text.strip().upper()
    if not t:
        return None
    for f in ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p", "%I:%M%p"):
        try:
            return datetime.strptime(t, f).time()
        except ValueError:
            continue
    raise RowProblem(f"time {text.strip()!r} not understood (use HH:MM)")


def rpe_score(text: str, header: str, decimal_comma: bool) -> float | None:
    t = text.strip().removesuffix("/10").strip()
    if not t:
        return None
    try:
        v = number(t, decimal_comma)
    except ValueError:
        v = None
    if v is None or not (0 <= v <= 10) or v * 2 != int(v * 2):
        raise RowProblem(f"{header} {text.strip()!r} is not a session RPE 0-10 (CR-10, halves)")
    return v


def pain_score(text: str, header: str) -> int | None:
    t = text.strip().removesuffix("/10").strip()
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        raise RowProblem(f"{header} {text.strip()!r} is not a pain score 0-10") from None
    if not (0 <= v <= 10) or v != int(v):
        raise RowProblem(f"{header} {text.strip()!r} is not a pain score 0-10 (whole numbers)")
    return int(v)
