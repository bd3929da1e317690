"""GPX → Tracks.

Two readers give the same raw columns, and everything after that is numpy (``gpx_clean``)
until one polars frame per outing.  The streaming reader (``ingest.gpx_stream``: hardened
libxml2, one column per channel, no object per point) reads every document whose shape it
knows; gpxpy (this module is the one that
imports it) is the reference reader and reads the rest: documents expat refuses as they stand
(the repairs below), values gpxpy might type otherwise, no track points at all.  A debug log
line names each fallback; ``tests/ingest/test_gpx_reference.py`` checks that both readers give
identical Tracks and summaries on every corpus file and on hand-built shapes.

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

Decisions (each tested in ``tests/ingest/test_gpx.py``):

* All tracks and segments are read.  ``segment`` numbers each (track, segment), and a point
  with an impossible position (|lat| > 90 or |lon| > 180, OpenTracks' legacy pause/resume
  markers) also starts a new segment, so no gap is ever counted as distance.  A point at
  exactly (0, 0) keeps its time and sensors but loses its position (a receiver without a fix).
* One file may hold several outings (MapSource or eTrex exports: a track per day).  Segments
  are joined into one activity while the pause between them is at most ``SPLIT_GAP``; a
  longer pause starts the next activity (``Track.session_index``).
* Not an activity: routes only, waypoints only, no points, points without timestamps, or
  timestamps that are all one instant.  Timestamps before 1980-01-06 (GPS time zero; the
  1901-12-13 int32 minimum that converters write for "unset") are a clock that was never set:
  such points are dropped with a warning, and a file with nothing else is a recording that
  cannot be placed in time, hence ``NotAnActivity`` with that reason.
* Sport: ``<trk><type>`` (words such as "running", "trail_running", "mountain biking", or
  Strava's numeric codes 9 = run, 1 = ride) is the file's declaration; else a guess, labelled
  in ``Track.sport_guess`` and ``Track.warnings``: words in the track name ("Morning Run"),
  else in the file name, else ``ingest.sports.guess`` from the moving speed and cadence.  With
  no speed at all: running (this is a running product: an unknown GPX is most likely a run).
  A type declared by the export (Strava's activities.csv) replaces any guess in ``summarize``.
* Altitude that is exactly 0 at every point is "not recorded", and isolated exact zeros in
  a track that is otherwise well above sea level are dropouts; both become null.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.parser
import numpy as np
import polars as pl
from gpxpy.gpx import GPX, GPXException, GPXTrackPoint, GPXXMLSyntaxException
from gpxpy.gpxfield import SimpleTZ

from loadwatch.errors import CorruptFile, NotAnActivity, one_line
from loadwatch.ingest.containers.xmlsafe import (
    LATEST_PLAUSIBLE,
    MAX_OFFSET_S,
    MAX_REPAIRS,
    Prepared,
    guard_xml,
    local,
    malformed,
    prepare,
    repair,
    xml_text,
)
from loadwatch.ingest.formats import gpx_clean, gpx_stream
from loadwatch.ingest.sports import from_words, guess
from loadwatch.ingest.track import Track

# gpxpy picks lxml whenever it is importable, and then reads differently (extension children
# become lxml elements; its lxml parser resolves entities): the reference reader must stay the
# one the differential tests were built on, whatever the streaming reader imports.
gpxpy.parser.mod_etree = ElementTree  # type: ignore[attr-defined]

SPLIT_GAP = gpx_clean.SPLIT_GAP
ZERO_ALTITUDE_GLITCH_M = 20.0

_EXTENSION_COLUMNS = gpx_stream.EXTENSION_COLUMNS  # by lower-cased local name, any namespace
_TEXT_COLUMNS = gpx_stream.TEXT_COLUMNS


def decode(data: bytes, name: str) -> list[Track]:
    return decode_with(data, name, streaming=True)


def decode_with(data: bytes, name: str, *, streaming: bool) -> list[Track]:
    """``decode`` with the streaming reader switchable (``streaming=False``: gpxpy only, the
    reference the differential test compares with)."""
    prepared = _front(data)
    streamed = gpx_stream.read(prepared.data) if streaming else None
    if streamed is not None:
        raw = streamed.points
        recovered: tuple[str, ...] = prepared.warnings
        meta = _TrackMeta(names=streamed.names, types=streamed.types)
        device, file_title = _text(streamed.creator), streamed.title
    else:
        doc = _read(prepared)
        cols = _columns(doc)
        if not cols.segment:
            raise NotAnActivity(_why_no_points(doc.main))
        raw = _raw_frame(cols)
        recovered = doc.warnings
        meta = _TrackMeta(
            names=[_text(t.name) for t in doc.main.tracks],
            types=[_text(t.type) for t in doc.v11.tracks] if doc.v11 else [None] * cols.n_tracks,
        )
        device, file_title = _text(doc.main.creator), _text(doc.main.name)

    points, warnings = gpx_clean.clean(raw)
    warnings = [*recovered, *warnings]
    tracks: list[Track] = []
    skipped: list[str] = []
    for outing in gpx_clean.outings(points):
        if outing.time[0] == outing.time[-1]:  # sorted: fewer than two distinct instants
            skipped.append(f"{len(outing.time)} point(s) at {_iso(int(outing.time[0]))}")
            continue
        tracks.append(_track(outing, meta, name, device, file_title, warnings, len(tracks)))
    if not tracks:
        n = len(points.time)
        if len(skipped) == 1:
            raise NotAnActivity(
                f"all {n} timestamped points are at one instant: nothing was recorded over time"
            )
        raise NotAnActivity(
            f"{n} timestamped points in {len(skipped)} outings, none spanning any time: "
            "nothing was recorded over time"
        )
    if skipped:
        note = "dropped a separate outing with no time span: " + "; ".join(skipped)
        tracks = [replace(t, warnings=(*t.warnings, note)) for t in tracks]
    return tracks


# --- bytes → gpxpy documents -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Document:
    main: GPX  # read under its declared version: points, positions, times, names
    v10: GPX | None  # the same document under GPX 1.0 rules, when it may hold point <speed>
    v11: GPX | None  # under GPX 1.1 rules, when it may hold <extensions> or <trk><type>
    warnings: tuple[str, ...] = ()  # exporter defects the XML front end recovered from


def _front(data: bytes) -> Prepared:
    """What every reading starts with: the XML front end's preparation and its guard."""
    doc = prepare(data, "GPX")
    root = guard_xml(doc.data, "GPX")
    if root is not None and root != "gpx":
        raise CorruptFile(f"not a GPX document: the root element is <{root}>, not <gpx>")
    return doc


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


