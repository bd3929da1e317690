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
    # The 16 bytes after each "<" as two little-endian words (unaligned reads, no 2-D gather).
    words = np.ndarray((len(pad) - 8,), dtype="<u8", buffer=pad, strides=(1,))
    w1, w2 = words[lt + 1], words[lt + 9]

    def byte(rows: np.ndarray | slice, k: int) -> np.ndarray:
        """Byte ``k`` (0-15) after the "<" of the tags ``rows``."""
        w = w1[rows] if k < 8 else w2[rows]
        return ((w >> np.uint64(8 * (k % 8))) & np.uint64(0xFF)).astype(np.uint8)

    def starts(rows: np.ndarray | slice, text: bytes) -> np.ndarray:
        """Whether the tags ``rows`` start with ``text`` (at most 16 bytes) after the "<"."""
        out = np.ones(len(w1[rows]), dtype=bool)
        for w, part in ((w1, text[:8]), (w2, text[8:16])):
            if part:
                mask = np.uint64((1 << (8 * len(part))) - 1)
                out &= (w[rows] & mask) == np.uint64(int.from_bytes(part, "little"))
        return out

    def named(name: bytes) -> np.ndarray:
        return starts(slice(None), name) & _DELIM[byte(slice(None), len(name))]

    opens_pt = named(b"trkpt")
    po = lt[opens_pt]
    _require(len(po) == n)

    # <trkpt lat="…" lon="…"> or <trkpt lat="…" lon="…"/>
    start = b'trkpt lat="'
    _require(bool(starts(np.flatnonzero(opens_pt), start).all()))
    lat_s = po + 1 + len(start)
    lat_e = _first_at(pad, lat_s, _QUOTE)
    sep = b'" lon="'
    _require(
        bool((pad[lat_e[:, None] + np.arange(len(sep))] == np.frombuffer(sep, np.uint8)).all())
    )
    lon_s = lat_e + len(sep)
    lon_e = _first_at(pad, lon_s, _QUOTE)
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
    # The tags strictly inside a point and outside its <extensions>: counted by spans over
    # the tags' indices (a running sum), not a search per tag.
    span = np.zeros(len(lt) + 1, dtype=np.int32)
    np.add.at(span, np.searchsorted(lt, po) + 1, 1)
    np.add.at(span, np.searchsorted(lt, pc), -1)  # a self-closed point's "/>" is no tag
    np.add.at(span, np.searchsorted(lt, eo), -1)
    np.add.at(span, np.searchsorted(lt, ec) + 1, 1)
    rows = np.flatnonzero(np.cumsum(span[:-1]) > 0)
    opening = rows[byte(rows, 0) != _SLASH]
    # No attributes: the name runs to ">" or "/>" (so no ">" or "/" in a value misleads).
    name_end = np.full(len(opening), -1)
    for k in range(_HEAD - 1, 0, -1):
        name_end = np.where(_DELIM[byte(opening, k)], k, name_end)
    _require(bool((name_end > 0).all()))
    tag_end = lt[opening] + 1 + name_end  # the byte that ends the name
    closed = pad[tag_end] == _SLASH
    _require(bool(((pad[tag_end] == _GT) | (closed & (pad[tag_end + 1] == _GT))).all()))
    leaf = opening[~closed]
    _require(bool((leaf + 1 < len(lt)).all()))
    _require(bool((byte(leaf + 1, 0) == _SLASH).all()))

    def child(name: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per point having one: the point, and its first such child's text span."""
        mine = rows[starts(rows, name) & _DELIM[byte(rows, len(name))]]
        _require(bool((byte(mine, len(name)) == _GT).all()))  # exactly <name>
        pt = np.searchsorted(po, lt[mine], side="right") - 1
        first = np.unique(pt, return_index=True)[1]
        mine = mine[first]
        return pt[first], lt[mine] + len(name) + 2, lt[mine + 1]

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


def _first_at(pad: np.ndarray, after: np.ndarray, value: int) -> np.ndarray:
    """Per ``after``, where ``value`` is first met at or after it, within ``_NUM`` bytes."""
    window = pad[after[:, None] + np.arange(_NUM + 1)] == value
    found = np.argmax(window, axis=1)
    _require(bool(window[np.arange(len(after)), found].all()))
    return after + found


def _numbers(data: bytes, pad: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Python's ``float`` of each ``data[s:e]`` (NaN for an empty text), in bulk; any text but
    ``[+-]digits[.digits]`` leaves the file to the tree."""
    length = e - s
    out = np.full(len(s), np.nan)
    some = length > 0
    if not some.any():
        return out
    s, length = s[some], length[some]
    width = int(length.max())
    _require(width <= _NUM)
    # One row per character position, one column per number: each row is contiguous.
    m = pad[s[None, :] + np.arange(width)[:, None]]
    within = np.arange(width)[:, None] < length[None, :]
    d = m - np.uint8(48)  # digits 0-9; anything else wraps above 9
    digit = (d <= 9) & within
    dot = (m == 46) & within
    signed = (m[0] == 45) | (m[0] == 43)
    other = within & ~digit & ~dot
    other[0] &= ~signed
    has_dot = dot.any(axis=0)
    _require(not other.any() and int(dot.sum()) == int(has_dot.sum()))
    digits = length - has_dot - signed
    _require(bool((digits > 0).all()))
    mantissa = np.zeros(len(s), dtype=np.int64)
    for j in range(width):
        mantissa = np.where(digit[j], mantissa * 10 + d[j], mantissa)
    fraction = np.where(has_dot, length - 1 - np.argmax(dot, axis=0), 0)
    value = mantissa / _POW10[np.minimum(fraction, _NUM)]
    value = np.where(m[0] == 45, -value, value)
    for i in np.flatnonzero(digits > _FAST_DIGITS):  # beyond 2**53: Python's float
        value[i] = float(data[s[i] : s[i] + length[i]])
    out[some] = value
    return out
