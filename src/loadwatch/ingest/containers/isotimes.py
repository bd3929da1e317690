"""ISO 8601 timestamps of one XML column parsed in bulk by numpy, without a regex per stamp.

A recording writes every stamp alike (``2019-04-18T14:12:19.000Z`` ten thousand times), so
the layout of the first stamp is checked once against gpxpy's pattern, and every other stamp
only has to have the same layout: the same length, digits where the first has digits and the
same characters elsewhere (so a different offset sign or a shorter fraction is another
layout).  Then the fields are read as digit columns of one ``uint8`` matrix, which is exactly
what gpxpy's ``parse_time`` computes from its regex groups (the fraction truncated to
microseconds, the offset as ``SimpleTZ`` reads it).  Anything else (mixed layouts, non-ASCII
text, a first stamp the pattern refuses) returns None, and the caller takes its general path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

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


def uniform(texts: Sequence[str], *, canonical: bool = False) -> Stamps | None:
    """All of ``texts`` (no None) parsed when they share the first one's layout, else None.

    ``canonical``: only the layouts every ISO 8601 reader reads alike (two-digit fields, at
    most six fraction digits, ``Z`` or a full ``±hh[:]mm`` offset), for callers whose general
    path is not gpxpy's pattern.
    """
    if not texts:
        return None
    first = texts[0]
    m = _LAYOUT.fullmatch(first)
    if m is None or (canonical and not _canonical(m)):
        return None
    try:
        raw = np.array(texts, dtype="S")
    except UnicodeEncodeError:
        return None
    width = len(first)
    if raw.dtype.itemsize != width:
        return None
    u8 = raw.view(np.uint8).reshape(len(texts), width)
    if width and not u8[:, width - 1].all():  # a shorter stamp is padded with NUL
        return None
    digit0 = (u8[0] >= 48) & (u8[0] <= 57)
    digits = u8[:, digit0]
    others = u8[:, ~digit0]
    if not (((digits >= 48) & (digits <= 57)).all() and (others == others[0]).all()):
        return None

    def field(name: str, keep: int = 15) -> np.ndarray:
        start, end = m.span(name)
        end = min(end, start + keep)
        weights = 10 ** np.arange(end - start - 1, -1, -1, dtype=np.int64)
        return (u8[:, start:end].astype(np.int64) - 48) @ weights

    y, mo, d = field("y"), field("mo"), field("d")
    h, mi, s = field("h"), field("mi"), field("s")
    us = np.zeros(len(texts), dtype=np.int64)
    if m.group("frac") is not None:
        kept = min(6, len(m.group("frac")))
        us = field("frac", 6) * 10 ** (6 - kept)  # gpxpy: the first six digits, padded right
    month = ((y - 1970) * 12 + np.clip(mo, 1, 12) - 1).astype("datetime64[M]")
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


def _canonical(m: re.Match[str]) -> bool:
    two = all(len(m.group(k)) == 2 for k in ("mo", "d", "h", "mi", "s"))
    frac = m.group("frac")
    tz = m.group("tz")
    full_offset = tz is None or tz == "Z" or m.group("om") is not None
    return two and (frac is None or len(frac) <= 6) and full_offset
