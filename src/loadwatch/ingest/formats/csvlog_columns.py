"""A CSV training log's columns: headers matched loosely (case, spaces, punctuation and unit
suffixes), and the unit a column is in is part of its name: ``distance`` is km unless it says
``distance_m`` / ``distance_mi``; ``climbing_ft`` is feet.  A file without a date and a
distance column is refused as a whole with one line.  Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loadwatch.errors import CorruptFile

_M_PER_MI = 1609.344
_M_PER_FT = 0.3048


def _norm(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


# field -> [(normalised header, factor to SI)], in order of preference.
_DISTANCE = [
    ("distance_km", 1000.0),
    ("km", 1000.0),
    ("distance_m", 1.0),
    ("distance_meters", 1.0),
    ("distance_metres", 1.0),
    ("meters", 1.0),
    ("metres", 1.0),
    ("distance_mi", _M_PER_MI),
    ("distance_miles", _M_PER_MI),
    ("miles", _M_PER_MI),
    ("mi", _M_PER_MI),
    ("distance", 1000.0),
]
_CLIMB = [
    ("climbing_m", 1.0),
    ("climb_m", 1.0),
    ("elevation_gain_m", 1.0),
    ("ascent_m", 1.0),
    ("climbing", 1.0),
    ("climb", 1.0),
    ("elevation_gain", 1.0),
    ("ascent", 1.0),
    ("total_ascent", 1.0),
    ("vert", 1.0),
    ("climbing_ft", _M_PER_FT),
    ("climb_ft", _M_PER_FT),
    ("elevation_gain_ft", _M_PER_FT),
    ("ascent_ft", _M_PER_FT),
]
_FAST = [
    ("fast_km", 1000.0),
    ("fast_distance_km", 1000.0),
    ("fast_distance", 1000.0),
    ("fast", 1000.0),
    ("fast_m", 1.0),
    ("fast_distance_m", 1.0),
    ("fast_mi", _M_PER_MI),
    ("fast_distance_mi", _M_PER_MI),
]
# Durations: a factor of None means "clock text or seconds".
_DURATION = [
    ("moving_time", None),
    ("duration", None),
    ("time_hh_mm_ss", None),
    ("moving_time_s", 1.0),
    ("duration_s", 1.0),
    ("duration_sec", 1.0),
    ("seconds", 1.0),
    ("duration_min", 60.0),
    ("duration_minutes", 60.0),
    ("moving_time_min", 60.0),
    ("minutes", 60.0),
    ("mins", 60.0),
    ("elapsed_time", None),
]
_ELAPSED = [("elapsed_time", None), ("elapsed_time_s", 1.0)]
_DATE = ["date", "day", "activity_date", "start_date_local", "start_date", "start_time", "datetime"]
_TIME = ["time", "start_time", "time_of_day", "start"]
_SPORT = ["sport", "activity_type", "type"]
_NAME = ["name", "activity_name", "title", "notes"]
# Symptoms a log may carry per row (0-10): docs/rehab.md.
PAIN_FIELDS = ("pain_during", "pain_after", "pain_next_morning")
_PAIN = {
    "pain_during": ["pain_during", "during_pain"],
    "pain_after": ["pain_after", "after_pain"],
    "pain_next_morning": ["pain_next_morning", "next_morning_pain", "pain_morning_after"],
}

# Session RPE (Foster's CR-10, 0-10, halves allowed): docs/checkin.md.
_RPE = ["rpe", "session_rpe", "srpe_rating", "effort_rpe", "perceived_exertion"]


@dataclass(frozen=True, slots=True)
class Col:
    index: int
    header: str
    factor: float | None  # None: clock text or seconds (durations)


def _pick(
    headers: Sequence[str], wanted: Sequence[tuple[str, float | None]], *, last: bool = False
) -> Col | None:
    norm = [_norm(h) for h in headers]
    for name, factor in wanted:
        hits = [i for i, n in enumerate(norm) if n == name]
        if hits:
            i = hits[-1] if last else hits[0]
            return Col(i, headers[i], factor)
    return None


def _pick_plain(headers: Sequence[str], wanted: Sequence[str], exclude: set[int]) -> Col | None:
    return _pick(
        [h if i not in exclude else "" for i, h in enumerate(headers)], [(w, 1.0) for w in wanted]
    )


@dataclass(frozen=True, slots=True)
class Layout:
    date: Col
    time: Col | None
    distance: Col
    duration: Col | None
    elapsed: Col | None
    climb: Col | None
    fast: Col | None
    sport: Col | None
    name: Col | None
    strava: bool
    pain: dict[str, Col]
    rpe: Col | None = None


def layout(headers: Sequence[str]) -> Layout:
    norm = [_norm(h) for h in headers]
    strava = "activity_date" in norm and "activity_type" in norm
    date_col = _pick_plain(headers, _DATE, set())
    distance = _pick(headers, _DISTANCE)
    if strava and norm.count("distance") >= 2:
        # Strava writes "Distance" twice: first in the athlete's display unit (km, or metres for
        # swims), then always in metres.  The second is the unambiguous one.
        distance = Col(
            max(i for i, n in enumerate(norm) if n == "distance"), "Distance (2nd, m)", 1.0
        )
    if date_col is None or distance is None:
        shown = ", ".join(repr(h) for h in headers[:12]) or "none"
        raise CorruptFile(
            "not a training log: need a date column and a distance column "
            f"(e.g. date,distance_km,duration,climbing_m); found {shown}"
        )
    used = {date_col.index}
    time_col = _pick_plain(headers, _TIME, used)
    if strava:
        # Strava's Moving/Elapsed Time are plain seconds; the later duplicate is the precise one.
        duration = _pick(headers, [("moving_time", 1.0)], last=True)
        elapsed = _pick(headers, [("elapsed_time", 1.0)], last=True)
    else:
        duration = _pick(headers, _DURATION)
        elapsed = _pick(headers, _ELAPSED)
        if elapsed is not None and duration is not None and elapsed.index == duration.index:
            elapsed = None
    return Layout(
        date=date_col,
        time=time_col,
        distance=distance,
        duration=duration,
        elapsed=elapsed,
        climb=_pick(headers, _CLIMB, last=strava),
        fast=_pick(headers, _FAST),
        sport=_pick_plain(headers, _SPORT, used),
        name=_pick_plain(headers, _NAME, used),
        strava=strava,
        pain={
            k: c
            for k, names in _PAIN.items()
            if (c := _pick_plain(headers, names, used)) is not None
        },
        rpe=_pick_plain(headers, _RPE, used),
    )
