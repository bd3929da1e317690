"""The GPX point columns cut from the document's bytes by numpy: no Python object per value.

The streaming reader (``gpx_stream``) has parsed the document with the hardened libxml2
parser (so it is well-formed, and its entities, DTD and network refused) and counted its track
points in the tree.  For a document written the way recorders write it, the bytes then say as
much as the tree: every ``<`` starts a tag, and ``lat``, ``lon``, each point's first ``<ele>``,
``<time>`` and ``<speed>`` child are at known places.  ``core`` finds them with array
operations over the positions of ``<``, ``>`` and ``"`` (one ``uint8`` view of the bytes),
types the numbers from digit matrices and the stamps with ``isotimes``, and returns None for
anything else, where the tree's XPaths read the document as before:

* a character or entity reference (``&``), a comment, CDATA section or DOCTYPE anywhere, a
  processing instruction but the XML declaration (the tree's texts could differ from the
  bytes);
* a point whose start tag is not exactly ``<trkpt lat="…" lon="…">`` (or ``/>``), a ``<trkpt`` or
  ``</trkpt>`` count that is not the tree's (a point outside ``trk/trkseg``, a prefixed GPX
  element, another namespace's ``trkpt``), points or ``<extensions>`` nested;
* inside a point and outside its ``<extensions>``, a child that holds an element or has
  attributes (then an ``<ele>`` found might not be the point's own), an ``<ele>``, ``<time>``
  or ``<speed>`` written otherwise than ``<ele>`` (attributes, self-closed);
* a number that is not ``[+-]digits[.digits]`` (whitespace, exponents, ``inf``, ``1_0``),
  stamps of one width in several layouts, or of more than eight widths (``isotimes``'s
  bulk parse, one width at a time, as ``gpx_columns`` does).

Numbers of at most 15 digits are ``mantissa / 10**fraction_digits``: both exact doubles, so
the one division is correctly rounded, i.e. equal to Python's ``float`` of the text (gpxpy's
converter); longer ones are read by ``float`` one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loadwatch.ingest.containers import isotimes
from loadwatch.ingest.containers.xmlcolumns import NAT

_LT, _GT, _QUOTE, _SLASH = 60, 62, 34, 47
_HEAD = 16  # bytes read after each "<": enough for every name matched here
_NUM = 24  # the widest number taken from a digit matrix (longer: Python's float)
_FAST_DIGITS = 15  # a mantissa of at most 15 digits is below 2**53: exact as a double
_POW10 = np.array([float(10**k) for k in range(_NUM + 1)])  # exact up to 10**22
_DELIM = np.zeros(256, dtype=bool)  # what may end a tag's name
_DELIM[list(b" \t\r\n/>")] = True


@dataclass(frozen=True, slots=True)
class Core:
    """The typed point columns: NaN (``NAT`` for ``wall``) where a point has none."""

    lat: np.ndarray
    lon: np.ndarray
    altitude: np.ndarray
    speed: np.ndarray
    wall: np.ndarray  # int64 µs of the stamp's own clock
    offset_min: np.ndarray  # float64


class _Odd(Exception):
    """A shape the scanner leaves to the tree."""


def core(data: bytes, n: int, read_speed: bool) -> Core | None:
    """The point columns of ``data`` (``n`` track points in the tree), or None where the tree
    must be read (see the module doc).  ``read_speed``: ``<speed>`` is read (else NaN)."""
    if not n or b"&" in data:
        return None
    # No comment, CDATA or DOCTYPE anywhere, and no processing instruction but the declaration.
    pi = data.find(b"<?")
    if b"<!" in data or (pi != -1 and data.find(b"<?", pi + 2) != -1):
        return None
    try:
        return _core(data, n, read_speed)
    except _Odd:
        return None


def _core(data: bytes, n: int, read_speed: bool) -> Core:
    a = np.frombuffer(data, dtype=np.uint8)
    pad = np.concatenate((a, np.zeros(_HEAD + _NUM + 1, dtype=np.uint8)))
    lt = np.flatnonzero(a == _LT)
    heads = pad[lt[:, None] + np.arange(1, _HEAD + 1)]

    def named(name: bytes) -> np.ndarray:
        k = len(name)
        return (heads[:, :k] == np.frombuffer(name, dtype=np.uint8)).all(axis=1) & _DELIM[
            heads[:, k]
        ]

    opens_pt = named(b"trkpt")
    po = lt[opens_pt]
    _require(len(po) == n)

    # <trkpt lat="…" lon="…"> or <trkpt lat="…" lon="…"/>
    start = b'trkpt lat="'
    _require(bool((heads[opens_pt, : len(start)] == np.frombuffer(start, np.uint8)).all()))
    quotes = np.flatnonzero(a == _QUOTE)
    lat_s = po + 1 + len(start)
    lat_e = _next(quotes, lat_s)
    sep = b'" lon="'
    _require(bool((pad[lat_e[:, None] + np.arange(len(sep))] == np.frombuffer(sep, np.uint8)).all()))
    lon_s = lat_e + len(sep)
    lon_e = _next(quotes, lon_s)
    self_closed_pt = (pad[lon_e + 1] == _SLASH) & (pad[lon_e + 2] == _GT)
    _require(bool(((pad[lon_e + 1] == _GT) | self_closed_pt).all()))
    closes = lt[named(b"/trkpt")]
    _require(len(closes) == n - int(self_closed_pt.sum()))
    pc = np.empty(n, dtype=np.int64)
    pc[self_closed_pt], pc[~self_closed_pt] = lon_e[self_closed_pt] + 2, closes
    _require(bool((po < pc).all()) and bool((pc[:-1] < po[1:]).all()))

    # Children of a point, outside its <extensions>: leaves without attributes.
    eo, ec = lt[named(b"extensions")], lt[named(b"/extensions")]
    _require(len(eo) == len(ec) and bool((eo < ec).all()) and bool((ec[:-1] < eo[1:]).all()))
    pt = np.searchsorted(po, lt, side="right") - 1
    inside = (pt >= 0) & (lt > po[np.maximum(pt, 0)]) & (lt < pc[np.maximum(pt, 0)])
    if len(eo):
        ex = np.searchsorted(eo, lt, side="right") - 1
        inside &= ~((ex >= 0) & (lt <= ec[np.maximum(ex, 0)]))
    rows = np.flatnonzero(inside)
    opening = heads[rows, 0] != _SLASH
    gts = np.flatnonzero(a == _GT)
    tag_end = _next(gts, lt[rows])
    self_closed = pad[tag_end - 1] == _SLASH
    # No attributes: the name runs to the tag's end (so no ">" or "/" inside a value misleads).
    name_end = _name_end(pad, lt[rows], tag_end)
    _require(bool((name_end[opening] == tag_end[opening] - self_closed[opening]).all()))
    leaf = rows[opening & ~self_closed]
    _require(bool((heads[np.minimum(leaf + 1, len(lt) - 1), 0] == _SLASH).all()))
    _require(bool((leaf + 1 < len(lt)).all()))

    def child(name: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per point having one: the point, and its first such child's text span."""
        mine = rows[named(name)[rows]]
        _require(bool((heads[mine, len(name)] == _GT).all()))  # exactly <name>
        first = np.unique(pt[mine], return_index=True)[1]
        mine = mine[first]
        return pt[mine], lt[mine] + len(name) + 2, lt[mine + 1]

    altitude = np.full(n, np.nan)
    at, s, e = child(b"ele")
    altitude[at] = _numbers(data, pad, s, e)
    speed = np.full(n, np.nan)
    if read_speed:
        at, s, e = child(b"speed")
        speed[at] = _numbers(data, pad, s, e)
    wall, offset = np.full(n, NAT, dtype=np.int64), np.full(n, np.nan)
    at, s, e = child(b"time")
    widths = e - s
    layouts = np.unique(widths)
    # gpx_columns._clock's layouts: one bulk parse per stamp length, none where no stamp.
    _require(len(layouts) <= 8 and bool((layouts > 0).all()) and bool((layouts <= 64).all()))
    for width in layouts:
        group = widths == width
        stamps = isotimes.uniform_rows(pad[s[group][:, None] + np.arange(width)])
        if stamps is None:
            raise _Odd
        wall[at[group]] = np.where(stamps.valid, stamps.wall_us, NAT)
        if stamps.offset_min is not None:
            offset[at[group]] = stamps.offset_min
    return Core(
        lat=_numbers(data, pad, lat_s, lat_e),
        lon=_numbers(data, pad, lon_s, lon_e),
        altitude=altitude,
        speed=speed,
        wall=wall,
        offset_min=offset,
    )


