"""GPX → Tracks.

Two readers give the same raw columns, and everything after that is polars.  The streaming
reader (``ingest.gpx_stream``: the C ElementTree parser, one column per channel, no object
per point) reads every document whose shape it knows; gpxpy (this module is the one that
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

Measured on the corpus GPX (70 files, 7.2 MB, 47,912 points; CPU time, best of 3, on a
loaded 2-core machine): the whole decode ≈ 1.2 s with the streaming reader against ≈ 1.8 s
with gpxpy alone (the reading itself ≈ 0.7 s against ≈ 1.3 s; expat's parse, ≈ 0.25 s, is
the floor).  gpxpy is stricter than a hand reader in three places, each surfaced as one clear
line rather than guessed around: a field it types (``<fix>``, ``<sat>``, ``<ele>``, ``lat``)
holding a value it cannot convert fails the file (``CorruptFile``); a ``<time>`` it cannot
parse (surrounding whitespace, a lower-case ``t``) is read as no time; and a GPX namespace
bound to a prefix (``<g:gpx>``) is not read at all (``NotAnActivity``: no tracks).

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
from datetime import datetime, timedelta, timezone
from pathlib import PurePath
from typing import Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element

import gpxpy
import gpxpy.parser
import polars as pl
from gpxpy.gpx import GPX, GPXException, GPXTrackPoint, GPXXMLSyntaxException
from gpxpy.gpxfield import SimpleTZ

from loadwatch.errors import CorruptFile, NotAnActivity, one_line
from loadwatch.ingest.containers.xmlsafe import (
    EARLIEST_PLAUSIBLE,
    HR_SENTINEL,
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
from loadwatch.ingest.formats import gpx_stream
from loadwatch.ingest.sports import from_words, guess
from loadwatch.ingest.track import Track, conform_samples

# gpxpy picks lxml whenever it is importable, and then reads differently (extension children
# become lxml elements; its lxml parser resolves entities): the reference reader must stay the
# one the differential tests were built on, whatever the streaming reader imports.
gpxpy.parser.mod_etree = ElementTree  # type: ignore[attr-defined]

SPLIT_GAP = timedelta(hours=2)
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

    frame, warnings = _clean(raw)
    warnings = [*recovered, *warnings]
    groups = _split_outings(frame)
    tracks: list[Track] = []
    skipped: list[str] = []
    for part in groups.sort("group", maintain_order=True).partition_by(
        "group", maintain_order=True
    ):
        samples = conform_samples(part)
        if samples["time"].n_unique() < 2:
            skipped.append(f"{samples.height} point(s) at {_iso(samples)}")
            continue
        first = part.sort("time", maintain_order=True)["offset_min"][0]
        tracks.append(
            _track(samples, part, meta, name, device, file_title, warnings, first, len(tracks))
        )
    if not tracks:
        n = frame.height
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


def _frame(raw: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The raw columns as one typed frame, and the number of heart-rate sentinels dropped.

    ``time`` is UTC (a stamp without an offset is UTC, as GPX says), none where the offset is
    beyond any zone ("+99:00") or the year past ``LATEST_PLAUSIBLE`` (gpxpy's stamps were
    already cut so); ``wall`` and ``offset_min`` stay for what only the original stamp knows
    (its offset, its text).  Extension texts become Float64, blanks and junk null; heart rate
    loses the "no sensor" values (≤ 0, ≥ 255: FIT's uint8 invalid, copied by converters).
    """
    number = {c: pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in _TEXT_COLUMNS}
    bad_hr = (number["heart_rate"] <= 0) | (number["heart_rate"] >= HR_SENTINEL)
    possible = (pl.col("offset_min").abs().fill_null(0) * 60 <= MAX_OFFSET_S) & (
        pl.col("wall").dt.year() < LATEST_PLAUSIBLE.year
    )
    utc = (
        (pl.col("wall").cast(pl.Int64) - pl.col("offset_min").fill_null(0) * 60_000_000)
        .cast(pl.Datetime("us"))
        .dt.replace_time_zone("UTC")
    )
    frame = raw.select(
        pl.when(possible).then(utc).otherwise(None).alias("time"),
        "lat",
        "lon",
        "altitude",
        pl.coalesce("speed", number["ext_speed"]).alias("speed"),
        pl.when(bad_hr).then(None).otherwise(number["heart_rate"]).alias("heart_rate"),
        number["cadence"].alias("cadence"),
        number["distance"].alias("distance"),
        "seg",
        "trk",
        pl.when(possible).then(pl.col("wall")).alias("wall"),
        pl.when(possible).then(pl.col("offset_min")).alias("offset_min"),
        bad_hr.fill_null(False).alias("_bad_hr"),
    )
    return frame.drop("_bad_hr"), int(frame["_bad_hr"].sum())


