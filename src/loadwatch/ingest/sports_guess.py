"""The sport a recording's samples look like, for when no source declares one.

A guess from robust statistics of the samples (``sports_stats.moving_statistics``): median
moving speed and, where recorded, cadence.  A guess is always labelled (its note says it is a
guess and from what; ``SportChoice.source == "guess"``, the warnings,
``totals_source["sport"]``) and never beats a declaration (``sports_choice``).

``sport=generic`` (Fenix 2, Fenix 6) with a running cadence and a running pace is running.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from loadwatch.ingest.sports_stats import Columns, moving_statistics

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


def guess(samples: pl.DataFrame | Columns, prefix: str = "") -> Guess:
    """The sport the samples look like, labelled as a guess (``prefix`` says why one was
    needed, e.g. a type not understood); the samples as a frame or as their columns."""
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
