"""Output numbers are rounded one way (``rounding.py``): 4 places, NaN and infinities
as null, in single values and whole frames alike."""

from __future__ import annotations

import math

import polars as pl

from loadwatch.rounding import DECIMALS, out_number
from loadwatch.services.out_frames import out_frame


def test_out_number() -> None:
    assert DECIMALS == 4
    assert out_number(12.345678) == 12.3457
    assert out_number(2) == 2.0
    assert out_number(None) is None
    assert out_number(math.nan) is None
    assert out_number(math.inf) is None
    # Rounded to zero it is zero: never -0.0, which a page prints as "-0.0".
    assert str(out_number(-0.00004)) == "0.0"


def test_out_frame_rounds_floats_and_leaves_the_rest() -> None:
    frame = pl.DataFrame({"km": [1.23456789, None], "runs": [3, 4], "week": ["a", "b"]})
    out = out_frame(frame)
    assert out["km"].to_list() == [1.2346, None]
    assert out["runs"].to_list() == [3, 4]
    assert out["week"].to_list() == ["a", "b"]
    signs = out_frame(pl.DataFrame({"ratio": [-0.00004, -0.5, 0.0]}))["ratio"].to_list()
    assert [str(v) for v in signs] == ["0.0", "-0.5", "0.0"]