def _text(value: object) -> str | None:
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


def _offset_s(minutes: int | None) -> int | None:
    """The local offset a stamp carries (``+01:00`` → 3600); None for ``Z`` or none.

    ``Z`` and ``+00:00`` say nothing about the athlete's zone (exporters write UTC), so only a
    non-zero offset is evidence of local time.
    """
    return minutes * 60 if minutes else None


# --- one outing → Track ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _TrackMeta:
    """Per ``<trk>``, by document position: its ``<name>`` and ``<type>``."""

    names: list[str | None]
    types: list[str | None]


def _track(
    outing: gpx_clean.Points,
    meta: _TrackMeta,
    name: str,
    device: str | None,
    file_title: str | None,
    file_warnings: list[str],
    index: int,
) -> Track:
    warnings = list(file_warnings)
    altitude, note = _altitude_zeros(outing.altitude)
    if note:
        warnings.append(note)
    dist = outing.distance[~np.isnan(outing.distance)]
    if dist.size > 1 and (np.diff(dist) < 0).any():
        outing = replace(outing, distance=np.full_like(outing.distance, np.nan))
        warnings.append("extension distance is not cumulative: ignored")
    samples = gpx_clean.samples(replace(outing, altitude=altitude))

    trk_ids = np.unique(outing.trk).tolist()
    sport, how = _sport(meta, trk_ids, name, samples)
    if how:
        warnings.append(how)
    title = next((t for i in trk_ids if (t := meta.names[i])), None) or file_title
    first_offset = outing.offset_min[0]
    return Track(
        format="gpx",
        sport=sport,
        samples=samples,
        start_time=samples["time"][0],
        utc_offset_s=None if np.isnan(first_offset) else _offset_s(int(first_offset)),
        device=device,
        session_index=index,
        name=title,
        warnings=tuple(warnings),
        sport_guess=how,
    )


def _altitude_zeros(alt: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Exact zeros are a receiver's "no altitude", not sea level, when the rest is high up."""
    known = alt[~np.isnan(alt)]
    zeros = int((known == 0).sum())
    if zeros == 0:
        return alt, None
    if zeros == known.size:
        if zeros == 1:
            return alt, None
        note = "altitude is 0 at every point: treated as not recorded"
    else:
        high = float(np.median(np.abs(known[known != 0])))
        if not high > ZERO_ALTITUDE_GLITCH_M:
            return alt, None
        note = f"{zeros} altitude reading(s) of exactly 0 among values near {high:.0f} m: dropped"
    return np.where(alt == 0, np.nan, alt), note


def _iso(time_us: int) -> str:
    return str(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=time_us))


# --- sport -------------------------------------------------------------------------------
sport_from_words = from_words  # the vocabulary is ingest.sports'; kept for callers


def _sport(
    meta: _TrackMeta, trk_ids: list[int], name: str, samples: pl.DataFrame
) -> tuple[str, str | None]:
    """The sport and, when it was guessed, a note saying how (None: ``<type>`` declared it)."""
    unknown: list[str] = []
    for i in trk_ids:
        declared = meta.types[i]
        if declared:
            sport = from_words(declared, strava_codes=True)
            if sport is not None:
                return sport, None
            unknown.append(declared)
    prefix = f"track type {unknown[0]!r} not understood; " if unknown else ""
    for i in trk_ids:
        title = meta.names[i]
        by_title = from_words(title) if title else None
        if by_title is not None:
            return by_title, f"{prefix}sport {by_title} guessed from the track name {title!r}"
    stem = PurePath(name).name.split(".")[0]
    by_name = from_words(stem)
    if by_name is not None:
        return by_name, f"{prefix}sport {by_name} guessed from the file name"
    g = guess(samples, prefix)
    return g.sport, g.note
