"""GPX points after either reader: typed, cleaned and cut into outings, in numpy.

Both readers of ``ingest.gpx`` (the streaming one and gpxpy) hand over the same raw frame;
everything from there to each outing's samples is array arithmetic on its columns.  No polars
query runs per file here: each eager polars step costs a fixed ~0.3-0.6 ms, which was most of
the time of a small file; numpy's fixed costs are microseconds.  Nulls are NaN in the float
columns and ``NaT`` (int64 minimum) in the time columns until ``Outing.samples`` builds the one
typed frame of an outing.

The rules (which ``ingest.gpx``'s module doc states and ``tests/ingest/test_gpx.py`` tests):
time is UTC, none where the offset is beyond any zone or the year past ``LATEST_PLAUSIBLE``;
heart rate loses the "no sensor" values; impossible positions are dropped and split their
segment, (0, 0) positions are dropped; placeholder times before 1980 are dropped; segments
joined into one outing while the pause between them is at most ``SPLIT_GAP``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl

from loadwatch.errors import NotAnActivity, UndatedActivity
from loadwatch.ingest.containers.xmlcolumns import NAT, UTC_TIME, loose_floats
from loadwatch.ingest.containers.xmlvalues import (
    EARLIEST_PLAUSIBLE,
    HR_SENTINEL,
    LATEST_PLAUSIBLE,
    MAX_OFFSET_S,
)

SPLIT_GAP = timedelta(hours=2)
_US = 1_000_000
_EARLIEST_US = int(EARLIEST_PLAUSIBLE.timestamp()) * _US
_LATEST_US = int(LATEST_PLAUSIBLE.timestamp()) * _US  # wall clocks from this year on: no time
_GAP_US = int(SPLIT_GAP.total_seconds()) * _US
_TEXT_COLUMNS = ("ext_speed", "heart_rate", "cadence", "distance")


@dataclass(frozen=True, slots=True)
class Points:
    """Every timed point of the file, cleaned: columns by name, in document order."""

    time: np.ndarray  # int64 µs UTC
    lat: np.ndarray
    lon: np.ndarray
    altitude: np.ndarray
    speed: np.ndarray
    heart_rate: np.ndarray
    cadence: np.ndarray
    distance: np.ndarray
    segment: np.ndarray  # int64: (segment, part split at impossible positions), dense
    trk: np.ndarray
    offset_min: np.ndarray  # float64, NaN: the stamp had no offset

    def take(self, rows: np.ndarray) -> Points:
        return Points(*(getattr(self, f.name)[rows] for f in fields(self)))


@dataclass(frozen=True, slots=True)
class Raw:
    """Every ``<trkpt>`` of a document in order, as either reader gives it: ``wall`` the
    stamp's own clock (µs, naive; ``NAT``: none), ``offset_min`` its offset (NaN: none), the
    numbers (NaN: none), ``seg`` numbering each (track, segment) and ``trk`` each track."""

    wall: np.ndarray
    offset_min: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    altitude: np.ndarray
    speed: np.ndarray
    ext_speed: np.ndarray
    heart_rate: np.ndarray
    cadence: np.ndarray
    distance: np.ndarray
    seg: np.ndarray
    trk: np.ndarray


def raw_of(frame: pl.DataFrame) -> Raw:
    """gpxpy's frame (``gpx_reference``: the extension values as texts) as ``Raw``."""
    wall = frame["wall"].to_numpy().astype("datetime64[us]").view(np.int64)
    number = {
        c: loose_floats(frame[c]) if frame[c].dtype == pl.String else _floats(frame[c])
        for c in _TEXT_COLUMNS
    }
    return Raw(
        wall=wall,
        offset_min=_floats(frame["offset_min"]),
        lat=_floats(frame["lat"]),
        lon=_floats(frame["lon"]),
        altitude=_floats(frame["altitude"]),
        speed=_floats(frame["speed"]),
        **number,
        seg=frame["seg"].to_numpy().astype(np.int64),
        trk=frame["trk"].to_numpy().astype(np.int64),
    )


