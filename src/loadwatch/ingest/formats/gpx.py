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
external references and names the root element (``_front``; ``gpx_reference`` says why gpxpy
needs it).

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
  cannot be placed in time: ``UndatedActivity``, a failed file in FIT's words (log it with
  ``loadwatch import-log``), not "not an activity" (a route loses nothing, a run would).
* Sport: ``<trk><type>`` (words such as "running", "trail_running", "mountain biking", or
  Strava's numeric codes 9 = run, 1 = ride) is the file's declaration; else a guess, labelled
  in ``Track.sport_guess`` and ``Track.warnings``: words in the track name ("Morning Run"),
  else in the file name, else ``ingest.sports_guess.guess`` from the moving speed and cadence.  With
  no speed at all: running (this is a running product: an unknown GPX is most likely a run).
  A type declared by the export (Strava's activities.csv) replaces any guess in ``summarize``.
* A truncated document (every byte well-formed, the end missing: a phone app that died
  mid-write) keeps its complete ``<trkpt>``s, with a warning that says where the file ends and
  what was kept ("truncated: the file ends inside a track point in line 1,225; kept 173
  points up to ... UTC (malformed XML ...)"), as FIT keeps the records read (``gpx_salvage``).
  A file with nothing to keep (no complete point, or no time span) fails with its own reason.
* At most ``MAX_POINTS`` track points (memory per upload, docs/limits.md).
* Altitude that is exactly 0 at every point is "not recorded", and isolated exact zeros in
  a track that is otherwise well above sea level are dropouts; both become null.

The gpxpy reader is ``gpx_reference``; one outing becomes a ``Track`` in ``gpx_track``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache

from loadwatch.errors import CorruptFile, InputTooLarge, NotAnActivity
from loadwatch.ingest.containers.xmlprepare import Prepared, prepare
from loadwatch.ingest.containers.xmlsafe import guard_xml
from loadwatch.ingest.formats import gpx_clean, gpx_salvage, gpx_stream
from loadwatch.ingest.formats.gpx_reference import read, text_of
from loadwatch.ingest.formats.gpx_track import TrackMeta, build_track
from loadwatch.ingest.sports import from_words
from loadwatch.ingest.track import Track

SPLIT_GAP = gpx_clean.SPLIT_GAP

# Memory per upload (docs/limits.md): reading a GPX holds libxml2's tree and the point texts
# at once, measured at ~1.8 kB a point (lat, lon, ele, time) to ~3.1 kB (with Garmin's
# hr/cad/atemp extensions) besides the process's own ~0.1 GB.  200 000 points (55 h at one a
# second) bound one decode to ~0.7 GB; a longer track is refused before it is parsed.
MAX_POINTS = 200_000
_TAG_BYTES = len(b"<trkpt")
# After a file this large the freed tree is handed back to the system (glibc keeps it).
_TRIM_BYTES = 4 * 1024 * 1024


def decode(data: bytes, name: str) -> list[Track]:
    try:
        return decode_with(data, name, streaming=True)
    finally:
        if len(data) >= _TRIM_BYTES:
            return_memory()


def point_count(data: bytes) -> int:
    """An upper bound of the document's track points, from the bytes (no parse): its
    ``<trkpt`` start tags, and prefixed ones (``<g:trkpt ...>...</g:trkpt>``: two a point)."""
    return data.count(b"<trkpt") + data.count(b":trkpt") // 2


def check_points(data: bytes) -> None:
    # Each counted tag takes 6 bytes of its own ("<trkpt" and ":trkpt" cannot overlap), so a
    # document of at most 6 bytes a point allowed holds too few to count: two scans of the
    # bytes saved on every file but the largest (they were ~3 % of a corpus decode).
    if len(data) <= _TAG_BYTES * MAX_POINTS:
        return
    n = point_count(data)
    if n > MAX_POINTS:
        raise InputTooLarge(
            f"GPX with {n:,} track points: more than the {MAX_POINTS:,} one file may hold "
            "(55 h at one point a second; the memory one upload may take, docs/limits.md)"
        )


def return_memory() -> None:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``): libxml2's
    freed tree otherwise stays in the process's RSS (1.1 GB after a 64 MB GPX)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 - glibc only
    except (OSError, AttributeError, TypeError):
        return None
    return libc


def decode_with(data: bytes, name: str, *, streaming: bool) -> list[Track]:
    """``decode`` with the streaming reader switchable (``streaming=False``: gpxpy only, the
    reference the differential test compares with).  A truncated document keeps its complete
    track points (``gpx_salvage``), with a warning; otherwise a malformed one fails."""
    prepared = _front(data)
    check_points(prepared.data)  # UTF-8 by now: a UTF-16 file's tags are counted too
    try:
        return _decode(prepared, name, streaming=streaming)
    except CorruptFile as e:
        if not str(e).startswith("malformed XML"):
            raise
        kept = gpx_salvage.salvage(prepared.data)
        if kept is None:
            raise
        try:
            tracks = _decode(_front(kept.data), name, streaming=streaming)
        except (CorruptFile, NotAnActivity):
            raise e from None  # nothing usable before the cut: the file's own reason
        return _truncated(tracks, kept, prepared, str(e))


def _truncated(
    tracks: list[Track], kept: gpx_salvage.Salvaged, prepared: Prepared, reason: str
) -> list[Track]:
    """The salvaged tracks, each with the warning that says what was kept."""
    points = sum(t.samples.height for t in tracks)
    last = tracks[-1].samples["time"].drop_nulls()
    until = f" up to {last[-1]:%Y-%m-%d %H:%M:%S} UTC" if len(last) else ""
    lines = kept.lines + prepared.lines_removed
    note = (
        f"truncated: the file ends inside {kept.inside} in line {lines:,}; kept {points:,} "
        f"points{until} ({reason})"
    )
    return [replace(t, warnings=(*t.warnings, note)) for t in tracks]


def _decode(prepared: Prepared, name: str, *, streaming: bool) -> list[Track]:
    streamed = gpx_stream.read(prepared.data) if streaming else None
    if streamed is not None:
        raw = streamed.points
        recovered: tuple[str, ...] = prepared.warnings
        meta = TrackMeta(names=streamed.names, types=streamed.types)
        device, file_title = text_of(streamed.creator), streamed.title
    else:
        ref = read(prepared)
        raw, recovered = gpx_clean.raw_of(ref.points), ref.warnings
        meta = TrackMeta(names=ref.names, types=ref.types)
        device, file_title = ref.creator, ref.title

    points, warnings = gpx_clean.clean(raw)
    warnings = [*recovered, *warnings]
    tracks: list[Track] = []
    skipped: list[str] = []
    for outing in gpx_clean.outings(points):
        if outing.time[0] == outing.time[-1]:  # sorted: fewer than two distinct instants
            skipped.append(f"{len(outing.time)} point(s) at {_iso(int(outing.time[0]))}")
            continue
        tracks.append(build_track(outing, meta, name, device, file_title, warnings, len(tracks)))
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


def _front(data: bytes) -> Prepared:
    """What every reading starts with: the XML front end's preparation and its guard."""
    doc = prepare(data, "GPX")
    root = guard_xml(doc.data, "GPX")
    if root is not None and root != "gpx":
        raise CorruptFile(f"not a GPX document: the root element is <{root}>, not <gpx>")
    return doc


def _iso(time_us: int) -> str:
    return str(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=time_us))


sport_from_words = from_words  # the vocabulary is ingest.sports'; kept for callers
