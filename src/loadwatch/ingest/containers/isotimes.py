"""ISO 8601 timestamps of one XML column parsed in bulk by numpy, without a regex per stamp.

A recording writes every stamp alike (``2019-04-18T14:12:19.000Z`` ten thousand times), so
the layout of the first stamp is checked once against gpxpy's pattern, and every other stamp
only has to have the same layout: the same length, digits where the first has digits and the
same characters elsewhere (so a different offset sign or a shorter fraction is another
layout).  Then the fields are read as digit columns of one ``uint8`` matrix, which is exactly
what gpxpy's ``parse_time`` computes from its regex groups (the fraction truncated to
microseconds, the offset as ``SimpleTZ`` reads it).  Anything else (mixed layouts, non-ASCII
text, a first stamp the pattern refuses) returns None, and the caller takes its general path.

A polars column of stamps (the GPX reader's) becomes the matrix in Rust: its byte lengths are
checked there and it is joined into one ASCII buffer that numpy views (numpy's ``S`` array
encodes each Python string at ~100 ns).  A list (TCX's, often a handful of stamps) is encoded by
Python (one join), which costs no fixed ~0.1 ms of polars calls.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

# gpxpy.gpxfield.RE_TIMESTAMP with named groups, ASCII signs only and anchored at the true end.
_LAYOUT = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})[T ]"
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?:\.(?P<frac>[0-9]{1,15}))?"
    r"(?P<tz>Z|(?P<sign>[+-])(?P<oh>[0-9]{2}):?(?P<om>[0-9]{2})?)?"
)
_US_PER_S = 1_000_000


@dataclass(frozen=True, slots=True)
class Stamps:
    """Per stamp: its own clock in µs since 1970 (naive: the stamp's wall time), whether it is
    a real date and time (``datetime()`` accepts it), and its offset in minutes (None: the
    stamps carry no offset)."""

    wall_us: np.ndarray  # int64; meaningless where not ``valid``
    valid: np.ndarray  # bool
    offset_min: np.ndarray | None  # int64


def uniform(
    texts: Sequence[str] | pl.Series, *, canonical: bool = False, one_length: bool = False
) -> Stamps | None:
    """All of ``texts`` (no None or null) parsed when they share the first one's layout, else
    None.

    ``canonical``: only the layouts every ISO 8601 reader reads alike (two-digit fields, at
    most six fraction digits, ``Z`` or a full ``±hh[:]mm`` offset), for callers whose general
    path is not gpxpy's pattern.  ``one_length``: the caller has checked that every text is
    as many bytes long as the first.
    """
    if len(texts) == 0:
        return None
    first = str(texts[0])
    m = _LAYOUT.fullmatch(first)
    if m is None or (canonical and not _canonical(m)):
        return None
    u8 = _matrix(texts, len(first), one_length)
    if u8 is None:
        return None
    digit0 = (u8[0] >= 48) & (u8[0] <= 57)
    digits = u8[:, digit0]
    others = u8[:, ~digit0]
    if not (((digits >= 48) & (digits <= 57)).all() and (others == others[0]).all()):
        return None

    def field(name: str, keep: int = 15) -> np.ndarray:
        start, end = m.span(name)
        # Digit by digit: numpy's integer matmul has no fast path (measured 2x slower).
        out = u8[:, start].astype(np.int64) - 48
        for j in range(start + 1, min(end, start + keep)):
            out = out * 10 + (u8[:, j] - 48)
        return out

    y, mo, d = field("y"), field("mo"), field("d")
    h, mi, s = field("h"), field("mi"), field("s")
    us = np.zeros(len(texts), dtype=np.int64)
    if m.group("frac") is not None:
        kept = min(6, len(m.group("frac")))
        us = field("frac", 6) * 10 ** (6 - kept)  # gpxpy: the first six digits, padded right
    months = (y - 1970) * 12 + np.clip(mo, 1, 12) - 1
    if (months == months[0]).all():  # most files: one month, whose calendar is read once
        months = months[:1]
    month = months.astype("datetime64[M]")
    day0 = month.astype("datetime64[D]").astype(np.int64)
    month_days = (month + 1).astype("datetime64[D]").astype(np.int64) - day0
    valid = (
        (y >= 1)
        & (mo >= 1)
        & (mo <= 12)
        & (d >= 1)
        & (d <= month_days)
        & (h <= 23)
        & (mi <= 59)
        & (s <= 59)
    )
    seconds = (day0 + d - 1) * 86_400 + h * 3600 + mi * 60 + s
    offset: np.ndarray | None = None
    if m.group("tz") == "Z":
        offset = np.zeros(len(texts), dtype=np.int64)
    elif m.group("tz") is not None:  # SimpleTZ: ±hh[:][mm], the sign shared by the layout
        hours, minutes = field("oh"), field("om") if m.group("om") is not None else 0
        if canonical and ((hours > 14).any() or (np.asarray(minutes) > 59).any()):
            return None  # offsets beyond any zone: each reader has its own rules
        offset = hours * 60 + minutes
        offset = -offset if m.group("sign") == "-" else offset
    return Stamps(seconds * _US_PER_S + us, valid, offset)


def _matrix(texts: Sequence[str] | pl.Series, width: int, one_length: bool) -> np.ndarray | None:
    """The stamps as rows of a ``uint8`` matrix, or None unless every one is ``width`` bytes
    of ASCII (the first, which the layout matched, is ASCII: its width in bytes is its length)."""
    if not isinstance(texts, pl.Series):  # a list: joined by Python (no fixed polars cost)
        # One length (of characters: of bytes too, once the join encodes as ASCII), then one
        # join and encode: ~15 ns a stamp, where numpy's "S" array encoded each at ~100 ns.
        if not one_length and set(map(len, texts)) != {width}:
            return None
        try:
            joined = "".join(texts).encode("ascii")
        except UnicodeEncodeError:
            return None
        return np.frombuffer(joined, dtype=np.uint8).reshape(len(texts), width)
    column = texts
    if not one_length:
        lengths = column.str.len_bytes().to_numpy()
        if lengths.min() != width or lengths.max() != width:
            return None
    try:
        joined = str(column.str.join("").item()).encode("ascii")
    except UnicodeEncodeError:
        return None
    return np.frombuffer(joined, dtype=np.uint8).reshape(len(column), width)


def _canonical(m: re.Match[str]) -> bool:
    two = all(len(m.group(k)) == 2 for k in ("mo", "d", "h", "mi", "s"))
    frac = m.group("frac")
    tz = m.group("tz")
    full_offset = tz is None or tz == "Z" or m.group("om") is not None
    return two and (frac is None or len(frac) <= 6) and full_offset
