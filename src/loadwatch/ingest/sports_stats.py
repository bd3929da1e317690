"""The moving statistics the sport guess judges by, on numpy arrays.

One guess per file without a declared sport: in polars it was four eager queries (a window
expression over ``segment``, a rolling median, a filter, the medians), each paying a query's
fixed cost; here it is a few array operations over the columns.  The values are the polars
version's: nulls are no value (a rolling window counts only the values it has), the median of
an even count is the mean of the middle two, and the 95th percentile is the nearest rank, as
polars' ``quantile(0.95)`` takes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.lib.stride_tricks import sliding_window_view

MOVING_MPS = (0.5, 40.0)
SMOOTH_POINTS = 5  # a rolling median over this many speeds removes isolated GPS glitches
_EARTH_RADIUS_M = 6_371_008.8
_RAD = np.pi / 180


def _floats(samples: pl.DataFrame, column: str) -> np.ndarray:
    """A column as float64, NaN for null (the decoders' frames hold no NaN of their own)."""
    return np.asarray(samples[column].cast(pl.Float64).to_numpy(), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Columns:
    """The sample columns the statistics read, as numpy (NaN: no value), in time order:
    a decoder that holds its columns as arrays hands them over without a frame's round trip
    (four casts and conversions, a fixed cost that was a fifth of a small GPX's decode)."""

    time_us: np.ndarray  # int64
    lat: np.ndarray
    lon: np.ndarray
    speed: np.ndarray
    cadence: np.ndarray
    segment: np.ndarray  # only equality of neighbours matters


def columns_of(samples: pl.DataFrame) -> Columns:
    return Columns(
        time_us=samples["time"].dt.epoch("us").to_numpy(),
        lat=_floats(samples, "lat"),
        lon=_floats(samples, "lon"),
        speed=_floats(samples, "speed"),
        cadence=_floats(samples, "cadence"),
        segment=samples["segment"].to_numpy(),
    )


def point_speeds(samples: pl.DataFrame | Columns) -> np.ndarray:
    """The device's speed when it recorded one for most samples, else point-to-point GPS
    speed within segments (haversine: a guess needs no better); NaN for none."""
    if isinstance(samples, pl.DataFrame):
        device = samples["speed"]
        if samples.height - device.null_count() >= samples.height // 2 > 0:
            return _floats(samples, "speed")  # the other columns are not even converted
        c = columns_of(samples)
    else:
        c = samples
    n = len(c.time_us)
    if n - int(np.isnan(c.speed).sum()) >= n // 2 > 0:
        return c.speed
    lat, lon = c.lat * _RAD, c.lon * _RAD
    out = np.full(n, np.nan)
    if n < 2:
        return out
    segment = c.segment
    same = segment[1:] == segment[:-1]
    dlat, dlon = lat[1:] - lat[:-1], lon[1:] - lon[:-1]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[1:]) * np.cos(lat[:-1]) * np.sin(dlon / 2) ** 2
    metres = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(a))
    dt = np.diff(c.time_us).astype(np.float64)
    ok = same & (dt > 0)  # a null time difference is NaN here: not > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        out[1:] = np.where(ok, metres / np.where(ok, dt, 1.0) * 1e6, np.nan)
    return out


def _rolling_median(v: np.ndarray) -> np.ndarray:
    """Trailing median over ``SMOOTH_POINTS`` values, NaN skipped (polars' ``rolling_median``
    with ``min_samples=1``); NaN where the window holds no value."""
    padded = np.concatenate([np.full(SMOOTH_POINTS - 1, np.nan), v])
    windows = np.sort(sliding_window_view(padded, SMOOTH_POINTS), axis=1)  # NaN sort last
    k = (~np.isnan(windows)).sum(axis=1)
    rows = np.arange(len(v))
    lo = windows[rows, np.maximum(k - 1, 0) // 2]
    hi = windows[rows, np.maximum(k, 1) // 2 - (k == 0)]
    return np.where(k > 0, (lo + hi) / 2, np.nan)


def _nearest_quantile(sorted_values: np.ndarray, q: float) -> float:
    """Polars' ``quantile(q)`` with its default nearest-rank interpolation."""
    index = int((len(sorted_values) - 1) * q + 0.5)
    return float(sorted_values[index])


def moving_median(samples: pl.DataFrame) -> float | None:
    """The median moving speed alone (``moving_statistics``' first value), or None without a
    moving sample: what a declared run is checked with (``sports_choice.implausible_run``)."""
    if samples.height < 2:
        return None
    v = point_speeds(samples)
    with np.errstate(invalid="ignore"):
        moving = v[(v >= MOVING_MPS[0]) & (v <= MOVING_MPS[1]) & np.isfinite(v)]
    return float(np.median(moving)) if moving.size else None


def moving_statistics(
    samples: pl.DataFrame | Columns,
) -> tuple[float, float, float | None] | None:
    """(median, smoothed 95th percentile of moving speed, median moving cadence or None).

    The 95th percentile is taken after a rolling median over ``SMOOTH_POINTS`` speeds: a GPS
    glitch is a point or two, and on a raw percentile a glitchy run's tail looks like a ride.
    """
    n = samples.height if isinstance(samples, pl.DataFrame) else len(samples.time_us)
    if n < 2:
        return None
    v = point_speeds(samples)
    with np.errstate(invalid="ignore"):
        moving = (v >= MOVING_MPS[0]) & (v <= MOVING_MPS[1]) & np.isfinite(v)
    count = int(moving.sum())
    if count == 0:
        return None
    median = float(np.median(v[moving]))
    smooth = _rolling_median(v)[moving]
    p95 = _nearest_quantile(np.sort(smooth), 0.95)
    cadences = _floats(samples, "cadence") if isinstance(samples, pl.DataFrame) else samples.cadence
    cadence = cadences[moving]
    with np.errstate(invalid="ignore"):
        cad = cadence[cadence > 0]
    cad_median = float(np.median(cad)) if cad.size >= count // 2 > 0 else None
    return median, p95, cad_median
