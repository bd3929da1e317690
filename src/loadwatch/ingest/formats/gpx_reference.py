"""GPX through gpxpy, the reference reader (this module is the one that imports gpxpy): bytes →
gpxpy documents → one column list per channel → the raw frame the streaming reader gives.

Before either reader sees anything, ``xmlsafe.guard_xml`` refuses entity declarations and
external references (gpxpy hands the text to a plain ElementTree parser, which would expand
them) and names the root element; for gpxpy the bytes are then decoded as their XML
declaration says, because gpxpy decodes bytes as UTF-8 whatever the declaration.  gpxpy
builds an object per point: each segment's points are read into column lists once, one
comprehension per column, and the whole file becomes ONE polars frame.  TrackPointExtension
values (hr, cad, speed, distance...) come from ``point.extensions`` (ElementTree elements,
matched by local name), walked only for segments that have extensions at all.

gpxpy reads each GPX version strictly by its own schema: 1.0 has ``<speed>`` on the point but
no ``<extensions>`` and no ``<trk><type>``; 1.1 the reverse.  Writers mix them (OpenTracks
writes ``<speed>`` into 1.1 points; converters put Garmin extensions into 1.0 files), so when
the text holds an element its declared version's rules would skip, the document is read a
second time under the other version's rules and only those channels are taken from it (the
same tracks, segments and points, in the same order).  Conforming files are read once.  The
streaming reader takes the same channels on the same conditions.

Measured on the corpus GPX (70 files, 7.2 MB; CPU time, ``benchmarks/ingest.py --only gpx``,
numbers in ``docs/import-speed.md``): the whole decode ≈ 0.35 s, gpxpy's parse alone ≈ 0.8 s
and this module through gpxpy alone ≈ 1.0 s; libxml2's parse (≈ 0.05 s) and the sport guess
(≈ 0.04 s) are the largest single steps left.  gpxpy is stricter than a hand reader in three
places, each surfaced as one clear line rather than guessed around: a field it types
(``<fix>``, ``<sat>``, ``<ele>``, ``lat``) holding a value it cannot convert fails the file
(``CorruptFile``); a ``<time>`` it cannot parse (surrounding whitespace, a lower-case ``t``)
is read as no time; and a GPX namespace bound to a prefix (``<g:gpx>``) is not read at all
(``NotAnActivity``: no tracks).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.parser
import polars as pl
from gpxpy.gpx import GPX, GPXException, GPXTrackPoint, GPXXMLSyntaxException
from gpxpy.gpxfield import SimpleTZ

from loadwatch.errors import CorruptFile, NotAnActivity, one_line
from loadwatch.ingest.containers.xmlprepare import Prepared, malformed, xml_text
from loadwatch.ingest.containers.xmlrepair import MAX_REPAIRS, repair
from loadwatch.ingest.containers.xmlsafe import local
from loadwatch.ingest.containers.xmlvalues import LATEST_PLAUSIBLE, MAX_OFFSET_S
from loadwatch.ingest.formats import gpx_extensions

# gpxpy picks lxml whenever it is importable, and then reads differently (extension children
# become lxml elements; its lxml parser resolves entities): the reference reader must stay the
# one the differential tests were built on, whatever the streaming reader imports.
gpxpy.parser.mod_etree = ElementTree  # type: ignore[attr-defined]

_EXTENSION_COLUMNS = gpx_extensions.EXTENSION_COLUMNS  # by lower-cased local name, any namespace
_TEXT_COLUMNS = gpx_extensions.TEXT_COLUMNS


@dataclass(frozen=True, slots=True)
class Reading:
    """What gpxpy read of one document: the raw frame, the defects the XML front end recovered
    from, and per ``<trk>`` (by document position) its ``<name>`` and ``<type>``."""

    points: pl.DataFrame
    warnings: tuple[str, ...]
    names: list[str | None]
    types: list[str | None]
    creator: str | None
    title: str | None


def read(prepared: Prepared) -> Reading:
    """The reference reading of a document that passed the front end (``gpx._front``)."""
    doc = _read(prepared)
    cols = _columns(doc)
    if not cols.segment:
        raise NotAnActivity(_why_no_points(doc.main))
    return Reading(
        points=_raw_frame(cols),
        warnings=doc.warnings,
        names=[text_of(t.name) for t in doc.main.tracks],
        types=[text_of(t.type) for t in doc.v11.tracks] if doc.v11 else [None] * cols.n_tracks,
        creator=text_of(doc.main.creator),
        title=text_of(doc.main.name),
    )


# --- bytes → gpxpy documents -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Document:
    main: GPX  # read under its declared version: points, positions, times, names
    v10: GPX | None  # the same document under GPX 1.0 rules, when it may hold point <speed>
    v11: GPX | None  # under GPX 1.1 rules, when it may hold <extensions> or <trk><type>
    warnings: tuple[str, ...] = ()  # exporter defects the XML front end recovered from


def _read(doc: Prepared) -> _Document:
    current, warnings = doc.data, list(doc.warnings)
    while True:
        text = xml_text(current, "GPX")
        try:
            main = _parse(text, None)
            break
        except GPXXMLSyntaxException as e:
            fixed = repair(current) if len(warnings) - len(doc.warnings) < MAX_REPAIRS else None
            if fixed is None:
                raise malformed(current, "GPX", e, doc) from e
            current = fixed[0]
            warnings.append(fixed[1])
    recovered = tuple(warnings)
    # The second reading is triggered by text alone; a false positive only costs its time.
    if main.version == "1.1":
        v10 = _parse(text, "1.0") if "<speed>" in text else None
        return _Document(main, v10=v10, v11=main, warnings=recovered)
    beyond = "extensions>" in text or _track_type_in(text)
    v11 = _parse(text, "1.1") if beyond else None
    return _Document(main, v10=main, v11=v11, warnings=recovered)


def _track_type_in(text: str) -> bool:
    """Whether a ``<trk>`` has a ``<type>`` ahead of its first ``<trkseg>`` (waypoints and
    route points have types too, in both versions: those need no second reading)."""
    start = text.find("<trk>")
    while start != -1:
        end = text.find("<trkseg", start)
        end = len(text) if end == -1 else end
        if text.find("<type>", start, end) != -1:
            return True
        start = text.find("<trk>", end)
    return False


def _parse(text: str, version: str | None) -> GPX:
    """gpxpy's reading; a syntax error is left to ``_read`` (which may repair it)."""
    try:
        return gpxpy.parse(text, version=version)
    except GPXXMLSyntaxException:
        raise
    except GPXException as e:  # well-formed XML, but a value gpxpy's schema cannot type
        raise CorruptFile(f"invalid GPX: {one_line(e)}") from e


