"""Runs as a GPS watch records them, as GPX at 1 s: a speed per second, an altitude profile,
and the noise of a real receiver, so fast-km tests see what a real import sees.

Noise model (seeded, reproducible):

* position: the slow wander of a GPS fix (an AR(1) error of σ ``WANDER_M`` with a 30 s
  correlation time, as satellite geometry and multipath change) plus ±``JITTER_M`` of
  independent jitter per fix.  Receivers filter their fixes; ±3 m of *independent* jitter
  each second would add ~40 % of path length to a 5:30/km run, which no watch reports.
* altitude: ±``ALT_NOISE_M`` uniform per sample on top of the true profile.

The route runs north along a meridian near Brisbane; ``alt_of_distance`` gives the true
altitude at each metre of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np

M_PER_DEG_LAT = 110_574.0  # near -27.5°
LAT0, LON0 = -27.4705, 153.0260
WANDER_M = 3.0
WANDER_TAU_S = 30.0
JITTER_M = 0.5
ALT_NOISE_M = 1.5

EASY_MPS = 1000.0 / 330.0  # 5:30/km


def flat(d: np.ndarray) -> np.ndarray:
    return np.full_like(d, 20.0)


def rolling_hills(height_m: float, period_m: float) -> Callable[[np.ndarray], np.ndarray]:
    """Cosine hills: ``height_m`` up and down again every ``period_m``."""

    def alt(d: np.ndarray) -> np.ndarray:
        return 20.0 + height_m * (1.0 - np.cos(2.0 * np.pi * d / period_m)) / 2.0

    return alt


def steady(km: float, speed_mps: float = EASY_MPS) -> np.ndarray:
    """Per-second speeds of ``km`` at one speed."""
    return np.full(round(km * 1000.0 / speed_mps), speed_mps)


def intervals(
    reps: int, rep_m: float, rep_mps: float, jog_s: float, jog_mps: float, warm_km: float
) -> np.ndarray:
    """Warm-up, ``reps`` × ``rep_m`` at ``rep_mps`` with ``jog_s`` jogs, cool-down."""
    parts = [steady(warm_km)]
    for _ in range(reps):
        parts += [np.full(round(rep_m / rep_mps), rep_mps), np.full(int(jog_s), jog_mps)]
    parts.append(steady(warm_km))
    return np.concatenate(parts)


def gpx(
    speeds: np.ndarray,
    start: datetime,
    *,
    alt_of_distance: Callable[[np.ndarray], np.ndarray] = flat,
    seed: int = 0,
) -> bytes:
    """One sample a second; sample i+1 is ``speeds[i]`` metres on from sample i."""
    rng = np.random.default_rng(seed)
    d = np.concatenate(([0.0], np.cumsum(speeds)))
    n = d.size
    # AR(1) as its impulse response (e[i] = a e[i-1] + shock[i]), cut at 8 time constants.
    a = np.exp(-1.0 / WANDER_TAU_S)
    kernel = a ** np.arange(int(8 * WANDER_TAU_S))
    lead = kernel.size
    shocks = rng.normal(0.0, WANDER_M * np.sqrt(1.0 - a * a), (n + lead, 2))
    wander = np.stack(
        [np.convolve(shocks[:, c], kernel)[lead : lead + n] for c in range(2)], axis=1
    )
    err = wander + rng.uniform(-JITTER_M, JITTER_M, (n, 2))
    lat = LAT0 + (d + err[:, 0]) / M_PER_DEG_LAT
    lon = LON0 + err[:, 1] / (M_PER_DEG_LAT * np.cos(np.radians(LAT0)))
    alt = alt_of_distance(d) + rng.uniform(-ALT_NOISE_M, ALT_NOISE_M, n)
    pts = "".join(
        f'<trkpt lat="{lat[i]:.8f}" lon="{lon[i]:.8f}"><ele>{alt[i]:.1f}</ele>'
        f"<time>{(start + timedelta(seconds=i)).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>\n"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="loadwatch tests" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"<trk><type>running</type><trkseg>\n{pts}</trkseg></trk>\n</gpx>\n"
    ).encode()
