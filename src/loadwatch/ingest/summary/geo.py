"""Geodesic step lengths on WGS84 and removal of GPS glitches.

Steps are short (a few metres), so the local ellipsoidal flat-earth approximation ("cheap
ruler": WGS84 meridional and prime-vertical radii at the step's mid-latitude) is accurate to
well under 0.1 % — better than a spherical haversine, which is off by up to ~0.5 % depending on
latitude and heading.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

WGS84_A = 6_378_137.0
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
RAD = np.pi / 180.0

# A point is dropped as a spike when both the way in and the way out exceed the plausible
# speed; a few passes catch short bursts of bad fixes without looping over samples.
SPIKE_PASSES = 4


def _scales(lat_deg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Metres per degree of longitude and latitude at ``lat_deg`` on WGS84."""
    coslat = np.cos(lat_deg * RAD)
    w2 = 1.0 / (1.0 - WGS84_E2 * (1.0 - coslat * coslat))
    w = np.sqrt(w2)
    kx = RAD * WGS84_A * w * coslat
    ky = RAD * WGS84_A * w * w2 * (1.0 - WGS84_E2)
    return kx, ky


def step_length(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Distance in metres between paired points (accurate for steps up to ~100 km)."""
    kx, ky = _scales((lat1 + lat2) / 2.0)
    dlon = (lon2 - lon1 + 540.0) % 360.0 - 180.0  # across the antimeridian the short way
    return np.asarray(np.hypot(dlon * kx, (lat2 - lat1) * ky), dtype=np.float64)


def valid_positions(lat: FloatArray, lon: FloatArray) -> BoolArray:
    """Finite, in range, and not the (0, 0) "no fix" placeholder some devices write."""
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0)
    ok &= ~((np.abs(lat) < 1e-6) & (np.abs(lon) < 1e-6))
    return np.asarray(ok, dtype=np.bool_)


def local_xy(lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Project onto a local metric plane around the track's middle (for net displacements)."""
    lat0 = float(np.median(lat))
    lon0 = float(np.median(lon))
    kx, ky = _scales(np.asarray([lat0]))
    x = ((lon - lon0 + 540.0) % 360.0 - 180.0) * kx[0]
    y = (lat - lat0) * ky[0]
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class GeoSteps:
    step_m: FloatArray  # per sample: metres from the previous kept fix (0 = not counted)
    kept: BoolArray  # per sample: a valid, non-glitch fix
    n_invalid: int  # missing / out of range / (0, 0)
    n_spikes: int  # fixes dropped as spikes
    n_jumps: int  # implausible steps between kept fixes, not counted


def geo_steps(
    lat: FloatArray,
    lon: FloatArray,
    t: FloatArray,
    segment: npt.NDArray[np.int64],
    max_speed_mps: float,
) -> GeoSteps:
    """Per-sample step lengths with glitches removed and segment gaps never counted.

    ``max_speed_mps`` is the fastest plausible speed for the sport.  When the track has no
    usable clock (every timestamp equal, e.g. a 1901 sentinel) speeds cannot be judged and
    only invalid positions are removed.
    """
    n = lat.size
    valid = valid_positions(lat, lon)
    idx = np.flatnonzero(valid)
    n_invalid = int(n - idx.size)
    timed = n > 1 and float(t[-1] - t[0]) > 0.0

    def edges(ix: npt.NDArray[np.intp]) -> tuple[FloatArray, BoolArray, BoolArray]:
        d = step_length(lat[ix[:-1]], lon[ix[:-1]], lat[ix[1:]], lon[ix[1:]])
        same_seg = segment[ix[1:]] == segment[ix[:-1]]
        # A repeated timestamp still moves the clock by at least a sampling period.
        dt = np.maximum(t[ix[1:]] - t[ix[:-1]], 1.0)
        bad = (d / dt > max_speed_mps) & same_seg if timed else np.zeros(d.size, dtype=np.bool_)
        return d, same_seg, bad

    n_spikes = 0
    for _ in range(SPIKE_PASSES):
        if idx.size < 3:
            break
        _, same_seg, bad = edges(idx)
        spike = bad[:-1] & bad[1:]
        if not spike.any():
            break
        drop = np.concatenate(([False], spike, [False]))
        # Never drop two neighbours in one pass: re-judge after the first goes.
        drop[1:] &= ~drop[:-1]
        n_spikes += int(drop.sum())
        idx = idx[~drop]

    step = np.zeros(n, dtype=np.float64)
    kept = np.zeros(n, dtype=np.bool_)
    kept[idx] = True
    n_jumps = 0
    if idx.size >= 2:
        d, same_seg, bad = edges(idx)
        n_jumps = int(bad.sum())
        step[idx[1:]] = np.where(same_seg & ~bad, d, 0.0)
    return GeoSteps(step, kept, n_invalid, n_spikes, n_jumps)