# --- gpxpy objects → column lists --------------------------------------------------------
@dataclass(slots=True)
class _Columns:
    """One entry per ``<trkpt>`` of every track and segment, in document order."""

    lat: list[float | None] = field(default_factory=list)
    lon: list[float | None] = field(default_factory=list)
    altitude: list[float | None] = field(default_factory=list)
    time: list[datetime | None] = field(default_factory=list)
    speed: list[float | None] = field(default_factory=list)  # GPX 1.0 point <speed>
    texts: dict[str, list[str | None]] = field(
        default_factory=lambda: {c: [] for c in _TEXT_COLUMNS}
    )
    segment: list[int] = field(default_factory=list)
    trk: list[int] = field(default_factory=list)
    n_tracks: int = 0


def _columns(doc: _Document) -> _Columns:
    cols = _Columns(n_tracks=len(doc.main.tracks))
    seg_no = -1
    for ti, trk in enumerate(doc.main.tracks):
        for si, seg in enumerate(trk.segments):
            seg_no += 1
            points = seg.points
            n = len(points)
            cols.lat += [p.latitude for p in points]
            cols.lon += [p.longitude for p in points]
            cols.altitude += [p.elevation for p in points]
            cols.time += [_possible_time(p.time) for p in points]
            if doc.v10 is None:
                cols.speed += [None] * n
            else:
                cols.speed += [p.speed for p in _points(doc.v10, ti, si)]
            ext_points = _points(doc.v11, ti, si) if doc.v11 is not None else []
            if any(p.extensions for p in ext_points):
                values = [_extension_values(p.extensions) for p in ext_points]
                for c, column in cols.texts.items():
                    column += [v.get(c) for v in values]
            else:
                for column in cols.texts.values():
                    column += [None] * n
            cols.segment += [seg_no] * n
            cols.trk += [ti] * n
    return cols