def clean(raw: Raw) -> tuple[Points, list[str]]:
    """The raw points of either reader as cleaned points, and the warnings of what was
    dropped; ``NotAnActivity`` when no point has a time, ``UndatedActivity`` when every
    time is a placeholder (the clock never set)."""
    wall, offset, lat, lon = raw.wall, raw.offset_min, raw.lat, raw.lon
    number = {c: getattr(raw, c) for c in _TEXT_COLUMNS}
    warnings: list[str] = []
    n = len(wall)

    hr = number["heart_rate"]
    bad_hr = (hr <= 0) | (hr >= HR_SENTINEL)
    if hr_dropped := int(bad_hr.sum()):
        warnings.append(f"{hr_dropped} heart-rate reading(s) of 0 or 255 (no sensor) dropped")
    hr = np.where(bad_hr, np.nan, hr)
    offset_0 = np.where(np.isnan(offset), 0.0, offset).astype(np.int64)
    possible = (wall != NAT) & (np.abs(offset_0) * 60 <= MAX_OFFSET_S) & (wall < _LATEST_US)
    time = np.where(possible, wall - offset_0 * 60 * _US, NAT)
    offset = np.where(possible, offset, np.nan)

    with np.errstate(invalid="ignore"):
        impossible = (np.abs(lat) > 90) | (np.abs(lon) > 180)
        at_origin = (lat == 0) & (lon == 0)
    if n_impossible := int(impossible.sum()):
        warnings.append(
            f"{n_impossible} point(s) with impossible coordinates (pause/resume markers or "
            "glitches): positions dropped and the track split there"
        )
    if n_origin := int(at_origin.sum()):
        warnings.append(f"{n_origin} point(s) at (0, 0) (no GPS fix): positions dropped")
    no_fix = impossible | at_origin
    lat, lon = np.where(no_fix, np.nan, lat), np.where(no_fix, np.nan, lon)
    # Each impossible point opens a new part of its segment: dense-rank (seg, part).
    segment = _segments(raw.seg, impossible)

    timed = time != NAT
    placeholder = timed & (time < _EARLIEST_US)
    n_untimed, n_placeholder = n - int(timed.sum()), int(placeholder.sum())
    if n_placeholder == n - n_untimed:
        if n_placeholder:
            first = int(np.argmax(placeholder))
            # A run whose clock was never set is lost unless the user logs it: a failed
            # file in FIT's words, not "not an activity" with the routes (trial F7).
            raise UndatedActivity(
                "the device clock was never set (every timestamp is a placeholder before "
                f"1980, e.g. {_stamp(int(wall[first]), offset[first])}), so the recording "
                "cannot be placed in time: log its distance and time with "
                "`loadwatch import-log` to count it"
            )
        raise NotAnActivity(
            f"track has no timestamps ({n} points): a route or a course, not a recorded activity"
        )
    if n_placeholder:
        warnings.append(
            f"{n_placeholder} point(s) with a placeholder time before 1980 (clock not set) dropped"
        )
    if n_untimed:
        warnings.append(f"{n_untimed} of {n} points have no timestamp and were dropped")
    speed = raw.speed
    points = Points(
        time=time,
        lat=lat,
        lon=lon,
        altitude=raw.altitude,
        speed=np.where(np.isnan(speed), number["ext_speed"], speed),
        heart_rate=hr,
        cadence=number["cadence"],
        distance=number["distance"],
        segment=segment.astype(np.int64),
        trk=raw.trk,
        offset_min=offset,
    )
    if not (n_untimed or n_placeholder):  # every point kept: no copy of every column
        return points, warnings
    return points.take(np.flatnonzero(timed & ~placeholder)), warnings


def _segments(seg: np.ndarray, impossible: np.ndarray) -> np.ndarray:
    """Each point's dense (segment, part) number: an impossible point opens a new part of its
    segment.  Both readers number segments in document order, so without an impossible point
    the dense rank is a running count of changes (no sort)."""
    n = len(seg)
    if n and not impossible.any() and (np.diff(seg) >= 0).all():
        changes = np.empty(n, dtype=np.int64)
        changes[0] = 0
        np.not_equal(seg[1:], seg[:-1], out=changes[1:])
        return np.cumsum(changes)
    splits = np.cumsum(impossible)
    _, seg_start = np.unique(seg, return_index=True)
    part = splits - (splits - impossible)[seg_start][np.searchsorted(seg[seg_start], seg)]
    _, segment = np.unique(seg * (n + 1) + part, return_inverse=True)
    return np.asarray(segment, dtype=np.int64).reshape(-1)


def outings(points: Points) -> list[Points]:
    """The points of each outing, in time order (stable): segments chained while the pause
    between them is at most ``SPLIT_GAP``; outings in the order of their first segment.
    Most files are one segment already in time order: handed on as they are (the sorts and
    reductions below cost a fixed ~0.1 ms)."""
    if _one_segment(points.segment):
        if (points.time[1:] >= points.time[:-1]).all():
            return [points]
        return [points.take(np.argsort(points.time, kind="stable"))]
    order = np.lexsort((points.time, points.segment))
    seg_sorted = points.segment[order]
    bounds = np.flatnonzero(np.r_[True, seg_sorted[1:] != seg_sorted[:-1]])
    start = np.minimum.reduceat(points.time[order], bounds)
    end = np.maximum.reduceat(points.time[order], bounds)
    segments = seg_sorted[bounds]
    by_start = np.lexsort((segments, start))
    start, end = start[by_start], end[by_start]
    reach = np.maximum.accumulate(end)
    group = np.cumsum(np.r_[False, start[1:] - reach[:-1] > _GAP_US])
    group_of = np.empty(int(segments.max()) + 1, dtype=np.int64)
    group_of[segments[by_start]] = group
    row_group = group_of[points.segment]
    out = []
    for g in range(int(group[-1]) + 1):
        rows = np.flatnonzero(row_group == g)
        out.append(points.take(rows[np.argsort(points.time[rows], kind="stable")]))
    return out


def samples(points: Points) -> pl.DataFrame:
    """The outing as ``SAMPLE_SCHEMA`` (segments renumbered from 0)."""
    if _one_segment(points.segment):
        segment = np.zeros(len(points.segment), dtype=np.int32)
    else:
        segment = np.unique(points.segment, return_inverse=True)[1].astype(np.int32)
    return pl.DataFrame(
        [
            pl.Series("time", points.time).cast(UTC_TIME),
            *(
                pl.Series(c, getattr(points, c), dtype=pl.Float64, nan_to_null=True)
                for c in ("lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")
            ),
            pl.Series("segment", segment.reshape(-1), dtype=pl.Int32),
        ]
    )


def _one_segment(segment: np.ndarray) -> bool:
    return bool(len(segment)) and bool((segment == segment[0]).all())


def _floats(column: pl.Series) -> np.ndarray:
    return column.cast(pl.Float64).to_numpy().astype(np.float64, copy=False)


def _stamp(wall_us: int, offset_min: float) -> str:
    """A stamp as the file wrote it (offset kept, ``Z`` for UTC)."""
    t = datetime(1970, 1, 1) + timedelta(microseconds=wall_us)
    if not np.isnan(offset_min):
        t = t.replace(tzinfo=timezone(timedelta(minutes=int(offset_min))))
    return str(t.isoformat().replace("+00:00", "Z"))
