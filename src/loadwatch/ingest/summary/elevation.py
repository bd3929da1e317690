"""Elevation gain and loss from a recorded altitude stream.

Raw altitude summed point to point over-counts badly when it is noisy (GPS altitude), so it is
smoothed over time and passed through a hysteresis (play / backlash operator): the output only
moves once the input leaves a band around it, so oscillations smaller than the band vanish and
a real climb loses half the band at each turn, like the devices' own ascent counters.  Isolated
spikes (a Hampel filter over 5 samples) are removed first.

How much to smooth depends on the stream, measured on the corpus (67 FIT sessions with a
device ascent, our number from the same session's records):

* noisy altitude (GPS; robust spread around a ±5 s mean ≥ ``NOISY_SIGMA_M``): ±10 s mean and
  a 3 m dead band — σ = 2 m Gaussian noise at 1 Hz then climbs < 1 m per hour, not ~3,400 m;
* clean altitude (barometric, or already filtered by the device): ±3 s mean and a 0.5 m band.
  Using the 3 m band here under-counts real climbing by a median 26 % (37/67 sessions within
  15 % or 15 m of the device); with 1 m, 59/67 are.  The 1 m band still under-counted by a
  median 4.9 % (31 of the 36 corpus FIT files whose sessions are all clean within 15 % or
  15 m of the device's ascent); with 0.5 m the median is -0.9 % and 34/36 are (trial 9 F16,
  docs/climbing.md).

The band follows the stream's noise, never its format: a GPX export of a barometric recording
(GPSBabel's conversions in the corpus) has the FIT's own altitudes and gets the same band.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from loadwatch.ingest.summary.smoothing import centered_mean, interp_nulls, rolling_median

FloatArray = npt.NDArray[np.float64]

DEAD_BAND_M = 3.0  # noisy altitude
SMOOTH_HALF_WINDOW_S = 10.0
CLEAN_DEAD_BAND_M = 0.5  # barometric / device-filtered altitude
CLEAN_HALF_WINDOW_S = 3.0
NOISY_SIGMA_M = 1.0
DESPIKE_SAMPLES = 5
SPIKE_M = 5.0


def usable_altitude(alt: FloatArray) -> FloatArray | None:
    """Altitude with gaps interpolated, or None when there is none worth using.

    A stream that is entirely exactly 0 is a placeholder (e.g. a converter writing ``<ele>0``),
    not a run at sea level: real altitude always varies a little.
    """
    ok = np.isfinite(alt)
    if ok.sum() < 2:
        return None
    if np.all(alt[ok] == 0.0):
        return None
    return interp_nulls(alt)


def smooth_altitude(
    t: FloatArray, alt: FloatArray, half_window_s: float = SMOOTH_HALF_WINDOW_S
) -> FloatArray:
    return centered_mean(t, alt, half_window_s)


def play_operator(x: FloatArray, band: float) -> FloatArray:
    """Hysteresis y_i = clip(y_{i-1}, x_i - band/2, x_i + band/2), y_0 = x_0, vectorised.

    Each step is a clamp and clamps compose into clamps: "clip to [L1, H1] then to [l, h]" is
    "clip to [clip(L1, l, h), clip(H1, l, h)]".  That associative composition is prefix-scanned
    in log2(n) whole-array passes (Hillis-Steele), so no Python loop runs over samples.
    """
    n = x.size
    if n == 0:
        return x.copy()
    r = band / 2.0
    lo = x - r
    hi = x + r
    shift = 1
    while shift < n:
        prev_lo = lo[:-shift]
        prev_hi = hi[:-shift]
        cur_lo = lo[shift:]
        cur_hi = hi[shift:]
        new_lo = np.clip(prev_lo, cur_lo, cur_hi)
        new_hi = np.clip(prev_hi, cur_lo, cur_hi)
        lo = np.concatenate((lo[:shift], new_lo))
        hi = np.concatenate((hi[:shift], new_hi))
        shift *= 2
    return np.asarray(np.clip(x[0], lo, hi), dtype=np.float64)


def noise_sigma(t: FloatArray, alt: FloatArray) -> float:
    """Robust spread (m) of altitude around its ±5 s mean: ~σ for white noise, ~0.1-0.5 m for a
    barometer.  Median-based, so a few isolated spikes do not make a clean stream "noisy"."""
    r = alt - centered_mean(t, alt, 5.0)
    return float(1.4826 * np.median(np.abs(r)))


def despike(alt: FloatArray) -> FloatArray:
    """Replace samples more than ``SPIKE_M`` away from their 5-sample median (a Hampel
    filter): isolated altitude spikes go, while the peaks and valleys of real terrain, which a
    plain median would shave, stay."""
    med = rolling_median(alt, DESPIKE_SAMPLES)
    return np.where(np.abs(alt - med) > SPIKE_M, med, alt)


def profile(t: FloatArray, alt: FloatArray) -> tuple[FloatArray, float]:
    """Despiked, smoothed altitude and the dead band that suits its noise (see module doc)."""
    noisy = noise_sigma(t, alt) >= NOISY_SIGMA_M
    half, band = (
        (SMOOTH_HALF_WINDOW_S, DEAD_BAND_M) if noisy else (CLEAN_HALF_WINDOW_S, CLEAN_DEAD_BAND_M)
    )
    return smooth_altitude(t, despike(alt), half), band


def gain_loss(
    t: FloatArray,
    alt: FloatArray,
    segment: npt.NDArray[np.int64],
) -> tuple[float, float]:
    """(gain, loss) in metres; the altitude change between two segments is not climbing."""
    if alt.size < 2:
        return 0.0, 0.0
    return climb(*profile(t, alt), segment)


def climb(smoothed: FloatArray, band: float, segment: npt.NDArray[np.int64]) -> tuple[float, float]:
    """``gain_loss`` from the altitude ``profile`` already computed (the summary's grades read
    the same profile)."""
    if smoothed.size < 2:
        return 0.0, 0.0
    y = play_operator(smoothed, band)
    dy = np.diff(y)
    dy = np.where(segment[1:] == segment[:-1], dy, 0.0)
    return float(dy[dy > 0].sum()), float(-dy[dy < 0].sum()) + 0.0  # never -0.0
