"""The series as it leaves loadwatch (API JSON and CSV, the CLI): one name per quantity.

The load frame's 7:28 ratio (``analytics.load``: the 7 days over the mean week of the 28 before,
nothing else) is not the ratio status and the dashboard show, which is the weekly ramp's
(floors, break days left out, pre-break capacity: docs/rules.md).  Ben's climbing week reads
285 / 247.5 = 1.15 in the first and 285 / 300 = 0.95 in the second; under one name a coach
would see two numbers for one thing.  The series says which one it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loadwatch.analytics.schema import DIMENSIONS

if TYPE_CHECKING:
    import polars as pl

UNFLOORED_SUFFIX = "_ratio_unfloored"


def named_for_output(frame: pl.DataFrame) -> pl.DataFrame:
    """``{dim}_ratio`` renamed ``{dim}_ratio_unfloored`` (day rows; week rows have none)."""
    names = {f"{d}_ratio": f"{d}{UNFLOORED_SUFFIX}" for d in DIMENSIONS}
    return frame.rename({k: v for k, v in names.items() if k in frame.columns})
