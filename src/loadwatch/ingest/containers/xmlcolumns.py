"""XML text columns as numpy arrays: lenient numbers and UTC timestamps.

The decoders hand whole columns of element texts here and get arrays back (NaN and ``NAT``
for no value), so a file costs numpy's microseconds rather than a polars query's fixed
fraction of a millisecond; the one typed frame per track is built from the arrays at the end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from loadwatch.ingest.containers import isotimes
from loadwatch.ingest.containers.xmlvalues import EARLIEST_PLAUSIBLE, LATEST_PLAUSIBLE, times

NAT = np.iinfo(np.int64).min  # numpy's NaT as int64: polars reads it as null
# int64 µs → this dtype is a relabelling (~10 µs); datetime64 → it converts per value (~0.5 ms).
UTC_TIME = pl.Datetime("us", "UTC")
_US = 1_000_000
_EARLIEST_US = int(EARLIEST_PLAUSIBLE.timestamp()) * _US
_LATEST_US = int(LATEST_PLAUSIBLE.timestamp()) * _US


def loose_floats(texts: Sequence[str | None] | pl.Series) -> np.ndarray:
    """Texts as numbers, NaN for none, blanks and junk: numpy's parse (which is Python's
    float) when every text reads, else polars' lenient cast of the stripped texts.  Infinities
    stay (``summary.validate`` drops them with a warning); a "NaN" text is no value."""
    series = texts if isinstance(texts, pl.Series) else None
    values = series.to_numpy() if series is not None else texts
    try:
        out = np.array(values, dtype=np.float64)
    except (ValueError, TypeError):
        if series is None:
            series = pl.Series(list(texts), dtype=pl.String)
        out = series.str.strip_chars().cast(pl.Float64, strict=False).to_numpy()
    return np.asarray(out, dtype=np.float64)


def utc_times(texts: Sequence[str | None]) -> np.ndarray:
    """ISO 8601 texts as µs since 1970 UTC (``NAT``: none, or not a plausible time), as
    ``xmlvalues.times`` reads them: in bulk by ``isotimes`` when the present stamps share one
    canonical layout, else by ``xmlvalues.times``."""
    stamps = np.array(texts, dtype=object)
    have = stamps != None  # noqa: E711 - elementwise
    out = np.full(len(stamps), NAT, dtype=np.int64)
    if not have.any():
        return out
    present = stamps[have].tolist()
    parsed = isotimes.uniform(present, canonical=True)
    if parsed is None:
        slow = times(list(texts)).cast(pl.Int64).fill_null(NAT).to_numpy()
        return np.asarray(slow, dtype=np.int64)
    offset = parsed.offset_min if parsed.offset_min is not None else 0
    utc = parsed.wall_us - np.asarray(offset, dtype=np.int64) * 60 * _US
    # As ``xmlvalues.typed_frame`` with its retry by ``datetime.fromisoformat``, which takes
    # any offset below a day: a real date and time, and plausible.
    ok = parsed.valid & (np.abs(offset) < 24 * 60) & (utc >= _EARLIEST_US) & (utc <= _LATEST_US)
    out[have] = np.where(ok, utc, NAT)
    return out
