"""Which source decides an activity's sport, and when a run is too short to count as one.

Precedence (``decide``), first that says something wins:

1. the user's relabel;
2. the export's declared type, passed in by the importer (a Strava ``activities.csv`` row);
3. the file's own sport/sub_sport or type (``sports``: each source's words);
4. a guess from robust statistics of the samples (``sports_guess``), always labelled, never
   beating a declaration.

A declared run whose median moving speed is faster than any runner holds over a recording
(``RUN_IMPLAUSIBLE_MPS``) is counted as cycling, with a warning saying why
(``implausible_run``): a ride recorded in the watch's run mode would otherwise become fast
kilometres and alerts.  Only the user's relabel beats this.

A recording shorter than ``MIN_RUN_DISTANCE_M`` or ``MIN_RUN_ELAPSED_S`` is kept, but as
``other`` (``too_short``), whatever it was declared, unless the user relabelled it: a 41 s
or 0 km "run" is a watch started by mistake, and counting it would add a run to the week and
distort every per-run comparison.  It stays visible with a warning saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from loadwatch.ingest.sports import RUNNING_SPORTS, SPORTS, from_activity_type
from loadwatch.ingest.sports_guess import Guess

SportSource = Literal["relabel", "export", "file", "guess", "too_short"]

MIN_RUN_DISTANCE_M = 200.0
MIN_RUN_ELAPSED_S = 120.0
# A median moving speed above this is no run: the 5,000 m world record averages 6.62 m/s
# (12:35.36), and a recording's median includes its easy parts.  In the corpus, declared
# runs have medians up to 4.53 m/s; a Forerunner 10 ride recorded as a run, 7.32 m/s.
RUN_IMPLAUSIBLE_MPS = 6.7
WORLD_RECORD_5000M_MPS = 5000.0 / 755.36


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


def implausible_run(choice: SportChoice, median_mps: float | None) -> SportChoice:
    """A declared run (file or export) whose median moving speed is over
    ``RUN_IMPLAUSIBLE_MPS`` becomes cycling, with a note that says why and how to undo it;
    anything else, a relabel included, is returned as it is."""
    if (
        choice.sport not in RUNNING_SPORTS
        or choice.source not in ("file", "export")
        or median_mps is None
        or median_mps <= RUN_IMPLAUSIBLE_MPS
    ):
        return choice
    per_km = round(1000.0 / median_mps)
    note = (
        f"declared {choice.sport}, but its median moving speed of {median_mps:.2f} m/s "
        f"({per_km // 60}:{per_km % 60:02d}/km) is faster than any runner holds over a "
        f"recording (the 5,000 m world record averages {WORLD_RECORD_5000M_MPS:.2f} m/s): "
        "counted as cycling; relabel it if it was a run"
    )
    return SportChoice("cycling", "guess", f"{choice.note}; {note}" if choice.note else note)


def too_short_to_run(choice: SportChoice, distance_m: float, elapsed_s: float) -> SportChoice:
    """A running sport on a recording under 200 m or 2 minutes becomes ``other`` (module doc),
    unless the user relabelled it; the returned note then includes ``choice.note``, which
    replaces it."""
    if choice.sport not in RUNNING_SPORTS or choice.source == "relabel":
        return choice
    if distance_m >= MIN_RUN_DISTANCE_M and elapsed_s >= MIN_RUN_ELAPSED_S:
        return choice
    # Name what falls short: "0 m in 699999 s is too short" blamed eight days of recording.
    too_near = distance_m < MIN_RUN_DISTANCE_M
    too_brief = elapsed_s < MIN_RUN_ELAPSED_S
    what = " in ".join(
        part
        for part, short_of in ((f"{distance_m:.0f} m", too_near), (f"{elapsed_s:.0f} s", too_brief))
        if short_of
    )
    limits = " and ".join(
        limit
        for limit, short_of in (
            (f"{MIN_RUN_DISTANCE_M:.0f} m", too_near),
            (f"{MIN_RUN_ELAPSED_S / 60:.0f} min", too_brief),
        )
        if short_of
    )
    short = f"{what} is too short to count as a run (under {limits}): kept as other"
    # The earlier note (a guess, an export overruling the file) and its overruling are one
    # warning: two ("assumed running", then "kept as other") read as a contradiction.
    return SportChoice(
        "other", "too_short", f"{choice.note}, but {short}" if choice.note else short
    )
