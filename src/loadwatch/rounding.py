"""How numbers leave loadwatch, the one home of rounding.

* Output numbers (the API, the CLI's JSON, the page): rounded to ``DECIMALS`` places (a tenth
  of a metre on kilometres, far below what a watch measures), with NaN and infinities as null.
  Every output model rounds through ``out_number``, and a frame through
  ``out_frames.out_frame`` (which needs polars; this module must not: the CLI's data commands
  round their numbers without it).
* Numbers a person reads (a flag's sentence, the CLI's tables, the report): ``fixed`` and
  ``half_up``.

Both round halves up, away from zero, as a coach does on paper: 20.25 km reads "20.3 km", not
Python's "20.2" (``round`` and ``format`` round a half to even, and round the binary float,
which for 2.675 lies just below the half).  The decimal the float prints as (its ``repr``) is
what is rounded, so 2.675 at 2 places is 2.68 (trial 10 F9).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

DECIMALS = 4

# One quantum per number of places, made once: ``fixed`` runs per row of a table.
_QUANTUM = tuple(Decimal(1).scaleb(-places) for places in range(10))
# From here on a float is a whole number (2**53).
_WHOLE = 2.0**53
_SCALE = tuple(10.0**places for places in range(10))
_OUT_SCALE = _SCALE[DECIMALS]


def _half_up(value: float, places: int) -> Decimal:
    if abs(value) >= _WHOLE:
        # No fraction left to round, and more digits than a Decimal context quantizes to.
        return Decimal(value)
    # repr: the shortest decimal that reads back as ``value`` (what a person would type).
    d = Decimal(repr(value)).quantize(_QUANTUM[places], rounding=ROUND_HALF_UP)
    # A tiny negative rounds to -0.0, which would print as "-0.0".
    return d if d else abs(d)


def _near_half(value: float, places: int) -> bool:
    """Whether ``value`` lies within a hair of a half at ``places``: only there do half-up and
    Python's rounding differ.  Anywhere else the float's own rounding is the same and ~5×
    cheaper than a Decimal (``fixed`` runs per row of a table, ``out_number`` per number)."""
    scaled = abs(value) * _SCALE[places]
    return abs(scaled - math.floor(scaled) - 0.5) < 1e-6


def half_up(value: float, places: int = 0) -> float:
    """``value`` rounded to ``places`` decimals, halves up (away from zero): the number a
    sentence that prints it with ``fixed`` shows, for a limit that must equal what it says."""
    f = float(value)
    if not math.isfinite(f):
        return f
    if _near_half(f, places):
        return float(_half_up(f, places))
    return round(f, places) or 0.0


def fixed(value: float, places: int = 1, *, grouped: bool = False) -> str:
    """``value`` as a person reads it: ``places`` decimals, halves up ("20.3" for 20.25,
    "0.1" for 0.05, "2.68" for 2.675 at 2), never "-0.0"; ``grouped``: thousands separated
    by commas ("1,234")."""
    # The float ``half_up`` gives prints as its decimal at ``places`` (at most 9: far fewer
    # digits than a float holds), and is never -0.0.
    f = half_up(value, places)
    return f"{f:,.{places}f}" if grouped else f"{f:.{places}f}"


def out_number(value: object) -> float | None:
    """``value`` as an output number: None for None, NaN or an infinity."""
    if value is None:
        return None
    f = float(value)  # type: ignore[arg-type]
    if not math.isfinite(f):
        return None
    # half_up(f, DECIMALS), inline: this runs per number of every output.
    scaled = abs(f) * _OUT_SCALE
    if abs(scaled - math.floor(scaled) - 0.5) < 1e-6:
        return float(_half_up(f, DECIMALS))
    return round(f, DECIMALS) or 0.0