def _possible_time(t: datetime | None) -> datetime | None:
    """gpxpy's stamp, or None when its offset is beyond any zone ("+99:00": Python refuses
    such an offset the moment anything asks for it) or its year past ``LATEST_PLAUSIBLE``."""
    if t is None:
        return None
    tz = t.tzinfo
    if isinstance(tz, SimpleTZ) and abs(tz.offset) * 60 > MAX_OFFSET_S:
        return None
    if t.year >= LATEST_PLAUSIBLE.year:
        return None
    return t


def _points(doc: GPX, ti: int, si: int) -> list[GPXTrackPoint]:
    # Both versions' rules read <trk>, <trkseg> and <trkpt> alike, so segment si of track ti
    # holds the same points, in the same order, in every reading of one document.
    return doc.tracks[ti].segments[si].points


def _extension_values(extensions: list[Any]) -> dict[str, str]:
    values: dict[str, str] = {}
    for child in extensions:
        if not isinstance(child, Element):
            continue
        for ext in child.iter():
            column = _EXTENSION_COLUMNS.get(local(ext.tag).lower())
            if column is not None and column not in values and ext.text:
                values[column] = ext.text
    return values


def _why_no_points(doc: GPX) -> str:
    rtept = sum(len(r.points) for r in doc.routes)
    if rtept or doc.routes:
        return f"route only ({rtept} route points): a planned route, not a recorded activity"
    if doc.tracks:
        return "the tracks hold no points: nothing was recorded"
    if doc.waypoints:
        return f"waypoints only ({len(doc.waypoints)}): not a recorded activity"
    return "no tracks, routes or waypoints: the GPX holds no recorded activity"


def text_of(value: object) -> str | None:
    """gpxpy's raw element text, stripped; None when absent or blank."""
    return (value.strip() or None) if isinstance(value, str) else None


# --- one typed frame, then cleaning (vectorised) -----------------------------------------
def _raw_frame(cols: _Columns) -> pl.DataFrame:
    """gpxpy's column lists as the frame the streaming reader gives (``gpx_stream``).

    Each stamp becomes its own clock (``wall``) and its offset in minutes (null without
    one): handed aware datetimes, polars calls gpxpy's Python-level ``SimpleTZ.utcoffset``
    for each (≈ 5 µs a point, a third of gpxpy's own parse); two plain columns cost ≈ 1.6 µs.
    """
    wall = [t.replace(tzinfo=None) if t is not None else None for t in cols.time]
    minutes = [
        tz.offset if isinstance(tz := getattr(t, "tzinfo", None), SimpleTZ) else _minutes(t)
        for t in cols.time
    ]
    return pl.DataFrame(
        [
            pl.Series("wall", wall, dtype=pl.Datetime("us")),
            pl.Series("offset_min", minutes, dtype=pl.Int64),
            *(
                pl.Series(c, getattr(cols, c), dtype=pl.Float64)
                for c in ("lat", "lon", "altitude", "speed")
            ),
            *(pl.Series(c, v, dtype=pl.String) for c, v in cols.texts.items()),
            pl.Series("seg", cols.segment, dtype=pl.Int64),
            pl.Series("trk", cols.trk, dtype=pl.Int32),
        ]
    )


def _minutes(t: datetime | None) -> int | None:
    offset = t.utcoffset() if t is not None else None
    return None if offset is None else int(offset.total_seconds()) // 60
