"""The streaming GPX reader: GPX bytes → one column per channel, no object per point.

``ingest.gpx`` calls ``read`` first and falls back to gpxpy (the reference reader) whenever
this returns None.  The document is parsed by libxml2 (lxml, through the hardened parser of
``xmlsafe``), and each channel is one compiled XPath evaluated in C over every point at once:
``trkpt/@lat``, ``trkpt/ele[1]/text()[1]``, the first extension descendant named ``hr`` (any
namespace, any case)...  When every point has the channel, that list is the column as it
stands; when some lack it, each child is placed at its point.  Extension channels come from
one pass over lxml's tag-filtered iterator (``gpx_extensions``), and numpy places each text at
its point.
Everything typed afterwards works on whole columns: numbers and timestamps in
``gpx_columns`` (the text lists handed to polars once each, cast there in bulk; the timestamps
by ``isotimes``' bulk parse: from the list for a few thousand stamps of one layout, else two
small polars expressions), what must be left to gpxpy in ``gpx_checks``, and the cleaning in
``gpx_clean`` (numpy arrays, ``gpx_clean.Raw``, until the one frame per outing).

gpxpy would switch its own backend to lxml whenever lxml is importable and then read
differently (extension children are lxml elements, its lxml parser is not hardened), so
``ingest.gpx`` pins gpxpy to the standard library's ElementTree: installing lxml for this
reader leaves the reference reader as it was.

The result must be exactly what gpxpy's reading gives ``ingest.gpx`` (the differential test
``tests/ingest/test_gpx_reference.py`` checks every corpus file), so gpxpy's rules are followed
where they matter and the rest is left to gpxpy: None (fall back) for

* a document libxml2 cannot read as it stands (the repairs and the error messages are
  ``ingest.gpx``'s, around gpxpy), an encoding libxml2 does not know, a root that is not
  ``<gpx>`` in the document's default namespace (gpxpy strips only the first default
  ``xmlns`` and matches plain names), or a prefix bound to that namespace;
* no track point at all (gpxpy's document says why: a route, waypoints...);
* a value gpxpy types that might not convert (``lat``, ``<ele>``, ``<sat>``, ``<fix>``,
  ``<hdop>``, bounds...: gpxpy fails the whole file on those, or reads them otherwise), a
  point without ``lat``/``lon``, or a ``<time>`` that only Python's ``re`` ``$`` matches
  (a trailing newline).

Values are otherwise gpxpy's: the first matching child (``find``), ``<speed>`` only where
gpxpy's GPX 1.0 reading sees it, extensions and ``<trk><type>`` only where its 1.1 reading
does, and timestamps parsed by gpxpy's own pattern (a stamp it cannot parse is no time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import cast

import numpy as np
from lxml import etree

from loadwatch.ingest.containers.xmlsafe import hardened_tree, strings
from loadwatch.ingest.formats.gpx_checks import Fallback as _Fallback
from loadwatch.ingest.formats.gpx_checks import check_namespace, check_typed
from loadwatch.ingest.formats.gpx_clean import Raw
from loadwatch.ingest.formats.gpx_columns import columns
from loadwatch.ingest.formats.gpx_extensions import extension_texts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StreamedGpx:
    """What ``ingest.gpx`` needs from a document: the points as raw columns (``gpx_clean.Raw``)
    and, per ``<trk>``, its name and type."""

    points: Raw
    names: list[str | None]
    types: list[str | None]
    creator: str | None
    title: str | None
    version: str | None


def read(data: bytes) -> StreamedGpx | None:
    """The document's columns, or None where gpxpy must read it (see the module doc)."""
    try:
        return _read(data)
    except (etree.XMLSyntaxError, LookupError, ValueError) as e:  # libxml2, its codecs
        why = f"libxml2: {e}"
    except _Fallback as e:
        why = str(e)
    log.debug("GPX read by gpxpy (the streaming reader does not handle it): %s", why)
    return None


