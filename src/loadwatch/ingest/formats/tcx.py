"""TCX (Garmin Training Center XML) → Tracks, one per ``<Activity>``.

One hardened libxml2 parse (``xmlsafe``); each trackpoint channel is one compiled XPath over
every trackpoint of an activity at once, matching by local name (namespaces and prefixes vary
between exporters: default namespace, ``ns3:``, ``ext:``, an inline ``xmlns`` on ``<TPX>``),
so Python never visits a trackpoint; then polars does the rest.

* Every ``<Activity>`` — including those nested in a ``<MultiSportSession>`` — is a Track, in
  document order (``session_index``).  A file with courses, workouts or folders but no
  activity is ``NotAnActivity``.
* ``segment`` numbers each ``<Track>`` element of the activity: a lap holds one, and a pause
  inside a lap starts another, so no pause is counted as distance.
* A position at (0, 0) or out of range is a receiver without a fix: dropped, time and
  sensors kept.
* Device totals come from the laps: distance and timer time summed, maximum speed and
  maximum heart rate as maxima, average heart rate weighted by lap time.
* ``start_time`` is the Activity ``<Id>`` (Garmin writes the start there), else the first
  lap's ``StartTime``, else the first sample.
* An activity whose trackpoints carry no time but whose laps carry totals (a manual or
  pool-rest entry) is kept with empty samples and its totals; one with neither is skipped.
* At most ``MAX_POINTS`` trackpoints, GPX's bound (memory per upload, docs/limits.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from lxml import etree

from loadwatch.errors import CorruptFile, InputTooLarge, NotAnActivity
from loadwatch.ingest.containers.xmlcolumns import NAT, UTC_TIME, loose_floats, utc_times
from loadwatch.ingest.containers.xmlsafe import local, parse_xml
from loadwatch.ingest.containers.xmlvalues import HR_SENTINEL, utc_offset_s
from loadwatch.ingest.sports import from_tcx
from loadwatch.ingest.track import DeviceTotals, Track

Element = etree._Element
_EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))  # polars' UTC, as the samples'

# Memory per upload (docs/limits.md): the same libxml2 tree as a GPX, with more elements a
# point (Position, DistanceMeters, HeartRateBpm/Value, the TPX extension), so GPX's bound in
# points (gpx.MAX_POINTS, 55 h at one a second) bounds one decode too; a longer file is
# refused before it is parsed.  Its own constant: importing the GPX decoder here would load it
# for every TCX.
MAX_POINTS = 200_000


# Local name of an element inside a <Trackpoint> → the column its text goes to.  <Value> is
# the heart rate of <HeartRateBpm> (the only element with a <Value> in a trackpoint), and the
# bare <HeartRateBpm> text stands in where a writer omits <Value>; <Cadence> is the pod's, and
# the extensions' <RunCadence> stands in where it is absent.
_POINT_TAGS = {
    "Time": "time",
    "LatitudeDegrees": "lat",
    "LongitudeDegrees": "lon",
    "AltitudeMeters": "altitude",
    "DistanceMeters": "distance",
    "Value": "heart_rate",
    "HeartRateBpm": "bare_heart_rate",
    "Cadence": "cadence",
    "RunCadence": "run_cadence",
    "Speed": "speed",
}
_COLUMNS = ("time", "lat", "lon", "altitude", "distance", "heart_rate", "cadence", "speed")
_CHANNELS = ("Trackpoint", *_POINT_TAGS)  # an element's code is its position here
# Any namespace, any prefix: lxml filters these in C, so Python sees only the wanted elements.
_ITER_TAGS = tuple(f"{{*}}{t}" for t in _CHANNELS)


class _Codes(dict[str, int]):
    """Full tag (``{namespace}Name``) → position in ``_CHANNELS``, learnt per namespace."""

    def __missing__(self, tag: str) -> int:
        code = _CHANNELS.index(local(tag))
        self[tag] = code
        return code


_CODES = _Codes()


def _points(activity: Element) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every trackpoint of the activity's laps as text columns (object arrays, None where a
    point lacks the channel; the last of a repeated element, as a reader that overwrites
    would keep) and the number of the <Track> each belongs to.

    One ``iter`` over each <Track> with a tag list yields the trackpoints and their wanted
    descendants in document order (filtered in C); a descendant belongs to the last
    trackpoint before it, and numpy places each text at its point.  Laps are walked <Track>
    by <Track> because a lap's own totals (<DistanceMeters>, <Cadence>...) sit between its
    tracks.
    """
    codes: list[int] = []
    texts: list[str | None] = []
    per_track: list[int] = []
    for track in activity.iterfind("{*}Lap/{*}Track"):
        before = len(codes)
        # One pass, each element dropped as soon as it is read: 2-3x faster than collecting
        # the elements first (measured 3.2 ms against 6.9 ms on a 1.1 MB TCX), because lxml
        # proxies kept alive by the thousand make the garbage collector walk them.
        for e in track.iter(*_ITER_TAGS):
            codes.append(_CODES[e.tag])
            texts.append(e.text)
        per_track.append(len(codes) - before)
    code = np.asarray(codes, dtype=np.int8)
    is_point = code == 0
    point = np.cumsum(is_point) - 1
    node = np.arange(code.size)
    n = int(is_point.sum())
    text = np.array(texts, dtype=object)
    cols: dict[str, np.ndarray] = {}
    for c, column in enumerate(_POINT_TAGS.values(), start=1):
        mine = code == c
        at, where = point[mine], node[mine]
        values = np.full(n, None, dtype=object)  # None: the point has no such element
        if at.size:
            last = np.append(at[1:] != at[:-1], True)  # the last of each point's run
            values[at[last]] = text[where[last]]
        cols[column] = values
    for column, stand_in in (("heart_rate", "bare_heart_rate"), ("cadence", "run_cadence")):
        values, other = cols[column], cols.pop(stand_in)
        cols[column] = np.where(values == None, other, values)  # noqa: E711 - elementwise
    segment = np.repeat(np.arange(len(per_track), dtype=np.int64), per_track)[is_point]
    return cols, segment


