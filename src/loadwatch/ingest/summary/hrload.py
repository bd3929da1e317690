"""Heart-rate time per beat: what Banister's TRIMP is computed from (docs/hr-load.md).

TRIMP needs the athlete's resting and maximum heart rate, which a coach may set or change
long after the file was read.  So an import keeps, per activity, the seconds spent at each
whole beat per minute (``HR_BINS`` bins from ``HR_MIN_BPM``); the TRIMP of any resting and
maximum heart rate is then one dot product (``analytics.trimp``) and nothing is decoded again.
Devices record whole beats, so the binning loses nothing for them.

A step from one sample to the next counts at the first sample's heart rate; steps longer than
``MAX_STEP_S`` are a paused recording or a lost strap and count nothing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

HR_MIN_BPM = 25  # below and above are sensor dropouts (summarise.HR_RANGE)
HR_MAX_BPM = 250
HR_BINS = HR_MAX_BPM - HR_MIN_BPM + 1  # bin i is HR_MIN_BPM + i bpm, rounded
MAX_STEP_S = 30.0
MIN_HR_FRACTION = 0.5  # the strap covered at least this share of the recorded time
SUSTAINED_PEAK_S = 60.0  # a peak held this long is a heart rate, not a spike


def bin_bpm() -> FloatArray:
    """The heart rate of each bin, bpm."""
    return np.arange(HR_MIN_BPM, HR_MAX_BPM + 1, dtype=np.float64)


def hr_time_histogram(t_s: FloatArray, hr: FloatArray) -> list[float] | None:
    """Seconds at each whole bpm (``HR_BINS`` values), or None when the heart rate covers
    less than ``MIN_HR_FRACTION`` of the recorded time (no strap, or one that dropped out)."""
    if t_s.size < 2 or hr.size != t_s.size:
        return None
    dt = np.diff(t_s)
    h = hr[:-1]
    counted = (dt > 0) & (dt <= MAX_STEP_S)
    ok = counted & np.isfinite(h) & (h >= HR_MIN_BPM) & (h <= HR_MAX_BPM)
    recorded = float(dt[counted].sum())
    if recorded <= 0 or float(dt[ok].sum()) < MIN_HR_FRACTION * recorded:
        return None
    idx = np.rint(h[ok]).astype(np.int64) - HR_MIN_BPM
    hist = np.bincount(idx, weights=dt[ok], minlength=HR_BINS)
    return [float(x) for x in hist]


def sustained_peak(hist: FloatArray, seconds: float = SUSTAINED_PEAK_S) -> float | None:
    """The highest bpm with at least ``seconds`` of the activity at or above it (None when
    the activity has less heart-rate time than that)."""
    at_or_above = np.cumsum(hist[::-1])[::-1]
    held = np.nonzero(at_or_above >= seconds)[0]
    return float(HR_MIN_BPM + held[-1]) if held.size else None
