"""The streaming GPX reader: GPX bytes → one column per channel, no object per point.

``ingest.gpx`` calls ``read`` first and falls back to gpxpy (the reference reader) whenever
this returns None.  The document is streamed through the C ElementTree pull parser (expat),
fed in chunks; each ``<trkpt>`` is read when its end tag arrives and cleared at once, so the
tree never holds more than one point's children.  What a point yields is the texts expat made
(attributes, child texts) appended to column lists; everything typed (floats, timestamps,
validity) is done afterwards on whole columns by polars.

Why not lxml: gpxpy switches its own backend to lxml whenever lxml is importable, and then
reads differently (extension children are lxml elements, text is decoded as UTF-8 whatever
the declaration): installing lxml changes the reference reader itself.

The result must be exactly what gpxpy's reading gives ``ingest.gpx`` (the differential test
``tests/ingest/test_gpx_reference.py`` checks every corpus file), so gpxpy's rules are followed
where they matter and the rest is left to gpxpy: None (fall back) for

* a document expat cannot read as it stands (the repairs and the error messages are
  ``ingest.gpx``'s, around gpxpy), an encoding expat does not know, a root that is not
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
import re
from dataclasses import dataclass
from xml.etree.ElementTree import XML, Element, ParseError

import polars as pl

log = logging.getLogger(__name__)

# gpxpy's FloatConverter is float(text.strip()) and IntConverter int(text.strip()): these are
# the forms both Python and polars read to the same number; anything else is gpxpy's call.
_FLOAT = r"^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$"
_INT = r"^\s*[+-]?\d+\s*$"
_FIX = ("none", "2d", "3d", "dgps", "pps", "3")  # gpxpy's possible values for <fix>
# gpxpy.gpxfield.RE_TIMESTAMP, without the Unicode minus (left to gpxpy) and anchored at the
# true end (Python's "$" also matches before a final newline: such stamps go to gpxpy).
_TIME = (
    r"^(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})[T ]"
    r"(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{1,2}):(?P<s>[0-9]{1,2})(?:\.(?P<frac>[0-9]{1,15}))?"
    r"(?P<tz>Z|(?P<sign>[+-])(?P<oh>[0-9]{2}):?(?P<om>[0-9]{2})?)?$"
)
# Typed point children (gpxpy's GPX 1.0 track point and 1.1 point fields).
_FLOAT_CHILDREN = ("magvar", "geoidheight", "hdop", "vdop", "pdop", "ageofdgpsdata", "course")
_INT_CHILDREN = ("sat", "dgpsid")
_BOUNDS = ("minlat", "maxlat", "minlon", "maxlon")

# Extension children matched by lower-cased local name (as ``ingest.gpx`` does for gpxpy's).
EXTENSION_COLUMNS = {
    "hr": "heart_rate",
    "heartrate": "heart_rate",
    "heart_rate": "heart_rate",
    "cad": "cadence",
    "cadence": "cadence",
    "runcadence": "cadence",
    "speed": "ext_speed",
    "distance": "distance",
}
TEXT_COLUMNS = ("ext_speed", "heart_rate", "cadence", "distance")
# gpxpy's own pattern, verbatim: its "[+-−]" is a range (every character from "+" to U+2212),
# so stamps the strict pattern refuses may still be gpxpy's times: those go to gpxpy.
_GPXPY_TIME = (
    r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})[T ]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})"
    r"(\.[0-9]{1,15})?(Z|[+-−][0-9]{2}:?(?:[0-9]{2})?)?$"
)
_DEFAULT_NS_RE = re.compile(rb"""\sxmlns=(['"])([^'"]+)\1""")


@dataclass(frozen=True, slots=True)
class StreamedGpx:
    """What ``ingest.gpx`` needs from a document: the points as raw columns and, per
    ``<trk>``, its name and type; ``points`` has ``wall`` (the stamp's own clock, naive),
    ``offset_min`` (its offset in minutes, null without one), ``lat``/``lon``/``altitude``/
    ``speed`` (Float64), the extension texts, ``seg`` and ``trk``."""

    points: pl.DataFrame
    names: list[str | None]
    types: list[str | None]
    creator: str | None
    title: str | None
    version: str | None


class _Fallback(Exception):
    """A shape left to gpxpy (the reason goes to the debug log)."""


def read(data: bytes) -> StreamedGpx | None:
    """The document's columns, or None where gpxpy must read it (see the module doc)."""
    try:
        return _read(data)
    except (ParseError, LookupError, ValueError) as e:  # expat, its codecs
        why = f"expat: {e}"
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
    root = XML(data)  # expat + the C tree builder; comments and PIs are dropped, as gpxpy's
    ns, name = _local_ns(root.tag)
    if name != "gpx":
        raise _Fallback(f"root <{root.tag}>")
    _check_namespace(data, ns)
    prefix = "{" + ns + "}" if ns else ""
    tag = {n: prefix + n for n in _TAGS}
    typed_float = frozenset(prefix + n for n in _FLOAT_CHILDREN)
    typed_int = frozenset(prefix + n for n in _INT_CHILDREN)
    version, creator = root.get("version"), root.get("creator")
    trk_tag, seg_tag, pt_tag = tag["trk"], tag["trkseg"], tag["trkpt"]
    ele_tag, time_tag, speed_tag, ext_tag = tag["ele"], tag["time"], tag["speed"], tag["extensions"]

    read_speed = version != "1.1" or b"<speed>" in data
    lat: list[str | None] = []
    lon: list[str | None] = []
    ele: list[str | None] = []
    stamp: list[str | None] = []
    speed: list[str | None] = []
    texts: dict[str, list[str | None]] = {c: [] for c in TEXT_COLUMNS}
    seg: list[int] = []
    trk: list[int] = []
    names: list[str | None] = []
    types: list[str | None] = []
    title = None
    seg_no = -1
    trk_no = -1
    for top in root:
        if top.tag != trk_tag:
            if top.tag == tag["metadata"] and version == "1.1" and title is None:
                title = _text(_first(top, tag["name"]))
            elif top.tag == tag["name"] and version != "1.1" and title is None:
                title = _text(top.text)
            continue
        trk_no += 1
        names.append(_text(_first(top, tag["name"])))
        types.append(_text(_first(top, tag["type"])))
        for segment in top.iterfind(seg_tag):
            seg_no += 1
            # One C call per point and channel: the first matching child, as gpxpy's find.
            # ElementTree gives None, never "", for an empty element, so "" is "not there".
            pts = segment.findall(pt_tag)
            n = len(pts)
            lat += [p.get("lat") for p in pts]
            lon += [p.get("lon") for p in pts]
            ele += [p.findtext(ele_tag) or None for p in pts]
            stamp += [p.findtext(time_tag) or None for p in pts]
            speed += [p.findtext(speed_tag) or None for p in pts] if read_speed else [None] * n
            exts = [p.find(ext_tag) for p in pts]
            if any(e is not None and len(e) for e in exts):
                _extensions(exts, texts)
            else:
                for column in texts.values():
                    column += [None] * n
            seg += [seg_no] * n
            trk += [trk_no] * n
    if not lat:
        raise _Fallback("no track points")
    if None in lat or None in lon:
        raise _Fallback("a track point without lat/lon")
    _check_typed(root, tag, typed_float, typed_int)
    if version != "1.1" and not (b"extensions>" in data or _track_type_in(data)):
        types = [None] * len(types)  # gpxpy's 1.1 reading, which alone knows <type>, not made
    points = _columns(lat, lon, ele, stamp, speed, texts, seg, trk)
    return StreamedGpx(points, names, types, creator, title, version)


def _extensions(exts: list[Element | None], texts: dict[str, list[str | None]]) -> None:
    """Per point, the first text of each channel among its extensions' descendants."""
    ext_speed, hr, cad, dist = (texts[c].append for c in TEXT_COLUMNS)
    for e in exts:
        found: dict[str, str] = {}
        if e is not None:
            for child in e:
                for x in child.iter():
                    column = EXTENSION_COLUMNS.get(x.tag.rpartition("}")[2].lower())
                    if column is not None and column not in found and x.text:
                        found[column] = x.text
        get = found.get
        ext_speed(get("ext_speed"))
        hr(get("heart_rate"))
        cad(get("cadence"))
        dist(get("distance"))


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


def _first(elem: Element, tag: str) -> str | None:
    child = elem.find(tag)
    return child.text if child is not None else None


def _check_namespace(data: bytes, ns: str) -> None:
    """gpxpy removes the first ``xmlns="…"`` of the text and matches plain names: the
    document's default namespace must be the root's, and no prefix may name it too."""
    first = _DEFAULT_NS_RE.search(data)
    declared = first.group(2).decode("utf-8", "replace") if first is not None else ""
    if declared != ns:
        raise _Fallback(f"default namespace {declared!r} is not the root's {ns!r}")
    if ns and re.search(rb"""xmlns:[^=\s]+\s*=\s*(['"])""" + re.escape(ns.encode()) + rb"\1", data):
        raise _Fallback("a prefix bound to the default namespace")


def _check_typed(
    root: Element, tag: dict[str, str], typed_float: frozenset[str], typed_int: frozenset[str]
) -> None:
    """gpxpy types these wherever its schema has them (points, waypoints, routes, bounds,
    track numbers) and fails the file on a value it cannot convert: each must convert.  They
    are checked wherever they are (a superset: the cost is only a needless fallback)."""
    present = {e.tag for e in root.iter()}
    floats: list[str | None] = []
    ints: list[str | None] = []
    fixes: list[str | None] = []
    for t in present & (typed_float | {tag["ele"], tag["speed"]}):
        floats += (e.text for e in root.iter(t))
    for t in present & (typed_int | {tag["number"]}):
        ints += (e.text for e in root.iter(t))
    if tag["fix"] in present:
        fixes += (e.text for e in root.iter(tag["fix"]))
    for t in present & {tag["wpt"], tag["rtept"]}:
        for e in root.iter(t):
            la, lo = e.get("lat"), e.get("lon")
            if la is None or lo is None:
                raise _Fallback("a waypoint or route point without lat/lon")
            floats += (la, lo)
    if tag["bounds"] in present:
        floats += (e.get(a) for e in root.iter(tag["bounds"]) for a in _BOUNDS)
    checks = [
        (~pl.lit(pl.Series(values, dtype=pl.String)).drop_nulls().pipe(test)).sum()
        for values, test in (
            (floats, lambda e: e.str.contains(_FLOAT)),
            (ints, lambda e: e.str.contains(_INT)),
            (fixes, lambda e: e.is_in(_FIX)),
        )
        if values
    ]
    if checks and any(pl.select(*(c.alias(str(i)) for i, c in enumerate(checks))).row(0)):
        raise _Fallback("typed values gpxpy might not convert")


def _track_type_in(data: bytes) -> bool:
    """``ingest.gpx._track_type_in`` on the bytes: whether gpxpy's 1.1 reading is made."""
    start = data.find(b"<trk>")
    while start != -1:
        end = data.find(b"<trkseg", start)
        end = len(data) if end == -1 else end
        if data.find(b"<type>", start, end) != -1:
            return True
        start = data.find(b"<trk>", end)
    return False


def _columns(
    lat: list[str | None],
    lon: list[str | None],
    ele: list[str | None],
    stamp: list[str | None],
    speed: list[str | None],
    texts: dict[str, list[str | None]],
    seg: list[int],
    trk: list[int],
) -> pl.DataFrame:
    """The point columns typed in one polars query (each query costs a fixed overhead that
    would dominate small files), with the two reasons to leave the file to gpxpy."""
    raw = pl.DataFrame(
        {
            "lat": pl.Series(lat, dtype=pl.String),
            "lon": pl.Series(lon, dtype=pl.String),
            "altitude": pl.Series(ele, dtype=pl.String),
            "speed": pl.Series(speed, dtype=pl.String),
            "stamp": pl.Series(stamp, dtype=pl.String),
            **{c: pl.Series(v, dtype=pl.String) for c, v in texts.items()},
            "seg": pl.Series(seg, dtype=pl.Int64),
            "trk": pl.Series(trk, dtype=pl.Int32),
        }
    )
    numeric = ("lat", "lon", "altitude", "speed")
    stamp_ = pl.col("stamp")
    raw = raw.with_columns(stamp_.str.extract_groups(_TIME).alias("_g"))
    g = pl.col("_g")
    parts = ("y", "mo", "d", "h", "mi", "s")
    y, mo, d, h, mi, sec = (g.struct.field(k).cast(pl.Int32) for k in parts)
    # gpxpy: the first six fraction digits, padded right: truncated to microseconds.
    us = g.struct.field("frac").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int32).fill_null(0)
    tz = g.struct.field("tz")
    offset_min = (
        pl.when(tz.is_null())
        .then(None)
        .when(tz == "Z")
        .then(0)
        .otherwise(
            pl.when(g.struct.field("sign") == "-").then(-1).otherwise(1)
            * (
                g.struct.field("oh").cast(pl.Int64) * 60
                + g.struct.field("om").cast(pl.Int64).fill_null(0)
            )
        )
        .cast(pl.Int64)
    )
    month_end = pl.date(y.clip(1, 9999), mo.clip(1, 12), 1).dt.month_end().dt.day()
    # datetime() refuses these, and gpxpy's TimeConverter then gives no time.
    valid = (
        (y >= 1)
        & mo.is_between(1, 12)
        & (d >= 1)
        & (d <= month_end)
        & (h <= 23)
        & (mi <= 59)
        & (sec <= 59)
    ).fill_null(False)
    wall = pl.datetime(
        y.clip(1, 9999), mo.clip(1, 12), d.clip(1, 28), h.clip(0, 23), mi.clip(0, 59),
        sec.clip(0, 59), us, time_unit="us",
    ) + pl.duration(days=d.clip(1, 31) - d.clip(1, 28))  # fmt: skip
    out = raw.select(
        pl.when(valid).then(wall).alias("wall"),
        pl.when(valid).then(offset_min).alias("offset_min"),
        *(pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in numeric),
        *(pl.col(c) for c in TEXT_COLUMNS),
        "seg",
        "trk",
        pl.sum_horizontal(
            (pl.col(c).is_not_null() & ~pl.col(c).str.contains(_FLOAT)).sum() for c in numeric
        ).alias("_unconvertible"),
        (stamp_.is_not_null() & g.struct.field("y").is_null()).any().alias("_unmatched"),
    )
    if out["_unconvertible"][0]:
        raise _Fallback("a point value gpxpy might not convert")
    if out["_unmatched"][0]:
        doubtful = raw.select(
            (
                stamp_.is_not_null()
                & g.struct.field("y").is_null()
                & (stamp_.str.ends_with("\n") | stamp_.str.contains(_GPXPY_TIME))
            ).any()
        ).item()
        if doubtful:
            raise _Fallback("a timestamp only gpxpy's own pattern reads")
    return out.drop("_unconvertible", "_unmatched")
