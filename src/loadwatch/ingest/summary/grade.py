"""Grade-adjusted distance (Minetti et al. 2002) and uphill/downhill distance.

Minetti AE, Moia C, Roi GS, Susta D, Ferretti G. "Energy cost of walking and running at extreme
uphill and downhill slopes." J Appl Physiol 93:1039-1046 (2002): the energy cost of running
C(i) in J/kg/m on gradient i is a fifth-order polynomial fitted for -0.45 ≤ i ≤ +0.45.  The
flat-equivalent ("grade-adjusted") distance of a step of length d is d·C(i)/C(0).

Grade is taken over a distance window (not per sample) from smoothed altitude: per-sample
grades from GPS or barometric altitude are dominated by noise.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

MINETTI_COEFFS = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)  # i^5 .. i^0
MAX_GRADE = 0.45  # the range Minetti measured
GRADE_HALF_WINDOW_M = 50.0
HILL_GRADE = 0.03


def minetti_cost(grade: FloatArray | float) -> FloatArray:
    """Energy cost of running (J/kg/m) at the given grade, clipped to the measured range."""
    g = np.clip(np.asarray(grade, dtype=np.float64), -MAX_GRADE, MAX_GRADE)
    return np.asarray(np.polyval(MINETTI_COEFFS, g), dtype=np.float64)


def step_grade(
    cum_m: FloatArray, alt: FloatArray, half_window_m: float = GRADE_HALF_WINDOW_M
) -> FloatArray:
    """Per-step grade (step i = sample i-1 → i) over a centred distance window.

    Only samples where the cumulative distance advances are used as interpolation nodes, so
    altitude drift while standing still adds no grade.
    """
    n = cum_m.size
    out = np.zeros(n, dtype=np.float64)
    if n < 2:
        return out
    adv = np.concatenate(([True], np.diff(cum_m) > 0))
    xd = cum_m[adv]
    ya = alt[adv]
    if xd.size < 2:
        return out
    mid = (cum_m[:-1] + cum_m[1:]) / 2.0
    a = np.maximum(mid - half_window_m, xd[0])
    b = np.minimum(mid + half_window_m, xd[-1])
    span = b - a
    rise = np.interp(b, xd, ya) - np.interp(a, xd, ya)
    out[1:] = np.where(span > 0, rise / np.where(span > 0, span, 1.0), 0.0)
    return np.clip(out, -MAX_GRADE, MAX_GRADE)


def gap_distance(step_m: FloatArray, grade: FloatArray) -> float:
    c0 = float(minetti_cost(0.0))
    return float(np.sum(step_m * minetti_cost(grade)) / c0)


def gap_speed(speed_mps: FloatArray, grade: FloatArray) -> FloatArray:
    """Flat-equivalent speed: the speed on the flat at the same energy cost per second."""
    c0 = float(minetti_cost(0.0))
    return np.asarray(speed_mps * minetti_cost(grade) / c0, dtype=np.float64)


def hill_distances(
    step_m: FloatArray, grade: FloatArray, threshold: float = HILL_GRADE
) -> tuple[float, float]:
    """(uphill, downhill) metres on grade ≥ +threshold / ≤ -threshold."""
    return float(step_m[grade >= threshold].sum()), float(step_m[grade <= -threshold].sum())
