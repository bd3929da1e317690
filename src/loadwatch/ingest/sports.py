"""One sport vocabulary: the sports loadwatch knows, what each source's words mean, and which
source decides an activity's sport.

The sports (DESIGN): running, trail_running, treadmill_running, walking, hiking, cycling,
swimming, other.  Only the three running sports count in running load.

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

Precedence (``decide``), first that says something wins:

1. the user's relabel;
2. the export's declared type, passed in by the importer (a Strava ``activities.csv`` row);
3. the file's own sport/sub_sport or type;
4. a guess from robust statistics of the samples (``guess``): median moving speed and, where
   recorded, cadence.  A guess is always labelled (``SportChoice.source == "guess"``, its note
   in the warnings, ``totals_source["sport"]``) and never beats a declaration.

``sport=generic`` (Fenix 2, Fenix 6) with a running cadence and a running pace is running.

A recording shorter than ``MIN_RUN_DISTANCE_M`` or ``MIN_RUN_ELAPSED_S`` is kept, but as
``other`` (``too_short``), whatever it was declared, unless the user relabelled it: a 41 s
or 0 km "run" is a watch started by mistake, and counting it would add a run to the week and
distort every per-run comparison.  It stays visible with a warning saying why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl

from loadwatch.ingest.sports_stats import moving_statistics

SPORTS = (
    "running",
    "trail_running",
    "treadmill_running",
    "walking",
    "hiking",
    "cycling",
    "swimming",
    "other",
)
RUNNING_SPORTS = frozenset({"running", "trail_running", "treadmill_running"})

SportSource = Literal["relabel", "export", "file", "guess", "too_short"]

MIN_RUN_DISTANCE_M = 200.0
MIN_RUN_ELAPSED_S = 120.0

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


# --- the guess -------------------------------------------------------------------------------
WALK_MAX_MPS = 1.9  # median moving speed below this: walking (≈ 8:46 /km)
RUN_P95_MAX_MPS = 5.8  # 95th percentile (smoothed) above this: ridden (≈ 2:52 /km)
RUN_CADENCE_MAX_MPS = 6.5  # a running cadence only says "run" at a pace a runner holds
MOTOR_MIN_MPS = 12.0  # median above this: motorised
# FIT and Garmin extensions write running cadence per foot (strides/min, 70-105); some
# writers give steps/min (140-210).  Cycling's 60-100 rpm overlaps the first: cadence alone
# never says "run", only with a running pace.
RUN_CADENCE_SPM = ((70.0, 105.0), (140.0, 210.0))


@dataclass(frozen=True, slots=True)
class Guess:
    sport: str
    note: str  # says it is a guess and from what


def _running_cadence(cadence: float | None) -> bool:
    return cadence is not None and any(lo <= cadence <= hi for lo, hi in RUN_CADENCE_SPM)


def guess(samples: pl.DataFrame, prefix: str = "") -> Guess:
    """The sport the samples look like, labelled as a guess (``prefix`` says why one was
    needed, e.g. a type not understood)."""
    stats = moving_statistics(samples)
    if stats is None:
        return Guess("running", f"{prefix}sport unknown and no speed to judge by: assumed running")
    median, p95, cadence = stats
    if median < WALK_MAX_MPS:
        sport = "walking"
    elif median > MOTOR_MIN_MPS:
        sport = "other"
    elif _running_cadence(cadence) and median <= RUN_CADENCE_MAX_MPS:
        sport = "running"
    elif p95 > RUN_P95_MAX_MPS:
        sport = "cycling"
    else:
        sport = "running"
    cad = f", cadence {cadence:.0f}/min" if cadence is not None else ""
    return Guess(
        sport,
        f"{prefix}sport {sport} guessed from the moving speed "
        f"(median {median:.2f} m/s, 95th percentile {p95:.2f} m/s{cad})",
    )


# --- the decision ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class SportChoice:
    sport: str
    source: SportSource
    note: str | None = None  # for a guess, an overridden file sport, or a short recording


def decide(
    *,
    relabel: str | None = None,
    export: str | None = None,
    file: str | None = None,
    guessed: Guess | None = None,
) -> SportChoice:
    """The activity's sport by precedence: relabel > export > file > guess (module doc).

    ``relabel`` must be one of ``SPORTS``; ``export`` may be one, or the export's own text
    ("Trail Run"); text that names no sport is passed over.
    """
    if relabel is not None:
        if relabel not in SPORTS:
            raise ValueError(f"unknown sport {relabel!r}; one of {', '.join(SPORTS)}")
        return SportChoice(relabel, "relabel")
    if export is not None:
        declared = export if export in SPORTS else from_activity_type(export)
        if declared is not None:
            note = None
            if file is not None and file != declared:
                note = (
                    f"sport {declared} as the export declares ({export!r}), not the file's {file}"
                )
            elif file is None and guessed is not None and guessed.sport != declared:
                note = f"sport {declared} as the export declares ({export!r}); not guessed"
            return SportChoice(declared, "export", note)
    if file is not None:
        return SportChoice(file, "file")
    if guessed is not None:
        return SportChoice(guessed.sport, "guess", guessed.note)
    return SportChoice("other", "guess", "no sport declared and nothing to guess from")


def too_short_to_run(choice: SportChoice, distance_m: float, elapsed_s: float) -> SportChoice:
    """A running sport on a recording under 200 m or 2 minutes becomes ``other`` (module doc),
    unless the user relabelled it."""
    if choice.sport not in RUNNING_SPORTS or choice.source == "relabel":
        return choice
    if distance_m >= MIN_RUN_DISTANCE_M and elapsed_s >= MIN_RUN_ELAPSED_S:
        return choice
    return SportChoice(
        "other",
        "too_short",
        f"{distance_m:.0f} m in {elapsed_s:.0f} s is too short to count as a run "
        f"(under {MIN_RUN_DISTANCE_M:.0f} m or {MIN_RUN_ELAPSED_S / 60:.0f} min): kept as other",
    )
