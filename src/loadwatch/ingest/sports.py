"""One sport vocabulary: the sports loadwatch knows and what each source's words mean.

The sports (DESIGN): running, trail_running, treadmill_running, walking, hiking, cycling,
swimming, transition, other.  Only the three running sports count in running load.  A
multisport FIT file's transitions (T1, T2: changing between legs) are ``transition``, not
``other``: no pace, and a triathlon reads swim, T1, ride, T2, run.

Every source has its own table, matched on whole tokens, never substrings ("Strides" is not a
ride, "Pride 5k" is not a ride, "brunch" is not a run):

* FIT ``sport``/``sub_sport`` (``from_fit``): ``generic`` and numbers fitparse does not know
  declare nothing (None): the decision falls to the statistics;
* TCX ``Activity/@Sport`` (``from_tcx``): the schema's Running, Biking, Other;
* GPX ``<trk><type>``, track and file names (``from_words``): free words, Strava's numeric codes;
* an export's activity type (``from_activity_type``): Strava's ``Activity Type`` column ("Run",
  "Trail Run", "Virtual Run", "Ride", "E-Bike Ride", "Walk", "Hike", "Swim"...), exact tokens;
* a training log's sport cell (``from_log``): the above, plus running workouts by name
  ("Strides", "Tempo", "Intervals", "Parkrun", "5k"...), since a runner's log is running.

Where no source declares a sport, ``sports_guess`` guesses one from the samples;
``sports_choice`` decides which source an activity's sport comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "RUNNING_SPORTS",
    "SPORTS",
    "from_activity_type",
    "from_fit",
    "from_log",
    "from_tcx",
    "from_words",
    "grade_adjusted",
]

SPORTS = (
    "running",
    "trail_running",
    "treadmill_running",
    "walking",
    "hiking",
    "cycling",
    "swimming",
    "transition",
    "other",
)
RUNNING_SPORTS = frozenset({"running", "trail_running", "treadmill_running"})


def grade_adjusted(sport: str, gap_distance_m: float | None) -> float | None:
    """The grade-adjusted distance as every face shows it: Minetti's cost is running's, so a
    ride, a walk or a swim has none (None), whatever the track's hills; the stored figure
    stays, so a run relabelled from "other" shows it again."""
    return gap_distance_m if sport in RUNNING_SPORTS else None


# --- FIT -------------------------------------------------------------------------------------
# FIT sport names (as fitparse 1.2.0 renders them) that map to one loadwatch sport whatever the
# sub_sport says.  Rowing, skiing... are a declared "other"; generic and unknown numbers are no
# declaration at all.
_FIT_SPORT: Mapping[str, str] = {
    "running": "running",
    "walking": "walking",
    "hiking": "hiking",
    "cycling": "cycling",
    "e_biking": "cycling",
    "swimming": "swimming",
    "transition": "transition",
}
_FIT_UNDECLARED = frozenset({"generic", "all"})
# (sport, sub_sport) pairs that refine the sport: trail and treadmill running count differently
# for hill and speed load, and gym machines report their own sport.
_FIT_PAIR: Mapping[tuple[str, str], str] = {
    ("running", "trail"): "trail_running",
    ("running", "treadmill"): "treadmill_running",
    ("running", "indoor_running"): "treadmill_running",
    ("running", "virtual_activity"): "treadmill_running",
    ("fitness_equipment", "treadmill"): "treadmill_running",
    ("fitness_equipment", "indoor_running"): "treadmill_running",
    ("fitness_equipment", "indoor_cycling"): "cycling",
    ("fitness_equipment", "indoor_walking"): "walking",
    ("training", "indoor_walking"): "walking",
    ("generic", "treadmill"): "treadmill_running",
    ("generic", "trail"): "trail_running",
}


def from_fit(sport: object, sub_sport: object) -> str | None:
    """The sport a FIT session declares (enum names or raw numbers); None when it declares
    none (``generic``, a number the profile does not know, no sport field)."""
    if not isinstance(sport, str):
        return None
    if isinstance(sub_sport, str):
        refined = _FIT_PAIR.get((sport, sub_sport))
        if refined is not None:
            return refined
    if sport in _FIT_UNDECLARED:
        return None
    return _FIT_SPORT.get(sport, "other")


# --- TCX -------------------------------------------------------------------------------------
_TCX_SPORT: Mapping[str, str] = {"running": "running", "biking": "cycling", "other": "other"}


def from_tcx(attribute: str | None) -> str:
    """TCX's ``Sport`` attribute: the schema allows Running, Biking and Other only, so any
    other value is a declared "other" too."""
    return _TCX_SPORT.get((attribute or "").strip().lower(), "other")


# --- free words (GPX types, track and file names) --------------------------------------------
_WORDS: tuple[tuple[str, frozenset[str]], ...] = tuple(
    (sport, frozenset(words.split()))
    for sport, words in (
        ("treadmill_running", "treadmill virtualrun"),
        ("trail_running", "trailrun trailrunning"),
        ("running", "run running runs jog jogging marathon"),
        ("hiking", "hike hiking hikes trek trekking mountaineering"),
        ("walking", "walk walking walks nordicwalking"),
        (
            "cycling",
            "bike biking biker bicycle cycling cycle ride riding rides mtb ebike velo "
            "virtualride gravel",
        ),
        ("swimming", "swim swimming swims"),
        (
            "other",
            "ski skiing snowboard snowboarding skate skating rowing row kayak kayaking canoe "
            "canoeing paddle paddling sup sail sailing elliptical drive driving car motorcycle "
            "boat flight yoga climbing",
        ),
    )
)
# Strava writes its internal activity-type number into <trk><type>.
_STRAVA_CODES: Mapping[str, str] = {"1": "cycling", "9": "running"}
_WORD_RE = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+[a-z]*")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD_RE.findall(text)}


def from_words(text: str, *, strava_codes: bool = False) -> str | None:
    """A sport named by free text (a GPX type, a track or file name), or None.

    Words are matched whole, camelCase split ("UrbanBiker" → urban, biker), so "strides" is
    not a ride.  Strava's numeric codes only mean something in ``<type>``.
    """
    stripped = text.strip()
    if strava_codes and stripped in _STRAVA_CODES:
        return _STRAVA_CODES[stripped]
    words = _words(stripped)
    if "trail" in words and words & {"run", "running", "runs"}:
        return "trail_running"
    if "indoor" in words and words & {"run", "running"}:
        return "treadmill_running"
    for sport, vocabulary in _WORDS:
        if words & vocabulary:
            return sport
    return None


# --- export activity types (Strava's activities.csv, Garmin's) --------------------------------
def _token(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


# Strava's ``Activity Type`` values (and Garmin Connect's activity type keys), by token.
_ACTIVITY_TYPES: Mapping[str, str] = {
    **dict.fromkeys(["run", "running", "street_running", "track_running", "streetrunning"],
                    "running"),
    **dict.fromkeys(["trailrun", "trailrunning", "ultrarun"], "trail_running"),
    **dict.fromkeys(["virtualrun", "treadmill", "treadmillrunning", "indoorrunning"],
                    "treadmill_running"),
    **dict.fromkeys(["walk", "walking", "casualwalking", "speedwalking"], "walking"),
    **dict.fromkeys(["hike", "hiking", "mountaineering"], "hiking"),
    **dict.fromkeys(
        ["ride", "cycling", "virtualride", "ebikeride", "emountainbikeride", "mountainbikeride",
         "gravelride", "handcycle", "velomobile", "roadbiking", "mountainbiking", "gravelcycling",
         "indoorcycling", "virtualcycling", "biking"],
        "cycling",
    ),
    **dict.fromkeys(["swim", "swimming", "lapswimming", "openwaterswimming"], "swimming"),
    **dict.fromkeys(
        ["alpineski", "backcountryski", "nordicski", "rollerski", "snowboard", "snowshoe",
         "iceskate", "inlineskate", "skateboard", "rowing", "virtualrow", "canoeing", "kayaking",
         "standuppaddling", "surfing", "kitesurf", "windsurf", "sail", "rockclimbing",
         "elliptical", "stairstepper", "weighttraining", "workout", "crossfit", "yoga",
         "pilates", "golf", "soccer", "tennis", "wheelchair", "other"],
        "other",
    ),
}  # fmt: skip


def from_activity_type(text: str | None) -> str | None:
    """An export's declared activity type → a sport; None when blank or not understood."""
    if text is None or not text.strip():
        return None
    token = _token(text)
    if token in _ACTIVITY_TYPES:
        return _ACTIVITY_TYPES[token]
    return from_words(text)


# A runner's log names the session, not the sport: these are runs.
_RUN_WORKOUTS = frozenset(
    {
        *("strides", "tempo", "intervals", "interval", "fartlek", "parkrun", "repeats"),
        *("5k", "10k", "15k", "21k", "42k", "halfmarathon", "hills", "recovery", "easy"),
        *("long", "progression", "threshold", "race"),
    }
)


def from_log(text: str | None) -> str:
    """A training log's sport cell → a sport; blank means running (a runner's log)."""
    if text is None or not text.strip():
        return "running"
    if text.strip() in SPORTS:
        return text.strip()
    declared = from_activity_type(text)
    if declared is not None:
        return declared
    return "running" if _words(text) & _RUN_WORKOUTS else "other"
