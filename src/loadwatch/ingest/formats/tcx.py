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
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

import numpy as np
import polars as pl
from lxml import etree

from loadwatch.errors import CorruptFile, NotAnActivity
from loadwatch.ingest.containers.xmlsafe import (
    HR_SENTINEL,
    local,
    parse_xml,
    times,
    typed_frame,
    utc_offset_s,
)
from loadwatch.ingest.sports import from_tcx
from loadwatch.ingest.track import DeviceTotals, Track, conform_samples

Element = etree._Element


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


def _points(activity: Element) -> tuple[dict[str, pl.Series], pl.Series]:
    """Every trackpoint of the activity's laps as text columns (null where a point lacks the
    channel; the last of a repeated element, as a reader that overwrites would keep) and the
    number of the <Track> each belongs to.

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
        nodes = list(track.iter(*_ITER_TAGS))
        codes += [_CODES[e.tag] for e in nodes]
        texts += [e.text for e in nodes]
        per_track.append(len(nodes))
    code = np.asarray(codes, dtype=np.int8)
    is_point = code == 0
    point = np.cumsum(is_point) - 1
    node = np.arange(code.size)
    n = int(is_point.sum())
    gathered: dict[str, pl.Expr] = {}
    for c, column in enumerate(_POINT_TAGS.values(), start=1):
        mine = code == c
        at, where = point[mine], node[mine]
        source = np.full(n, -1, dtype=np.int64)
        if at.size:
            last = np.append(at[1:] != at[:-1], True)  # the last of each point's run
            source[at[last]] = where[last]
        # -1 (the point has no such element) gathers a null.
        gathered[column] = pl.col("text").gather(pl.lit(pl.Series(source)).replace(-1, None))
    frame = pl.DataFrame([pl.Series("text", texts, dtype=pl.String)]).select(
        gathered["heart_rate"].fill_null(gathered.pop("bare_heart_rate")).alias("heart_rate"),
        gathered["cadence"].fill_null(gathered.pop("run_cadence")).alias("cadence"),
        *(e.alias(c) for c, e in gathered.items() if c not in ("heart_rate", "cadence")),
    )
    cols = {c: frame[c] for c in _COLUMNS}
    segment = np.repeat(np.arange(len(per_track), dtype=np.int32), per_track)[is_point]
    return cols, pl.Series("segment", segment, dtype=pl.Int32)


def decode(data: bytes, name: str) -> list[Track]:
    root, recovered = parse_xml(data, "TCX")
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
    names = {local(e.tag) for e in root.iter()}
    if "Course" in names:
        return "a TCX course (a planned route), not a recorded activity"
    if "Workout" in names:
        return "a TCX workout plan, not a recorded activity"
    return "the TCX holds no <Activity>: nothing was recorded"


# --- one <Activity> ----------------------------------------------------------------------
def _activity(activity: Element, index: int) -> Track | None:
    laps = list(activity.iterchildren("{*}Lap"))
    cols, segment = _points(activity)
    frame, hr_dropped = typed_frame(cols, segment=segment)
    warnings: list[str] = []
    if hr_dropped:
        warnings.append(f"{hr_dropped} heart-rate reading(s) of 0 or 255 (no sensor) dropped")
    no_fix = (
        (pl.col("lat").abs() > 90)
        | (pl.col("lon").abs() > 180)
        | ((pl.col("lat") == 0) & (pl.col("lon") == 0))
    ).fill_null(False)
    bad_positions = int(frame.select(no_fix.sum()).item())
    if bad_positions:
        warnings.append(f"{bad_positions} position(s) at (0, 0) or out of range dropped")
        frame = frame.with_columns(
            pl.when(no_fix).then(None).otherwise(pl.col(c)).alias(c) for c in ("lat", "lon")
        )
    untimed = frame["time"].null_count()
    if untimed:
        warnings.append(f"{untimed} of {frame.height} trackpoints have no time and were dropped")
    samples = conform_samples(frame)
    samples = samples.with_columns((pl.col("segment").rank("dense") - 1).cast(pl.Int32))
    totals = _totals(laps)
    if samples.height == 0:
        if totals.distance_m is None and totals.timer_time_s is None:
            return None
        warnings.append("no timed trackpoints: only the lap totals")

    first_raw = _first_text(cols["time"])
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


def _children(e: Element, tag: str) -> Iterator[Element]:
    return (c for c in e if local(c.tag) == tag)


def _first_text(texts: pl.Series) -> str | None:
    first = texts.filter(texts.str.len_chars() > 0).head(1)
    return str(first[0]) if first.len() else None


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


def _totals(laps: list[Element]) -> DeviceTotals:
    rows = pl.DataFrame(
        {
            "distance": [_lap_number(lap, "DistanceMeters") for lap in laps],
            "time": [_lap_number(lap, "TotalTimeSeconds") for lap in laps],
            "max_speed": [_lap_number(lap, "MaximumSpeed") for lap in laps],
            "avg_hr": [_lap_number(lap, "AverageHeartRateBpm") for lap in laps],
            "max_hr": [_lap_number(lap, "MaximumHeartRateBpm") for lap in laps],
        },
        schema={c: pl.Float64 for c in ("distance", "time", "max_speed", "avg_hr", "max_hr")},
    )
    rows = rows.with_columns(
        pl.when((pl.col(c) > 0) & (pl.col(c) < HR_SENTINEL)).then(pl.col(c)).alias(c)
        for c in ("avg_hr", "max_hr")
    )
    hr_laps = rows.filter(pl.col("avg_hr").is_not_null() & (pl.col("time") > 0))
    weighted = hr_laps.select(
        (pl.col("avg_hr") * pl.col("time")).sum() / pl.col("time").sum()
    ).item()
    avg_hr = float(weighted) if hr_laps.height else None
    return DeviceTotals(
        distance_m=_sum(rows["distance"]),
        timer_time_s=_sum(rows["time"]),
        max_speed_mps=_max(rows["max_speed"]),
        avg_hr=avg_hr,
        max_hr=_max(rows["max_hr"]),
    )


def _sum(s: pl.Series) -> float | None:
    # Rounded: lap times like 212.152 must not sum to 2223.8029999999994.
    return round(float(s.sum()), 3) if s.drop_nulls().len() else None


def _max(s: pl.Series) -> float | None:
    value = s.max()
    return float(value) if isinstance(value, int | float) else None


def _start_time(activity: Element, laps: list[Element], samples: pl.DataFrame) -> datetime | None:
    candidates = [next((c.text for c in _children(activity, "Id")), None)]
    candidates += [lap.get("StartTime") for lap in laps[:1]]
    parsed = times([c for c in candidates if c]).drop_nulls()
    if parsed.len():
        value: datetime = parsed[0]
        return value
    return samples["time"][0] if samples.height else None


def _creator(activity: Element) -> str | None:
    for creator in _children(activity, "Creator"):
        for child in _children(creator, "Name"):
            if child.text and child.text.strip():
                return child.text.strip()
    return None
