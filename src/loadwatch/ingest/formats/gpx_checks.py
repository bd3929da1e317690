"""What the streaming GPX reader leaves to gpxpy: ``Fallback`` when a document is a shape
whose reading gpxpy might make otherwise.

gpxpy strips the first default ``xmlns`` and matches plain names (``check_namespace``), and it
types some values wherever its schema has them and fails the whole file on one it cannot
convert (``check_typed``).  Those values are checked by gpxpy's own converters
(``float(text.strip())``, ``int(text.strip())``, its list of fixes), gathered by XPath from the
places gpxpy reads them, and only for the names the bytes hold at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import cast

import numpy as np
from lxml import etree

from loadwatch.ingest.containers.xmlsafe import strings

# gpxpy's FloatConverter is float(text.strip()) and IntConverter int(text.strip()): values are
# checked by those very functions (numpy's str-to-float is Python's float).
_FIX = frozenset(("none", "2d", "3d", "dgps", "pps", "3"))  # gpxpy's possible values for <fix>

# Typed point children (gpxpy's GPX 1.0 track point and 1.1 point fields).
_FLOAT_CHILDREN = ("magvar", "geoidheight", "hdop", "vdop", "pdop", "ageofdgpsdata", "course")
_INT_CHILDREN = ("sat", "dgpsid")
_BOUNDS = ("minlat", "maxlat", "minlon", "maxlon")
_LAT_LON = ("lat", "lon")
# Where a GPX element of one of these names starts (a GPX element bound to a prefix was already
# left to gpxpy by ``check_namespace``): "fix" in "prefix" costs no walk of the tree.
_TYPED_NAMES_RE = re.compile(
    rb"<("
    + b"|".join(
        n.encode() for n in (*_FLOAT_CHILDREN, *_INT_CHILDREN, "number", "fix", "wpt", "rtept")
    )
    + rb"|bounds)[\s/>]"
)


_DEFAULT_NS_RE = re.compile(rb"""\sxmlns=(['"])([^'"]+)\1""")


class Fallback(Exception):
    """A shape left to gpxpy (the reason goes to the debug log)."""


def check_namespace(data: bytes, ns: str) -> None:
    """gpxpy removes the first ``xmlns="…"`` of the text and matches plain names: the
    document's default namespace must be the root's, and no prefix may name it too."""
    first = _DEFAULT_NS_RE.search(data)
    declared = first.group(2).decode("utf-8", "replace") if first is not None else ""
    if declared != ns:
        raise Fallback(f"default namespace {declared!r} is not the root's {ns!r}")
    if ns and re.search(rb"""xmlns:[^=\s]+\s*=\s*(['"])""" + re.escape(ns.encode()) + rb"\1", data):
        raise Fallback("a prefix bound to the default namespace")


def check_typed(root: etree._Element, ns: str, data: bytes) -> None:
    """gpxpy types these wherever its schema has them (points, waypoints, routes, bounds,
    track numbers) and fails the file on a value it cannot convert: each must convert.  They
    are checked wherever they are (a superset: the cost is only a needless fallback), each
    gathered by one XPath in C, and only for the names the bytes hold at all (each XPath is
    a walk of the whole tree)."""
    paths = _typed_paths(ns)
    # The typed names the bytes hold, in one C scan (a search per name costs ~1 ms a MB each).
    present = set(_TYPED_NAMES_RE.findall(data))
    if any(cast(float, p(root)) for name, p in paths.unplaced if name in present):
        raise Fallback("a waypoint or route point without lat/lon")
    floats = [t for name, p in paths.floats if name in present for t in strings(p, root)]
    ints = [t for name, p in paths.ints if name in present for t in strings(p, root)]
    fixes = [t for name, p in paths.fixes if name in present for t in strings(p, root)]
    # gpxpy's converters themselves: float(text.strip()), int(text.strip()), a fix it knows.
    try:
        np.array(floats, dtype=np.float64)
        list(map(int, ints))
    except (ValueError, TypeError) as e:
        raise Fallback(f"typed values gpxpy might not convert ({e})") from e
    if not set(fixes) <= _FIX:
        raise Fallback("a <fix> gpxpy does not know")


@dataclass(frozen=True, slots=True)
class _TypedPaths:
    """One XPath per name, never a union: libxml2 merges a union's node sets pairwise, which
    is quadratic in the number of points."""

    # (the bytes the document must hold for the XPath to find anything: ``_start``)
    unplaced: tuple[tuple[bytes, etree.XPath], ...]  # waypoints, route points without lat/lon
    floats: tuple[tuple[bytes, etree.XPath], ...]  # texts and attributes gpxpy reads as floats
    ints: tuple[tuple[bytes, etree.XPath], ...]
    fixes: tuple[tuple[bytes, etree.XPath], ...]


@cache
def _typed_paths(ns: str) -> _TypedPaths:
    g = "g:" if ns else ""

    def xp(path: str) -> etree.XPath:
        return etree.XPath(path, namespaces={"g": ns} if ns else None, smart_strings=False)

    # text()[1]: ElementTree's ``.text``, the text before any child element.
    def texts(*names: str) -> tuple[tuple[bytes, etree.XPath], ...]:
        return tuple((_start(n), xp(f"//{g}{n}/text()[1]")) for n in names)

    # Where gpxpy reads waypoints, route points and bounds: direct paths, no walk of the tree.
    placed = {"wpt": f"{g}wpt", "rtept": f"{g}rte/{g}rtept"}
    bounds = (f"{g}metadata/{g}bounds", f"{g}bounds")  # GPX 1.1, GPX 1.0
    return _TypedPaths(
        unplaced=tuple(
            (_start(p), xp(f"count({path}[not(@lat) or not(@lon)])")) for p, path in placed.items()
        ),
        # A track point's first <ele> and <speed> are converted with the point columns.
        floats=texts(*_FLOAT_CHILDREN)
        + tuple(
            (_start(p), xp(f"{path}/{g}{child}[1]/text()[1]"))
            for p, path in placed.items()
            for child in ("ele", "speed")
        )
        + tuple(
            (_start(p), xp(f"{path}/@{a}")) for p, path in placed.items() for a in ("lat", "lon")
        )
        + tuple((_start("bounds"), xp(f"{path}/@{a}")) for path in bounds for a in _BOUNDS),
        ints=texts(*_INT_CHILDREN)
        + tuple((_start("number"), xp(f"{g}{p}/{g}number/text()[1]")) for p in ("trk", "rte")),
        fixes=texts("fix"),
    )


def _start(name: str) -> bytes:
    """The name as ``_TYPED_NAMES_RE`` reports it."""
    return name.encode()
