"""How numbers leave loadwatch (the API, the CLI's JSON, the page): rounded to ``DECIMALS``
places (a tenth of a metre on kilometres, far below what a watch measures), with NaN and
infinities as null.  Defined once; every output model rounds through here."""

from __future__ import annotations

import math

import polars as pl
import polars.selectors as cs

DECIMALS = 4


def out_number(value: object) -> float | None:
    """``value`` as an output number: None for None, NaN or an infinity."""
    if value is None:
        return None
    f = float(value)  # type: ignore[arg-type]
    if not math.isfinite(f):
        return None
    # A tiny negative rounds to -0.0, which every face then prints as "-0.0".
    return round(f, DECIMALS) or 0.0


def out_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every float column of ``frame`` rounded like ``out_number``'s numbers (no -0.0)."""
    rounded = cs.float().round(DECIMALS)
    unsigned_zero = pl.when(rounded == 0.0).then(rounded.abs()).otherwise(rounded)
    return frame.with_columns(unsigned_zero.name.keep())
