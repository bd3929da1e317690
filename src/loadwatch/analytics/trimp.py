"""Banister's training impulse (TRIMP) and the heart rates it is computed with.

Per activity (Banister 1991; Morton, Fitz-Clarke & Banister 1990)::

    TRIMP = Σ Δt[min] · HRr · a · e^(b · HRr),   HRr = (HR − rest) / (max − rest), in [0, 1]

with a = 0.64, b = 1.92 for men and a = 0.86, b = 1.67 for women.  An athlete whose sex is not
set gets the women's curve: it rises less steeply, so an unknown athlete's intervals weigh
relatively less against their easy running (docs/hr-load.md).  The sum runs over the heart-rate time
histogram kept at import (``ingest.summary.hrload``), which makes it one dot product.

The resting and maximum heart rate are the coach's settings; a missing one is estimated and
said to be: the maximum as the highest heart rate held for a minute in any activity
(``sustained_peak``: a strap's spike is not a maximum), the resting rate as
``DEFAULT_REST_BPM``, since a training file never records a resting heart rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from loadwatch.ingest.summary.hrload import HR_BINS, bin_bpm, sustained_peak

Sex = Literal["male", "female"]
SEXES: tuple[Sex, ...] = ("male", "female")
HrSource = Literal["settings", "estimated"]

# (a, b) of a·e^(b·HRr)
COEFFICIENTS: dict[Sex, tuple[float, float]] = {"male": (0.64, 1.92), "female": (0.86, 1.67)}
UNSPECIFIED: Sex = "female"
DEFAULT_REST_BPM = 60.0
MIN_RESERVE_BPM = 20.0  # max − rest below this is a typo, not a heart


@dataclass(frozen=True, slots=True)
class HrProfile:
    """The heart rates TRIMP is computed with, and where each came from."""

    rest_bpm: float
    max_bpm: float
    sex: Sex | None
    rest_source: HrSource
    max_source: HrSource

    @property
    def source(self) -> HrSource:
        """``settings`` only when both came from the coach."""
        both = self.rest_source == "settings" and self.max_source == "settings"
        return "settings" if both else "estimated"


def weights(profile: HrProfile) -> npt.NDArray[np.float64]:
    """TRIMP per minute at each bin of the heart-rate histogram."""
    a, b = COEFFICIENTS[profile.sex or UNSPECIFIED]
    reserve = profile.max_bpm - profile.rest_bpm
    hrr = np.clip((bin_bpm() - profile.rest_bpm) / reserve, 0.0, 1.0)
    return hrr * a * np.exp(b * hrr)


def trimp(hists: Sequence[Sequence[float] | None], profile: HrProfile) -> list[float | None]:
    """TRIMP of each activity's heart-rate histogram (None stays None: no heart rate)."""
    have = [i for i, h in enumerate(hists) if h is not None and len(h) == HR_BINS]
    out: list[float | None] = [None] * len(hists)
    if not have:
        return out
    matrix = np.asarray([hists[i] for i in have], dtype=np.float64) / 60.0
    for i, v in zip(have, matrix @ weights(profile), strict=True):
        out[i] = float(v)
    return out


def profile(
    *,
    rest_bpm: float | None,
    max_bpm: float | None,
    sex: Sex | None,
    peak_bpm: float | None,
) -> HrProfile | None:
    """The coach's heart rates, a missing maximum estimated as ``peak_bpm`` (the highest
    ``sustained_peak`` of the athlete's activities) and a missing resting rate as
    ``DEFAULT_REST_BPM``; None when the maximum is neither set nor estimable (no heart rate
    recorded) or leaves less than ``MIN_RESERVE_BPM`` above the resting rate."""
    rest = rest_bpm if rest_bpm is not None else DEFAULT_REST_BPM
    peak = max_bpm if max_bpm is not None else peak_bpm
    if peak is None or peak - rest < MIN_RESERVE_BPM:
        return None
    return HrProfile(
        rest_bpm=rest,
        max_bpm=peak,
        sex=sex,
        rest_source="settings" if rest_bpm is not None else "estimated",
        max_source="settings" if max_bpm is not None else "estimated",
    )


def estimated_peak(hists: Sequence[Sequence[float] | None]) -> float | None:
    """The highest heart rate held a minute in any of ``hists`` (what ``peak_bpm`` is)."""
    peaks = [
        sustained_peak(np.asarray(h, dtype=np.float64))
        for h in hists
        if h is not None and len(h) == HR_BINS
    ]
    found = [p for p in peaks if p is not None]
    return max(found) if found else None