def _clean(raw: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    frame, hr_dropped = _frame(raw)
    warnings: list[str] = []
    n = frame.height
    if hr_dropped:
        warnings.append(f"{hr_dropped} heart-rate reading(s) of 0 or 255 (no sensor) dropped")

    impossible = (pl.col("lat").abs() > 90) | (pl.col("lon").abs() > 180)
    at_origin = (pl.col("lat") == 0) & (pl.col("lon") == 0)
    placeholder = pl.col("time") < EARLIEST_PLAUSIBLE
    counts = frame.select(
        impossible.sum().alias("impossible"),
        at_origin.sum().alias("origin"),
        pl.col("time").null_count().alias("untimed"),
        placeholder.sum().alias("placeholder"),
    ).row(0)
    if counts[0]:
        warnings.append(
            f"{counts[0]} point(s) with impossible coordinates (pause/resume markers or "
            "glitches): positions dropped and the track split there"
        )
    if counts[1]:
        warnings.append(f"{counts[1]} point(s) at (0, 0) (no GPS fix): positions dropped")
    frame = frame.with_columns(
        *(
            pl.when(impossible.fill_null(False) | at_origin.fill_null(False))
            .then(None)
            .otherwise(pl.col(c))
            .alias(c)
            for c in ("lat", "lon")
        ),
        # Each impossible point opens a new part of its segment: dense-rank (seg, part).
        pl.struct(pl.col("seg"), impossible.fill_null(False).cum_sum().over("seg").alias("part"))
        .rank("dense")
        .cast(pl.Int32)
        .alias("segment"),
    )

    n_untimed, n_placeholder = counts[2], counts[3]
    if n_placeholder == n - n_untimed:
        if n_placeholder:
            first = frame.filter(placeholder).row(0, named=True)
            raise NotAnActivity(
                f"every timestamp is a placeholder before 1980 (e.g. {_stamp(first)}): the "
                "device clock was never set, so the recording cannot be placed in time"
            )
        raise NotAnActivity(
            f"track has no timestamps ({n} points): a route or a course, not a recorded activity"
        )
    if n_placeholder:
        warnings.append(
            f"{n_placeholder} point(s) with a placeholder time before 1980 (clock not set) dropped"
        )
        frame = frame.with_columns(pl.when(placeholder).then(None).otherwise("time").alias("time"))
    if n_untimed:
        warnings.append(f"{n_untimed} of {n} points have no timestamp and were dropped")
    return frame.filter(pl.col("time").is_not_null()), warnings


def _stamp(row: dict[str, Any]) -> str:
    """A stamp as the file wrote it (offset kept, ``Z`` for UTC)."""
    wall, minutes = row["wall"], row["offset_min"]
    if wall is None:
        return "no time"
    t = wall if minutes is None else wall.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    return str(t.isoformat().replace("+00:00", "Z"))


def _offset_s(minutes: int | None) -> int | None:
    """The local offset a stamp carries (``+01:00`` → 3600); None for ``Z`` or none.

    ``Z`` and ``+00:00`` say nothing about the athlete's zone (exporters write UTC), so only a
    non-zero offset is evidence of local time.
    """
    return minutes * 60 if minutes else None


def _split_outings(frame: pl.DataFrame) -> pl.DataFrame:
    """Label each point with its outing: segments chained while their pauses ≤ SPLIT_GAP."""
    spans = (
        frame.group_by("segment")
        .agg(pl.col("time").min().alias("start"), pl.col("time").max().alias("end"))
        .sort("start", "segment")
        .with_columns(
            (pl.col("start") - pl.col("end").cum_max().shift(1) > SPLIT_GAP)
            .fill_null(False)
            .cum_sum()
            .cast(pl.Int32)
            .alias("group")
        )
    )
    return frame.join(spans.select("segment", "group"), on="segment", how="left")


# --- one outing → Track ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _TrackMeta:
    """Per ``<trk>``, by document position: its ``<name>`` and ``<type>``."""

    names: list[str | None]
    types: list[str | None]


def _track(
    samples: pl.DataFrame,
    part: pl.DataFrame,
    meta: _TrackMeta,
    name: str,
    device: str | None,
    file_title: str | None,
    file_warnings: list[str],
    first_offset_min: int | None,
    index: int,
) -> Track:
    warnings = list(file_warnings)
    samples = samples.with_columns((pl.col("segment").rank("dense") - 1).cast(pl.Int32))
    samples, note = _altitude_zeros(samples)
    if note:
        warnings.append(note)
    dist = samples["distance"].drop_nulls()
    if dist.len() > 1 and (dist.diff().drop_nulls() < 0).any():
        samples = samples.with_columns(pl.lit(None, dtype=pl.Float64).alias("distance"))
        warnings.append("extension distance is not cumulative: ignored")

    trk_ids = part["trk"].unique(maintain_order=True).sort().to_list()
    sport, how = _sport(meta, trk_ids, name, samples)
    if how:
        warnings.append(how)
    title = next((t for i in trk_ids if (t := meta.names[i])), None) or file_title
    return Track(
        format="gpx",
        sport=sport,
        samples=samples,
        start_time=samples["time"][0],
        utc_offset_s=_offset_s(first_offset_min),
        device=device,
        session_index=index,
        name=title,
        warnings=tuple(warnings),
        sport_guess=how,
    )


def _altitude_zeros(samples: pl.DataFrame) -> tuple[pl.DataFrame, str | None]:
    """Exact zeros are a receiver's "no altitude", not sea level, when the rest is high up."""
    alt = samples["altitude"].drop_nulls()
    zeros = int((alt == 0).sum())
    if zeros == 0:
        return samples, None
    if zeros == alt.len():
        if zeros == 1:
            return samples, None
        note = "altitude is 0 at every point: treated as not recorded"
    else:
        high = alt.filter(alt != 0).abs().median()
        if not (isinstance(high, int | float) and high > ZERO_ALTITUDE_GLITCH_M):
            return samples, None
        note = f"{zeros} altitude reading(s) of exactly 0 among values near {high:.0f} m: dropped"
    fixed = pl.when(pl.col("altitude") == 0).then(None).otherwise(pl.col("altitude"))
    return samples.with_columns(fixed.alias("altitude")), note


def _iso(samples: pl.DataFrame) -> str:
    return str(samples["time"][0]) if samples.height else "no time"


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
