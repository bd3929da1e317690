"""How a frame of numbers leaves loadwatch (a series, the report's weeks): every float rounded
like ``rounding.out_number``'s numbers.  Apart from ``rounding.py`` because it needs polars,
which the commands that print only stored numbers never load."""

from __future__ import annotations

import polars as pl
import polars.selectors as cs

from loadwatch.rounding import DECIMALS


def out_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every float column of ``frame`` rounded like ``rounding.out_number``'s numbers (no -0.0)."""
    rounded = cs.float().round(DECIMALS, mode="half_away_from_zero")
    unsigned_zero = pl.when(rounded == 0.0).then(rounded.abs()).otherwise(rounded)
    return frame.with_columns(unsigned_zero.name.keep())