def point_count(data: bytes) -> int:
    """An upper bound of the document's trackpoints, from the bytes (no parse): its
    ``<Trackpoint`` start tags, and prefixed ones (``<t:Trackpoint>...</t:Trackpoint>``: two a
    point)."""
    return data.count(b"<Trackpoint") + data.count(b":Trackpoint") // 2


def check_points(data: bytes) -> None:
    n = point_count(data)
    if n > MAX_POINTS:
        raise InputTooLarge(
            f"TCX with {n:,} trackpoints: more than the {MAX_POINTS:,} one file may hold "
            "(55 h at one point a second; the memory one upload may take, docs/limits.md)"
        )


def decode(data: bytes, name: str) -> list[Track]:
    root, recovered = parse_xml(data, "TCX", check_points)
    if local(root.tag) != "TrainingCenterDatabase":
        raise CorruptFile(
            f"not a TCX document: the root element is <{local(root.tag)}>, "
            "not <TrainingCenterDatabase>"
        )
    activities = list(root.iter("{*}Activity"))
    if not activities:
        raise NotAnActivity(_why_no_activity(root))
    tracks: list[Track] = []
    skipped: list[str] = []
    for position, activity in enumerate(activities):
        track = _activity(activity, len(tracks))
        if track is None:
            skipped.append(
                f"activity {position + 1} holds neither timed trackpoints nor lap totals"
            )
        else:
            tracks.append(track)
    if not tracks:
        raise NotAnActivity("; ".join(skipped))
    if skipped or recovered:
        tracks = [replace(t, warnings=(*recovered, *t.warnings, *skipped)) for t in tracks]
    return tracks


def _why_no_activity(root: Element) -> str:
    # lxml filters by tag in C and stops at the first: no Python step per element.
    if next(root.iter("{*}Course"), None) is not None:
        return "a TCX course (a planned route), not a recorded activity"
    if next(root.iter("{*}Workout"), None) is not None:
        return "a TCX workout plan, not a recorded activity"
    return "the TCX holds no <Activity>: nothing was recorded"


# --- one <Activity> ----------------------------------------------------------------------
def _activity(activity: Element, index: int) -> Track | None:
    laps = list(activity.iterchildren("{*}Lap"))
    cols, segment = _points(activity)
    warnings: list[str] = []
    time = utc_times(cols["time"].tolist())
    number = {c: loose_floats(cols[c].tolist()) for c in _COLUMNS if c != "time"}
    hr = number["heart_rate"]
    bad_hr = (hr <= 0) | (hr >= HR_SENTINEL)
    if hr_dropped := int(bad_hr.sum()):
        warnings.append(f"{hr_dropped} heart-rate reading(s) of 0 or 255 (no sensor) dropped")
    number["heart_rate"] = np.where(bad_hr, np.nan, hr)
    lat, lon = number["lat"], number["lon"]
    no_fix = (np.abs(lat) > 90) | (np.abs(lon) > 180) | ((lat == 0) & (lon == 0))
    if bad_positions := int(no_fix.sum()):
        warnings.append(f"{bad_positions} position(s) at (0, 0) or out of range dropped")
        number["lat"], number["lon"] = np.where(no_fix, np.nan, lat), np.where(no_fix, np.nan, lon)
    timed = time != NAT
    if untimed := int((~timed).sum()):
        warnings.append(f"{untimed} of {len(time)} trackpoints have no time and were dropped")
    rows = np.flatnonzero(timed)
    rows = rows[np.argsort(time[rows], kind="stable")]
    samples = _samples(time[rows], {c: v[rows] for c, v in number.items()}, segment[rows])
    totals = _totals(laps)
    if samples.height == 0:
        if totals.distance_m is None and totals.timer_time_s is None:
            return None
        warnings.append("no timed trackpoints: only the lap totals")

    first_raw = next((t for t in cols["time"].tolist() if t), None)
    return Track(
        format="tcx",
        sport=from_tcx(activity.get("Sport")),
        samples=samples,
        start_time=_start_time(activity, laps, samples),
        utc_offset_s=utc_offset_s(first_raw),
        device=_creator(activity),
        totals=totals,
        session_index=index,
        name=None,
        warnings=tuple(warnings),
    )