def _require(ok: bool) -> None:
    if not ok:
        raise _Odd


def _next(positions: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per ``after``, the first of the sorted ``positions`` at or after it."""
    i = np.searchsorted(positions, after)
    _require(bool((i < len(positions)).all()))
    return positions[i]


def _name_end(pad: np.ndarray, lt: np.ndarray, tag_end: np.ndarray) -> np.ndarray:
    """Per tag, where its name ends (the first byte that may end a name, within the tag)."""
    if not len(lt):
        return lt
    width = int((tag_end - lt).max())
    if width > 64:  # a long tag: attributes, surely
        raise _Odd
    window = pad[lt[:, None] + 1 + np.arange(width)]
    return lt + 1 + np.argmax(_DELIM[window], axis=1)


def _numbers(data: bytes, pad: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Python's ``float`` of each ``data[s:e]`` (NaN for an empty text), in bulk; any text but
    ``[+-]digits[.digits]`` leaves the file to the tree."""
    length = e - s
    out = np.full(len(s), np.nan)
    some = length > 0
    if not some.any():
        return out
    s, length = s[some], length[some]
    _require(bool((length <= _NUM).all()))
    cols = np.arange(_NUM)
    m = pad[s[:, None] + cols]
    within = cols < length[:, None]
    digit = (m >= 48) & (m <= 57) & within
    dot = (m == 46) & within
    signed = (m[:, 0] == 45) | (m[:, 0] == 43)
    other = within & ~digit & ~dot
    other[:, 0] &= ~signed
    digits = digit.sum(axis=1)
    _require(not other.any() and bool((dot.sum(axis=1) <= 1).all()) and bool((digits > 0).all()))
    mantissa = np.zeros(len(s), dtype=np.int64)
    for j in range(int(length.max())):
        d = digit[:, j]
        if d.any():
            mantissa = np.where(d, mantissa * 10 + (m[:, j].astype(np.int64) - 48), mantissa)
    after_dot = np.cumsum(dot, axis=1) > 0
    fraction = (digit & after_dot).sum(axis=1)
    value = mantissa / _POW10[fraction]
    value = np.where(m[:, 0] == 45, -value, value)
    slow = np.flatnonzero(digits > _FAST_DIGITS)
    for i in slow:  # beyond 2**53: Python's float, the reference
        value[i] = float(data[s[i] : s[i] + length[i]])
    out[some] = value
    return out