def _local_ns(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


def _text(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def _read(data: bytes) -> StreamedGpx:
    root = hardened_tree(data)
    ns, name = _local_ns(root.tag)
    if name != "gpx":
        raise _Fallback(f"root <{root.tag}>")
    check_namespace(data, ns)
    prefix = "{" + ns + "}" if ns else ""
    tag = {n: prefix + n for n in _TAGS}
    version, creator = root.get("version"), root.get("creator")
    paths = _paths(ns)
    segments: list[etree._Element] = []

    names: list[str | None] = []
    types: list[str | None] = []
    per_segment: list[int] = []
    seg_trk: list[int] = []
    title = None
    trk_no = -1
    # Tracks and segments are few: walked in Python; the points are read in C below.
    for top in root:
        if top.tag != tag["trk"]:
            if top.tag == tag["metadata"] and version == "1.1" and title is None:
                title = _text(_first(top, tag["name"]))
            elif top.tag == tag["name"] and version != "1.1" and title is None:
                title = _text(top.text)
            continue
        trk_no += 1
        names.append(_text(_first(top, tag["name"])))
        types.append(_text(_first(top, tag["type"])))
        for segment in top.iterchildren(tag["trkseg"]):
            segments.append(segment)
            per_segment.append(len(segment))  # its elements: the points, unless checked below
            seg_trk.append(trk_no)
    lat, lon = strings(paths.lat, root), strings(paths.lon, root)
    # A lat for every element of every segment: each element is a point (lat <= points <=
    # elements), so the points are counted; otherwise a count per segment (a walk each).
    if not sum(per_segment) == len(lat) == len(lon):
        per_segment = [int(cast(float, paths.count_points(s))) for s in segments]
        n = sum(per_segment)
        if n and (len(lat) != n or len(lon) != n):
            raise _Fallback("a track point without lat/lon")
    n = sum(per_segment)
    if not n:
        raise _Fallback("no track points")
    check_typed(root, ns, data)
    read_speed = version != "1.1" or b"<speed>" in data
    # gpxpy's reading does not see <speed> otherwise: not even looked for (a walk of the tree).
    core = _core_texts(root, paths, n, () if read_speed else ("speed",))
    extensions = extension_texts(segments, tag, data, n)
    if version != "1.1" and not (b"extensions>" in data or _track_type_in(data)):
        types = [None] * len(types)  # gpxpy's 1.1 reading, which alone knows <type>, not made
    seg = np.repeat(np.arange(len(per_segment), dtype=np.int64), per_segment)
    trk = np.repeat(np.asarray(seg_trk, dtype=np.int32), per_segment)
    points = columns(lat, lon, core, extensions, seg, trk)
    return StreamedGpx(points, names, types, creator, title, version)


@dataclass(frozen=True, slots=True)
class _Paths:
    """The compiled XPaths for one GPX namespace (compiled once per process)."""

    count_points: etree.XPath  # on a <trkseg>
    points: etree.XPath
    lat: etree.XPath
    lon: etree.XPath
    # Per core channel: the text of each point's first such child, and those children.
    texts: dict[str, etree.XPath]
    children: dict[str, etree.XPath]


@cache
def _paths(ns: str) -> _Paths:
    g = "g:" if ns else ""
    pts = f"{g}trk/{g}trkseg/{g}trkpt"

    def xp(path: str) -> etree.XPath:
        return etree.XPath(path, namespaces={"g": ns} if ns else None, smart_strings=False)

    return _Paths(
        count_points=xp(f"count({g}trkpt)"),
        points=xp(pts),
        lat=xp(f"{pts}/@lat"),
        lon=xp(f"{pts}/@lon"),
        # text()[1]: ElementTree's ``.text``, the text before any child element.
        texts={c: xp(f"{pts}/{g}{t}[1]/text()[1]") for t, c in _CORE.items()},
        children={c: xp(f"{pts}/{g}{t}[1]") for t, c in _CORE.items()},
    )


def _core_texts(
    root: etree._Element, paths: _Paths, n: int, skip: tuple[str, ...] = ()
) -> dict[str, list[str | None]]:
    """Per point, the text of its first ``<ele>``, ``<time>`` and ``<speed>`` child (gpxpy's
    ``find``), by XPath in C.  At most one text per point, so n texts are the column as it
    stands; otherwise (some points lack the child, or it is empty) each child is placed at its
    parent point, in Python but only for that channel of that file.  The ``skip`` columns
    are left out."""
    out: dict[str, list[str | None]] = {}
    index: dict[etree._Element, int] | None = None
    for column, texts_path in paths.texts.items():
        if column in skip:
            continue
        texts = cast(list[str | None], strings(texts_path, root))
        if len(texts) == n:
            out[column] = texts
            continue
        values: list[str | None] = [None] * n
        children = cast(list[etree._Element], paths.children[column](root))
        if children:
            if index is None:
                points = cast(list[etree._Element], paths.points(root))
                index = {p: i for i, p in enumerate(points)}
            for child in children:
                parent = child.getparent()
                if parent is not None:
                    values[index[parent]] = child.text or None
        out[column] = values
    return out


_CORE = {"ele": "altitude", "time": "stamp", "speed": "speed"}


_TAGS = (
    "trk",
    "trkseg",
    "trkpt",
    "ele",
    "time",
    "speed",
    "extensions",
    "name",
    "type",
    "number",
    "metadata",
    "wpt",
    "rtept",
    "bounds",
    "fix",
)


def _first(elem: etree._Element, tag: str) -> str | None:
    child = elem.find(tag)
    return child.text if child is not None else None


def _track_type_in(data: bytes) -> bool:
    """``gpx_reference._track_type_in`` on the bytes: whether gpxpy's 1.1 reading is made."""
    start = data.find(b"<trk>")
    while start != -1:
        end = data.find(b"<trkseg", start)
        end = len(data) if end == -1 else end
        if data.find(b"<type>", start, end) != -1:
            return True
        start = data.find(b"<trk>", end)
    return False