def _samples(time: np.ndarray, number: dict[str, np.ndarray], segment: np.ndarray) -> pl.DataFrame:
    """The one typed frame of an activity (``SAMPLE_SCHEMA``; segments renumbered from 0)."""
    _, dense = np.unique(segment, return_inverse=True)
    return pl.DataFrame(
        [
            pl.Series("time", time).cast(UTC_TIME),
            *(
                pl.Series(c, number[c], dtype=pl.Float64, nan_to_null=True)
                for c in ("lat", "lon", "distance", "altitude", "speed", "heart_rate", "cadence")
            ),
            pl.Series("segment", dense, dtype=pl.Int32),
        ]
    )


def _children(e: Element, tag: str) -> Iterator[Element]:
    return (c for c in e if local(c.tag) == tag)


def _value(e: Element) -> str | None:
    """``<HeartRateBpm><Value>150</Value></HeartRateBpm>``; some writers omit ``<Value>``."""
    for child in e:
        if local(child.tag) == "Value":
            return child.text
    return e.text


def _lap_number(lap: Element, tag: str) -> float | None:
    for child in lap:
        if local(child.tag) == tag:
            text = _value(child) if tag.endswith("HeartRateBpm") else child.text
            try:
                return float(text) if text is not None else None
            except ValueError:
                return None
    return None


_LAP_TAGS = (
    "DistanceMeters",
    "TotalTimeSeconds",
    "MaximumSpeed",
    "AverageHeartRateBpm",
    "MaximumHeartRateBpm",
)


def _totals(laps: list[Element]) -> DeviceTotals:
    """Laps are few (one Python step each); their totals by numpy.  A lap without the value
    is left out; a value that is not finite is kept, for ``summary.validate`` to name."""
    values = {tag: [_lap_number(lap, tag) for lap in laps] for tag in _LAP_TAGS}
    seconds = np.array(values["TotalTimeSeconds"], dtype=np.float64)
    avg_hr, max_hr = (
        np.where((hr > 0) & (hr < HR_SENTINEL), hr, np.nan)
        for hr in (
            np.array(values[tag], dtype=np.float64)
            for tag in ("AverageHeartRateBpm", "MaximumHeartRateBpm")
        )
    )
    weighted = ~np.isnan(avg_hr) & (seconds > 0)
    return DeviceTotals(
        distance_m=_sum(values["DistanceMeters"]),
        timer_time_s=_sum(values["TotalTimeSeconds"]),
        max_speed_mps=_max(values["MaximumSpeed"]),
        avg_hr=float((avg_hr * seconds)[weighted].sum() / seconds[weighted].sum())
        if weighted.any()
        else None,
        max_hr=_max([None if np.isnan(v) else float(v) for v in max_hr]),
    )


def _sum(values: list[float | None]) -> float | None:
    # Rounded: lap times like 212.152 must not sum to 2223.8029999999994.
    known = [v for v in values if v is not None]
    return round(float(np.sum(known)), 3) if known else None


def _max(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.max(known)) if known else None


def _start_time(activity: Element, laps: list[Element], samples: pl.DataFrame) -> datetime | None:
    candidates = [next((c.text for c in _children(activity, "Id")), None)]
    candidates += [lap.get("StartTime") for lap in laps[:1]]
    parsed = utc_times([c for c in candidates if c])
    parsed = parsed[parsed != NAT]
    if parsed.size:
        return _EPOCH + timedelta(microseconds=int(parsed[0]))
    first: datetime | None = samples["time"][0] if samples.height else None
    return first


def _creator(activity: Element) -> str | None:
    for creator in _children(activity, "Creator"):
        for child in _children(creator, "Name"):
            if child.text and child.text.strip():
                return child.text.strip()
    return None
