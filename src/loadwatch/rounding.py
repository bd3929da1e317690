"""How numbers leave loadwatch (the API, the CLI's JSON, the page): rounded to ``DECIMALS``
places (a tenth of a metre on kilometres, far below what a watch measures), with NaN and
infinities as null.  Defined once; every output model rounds through here, and a frame through
``out_frames.out_frame`` (which needs polars; this module must not: the CLI's data commands
round their numbers without it)."""

from __future__ import annotations

import math

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
