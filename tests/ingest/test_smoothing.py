"""``summary/smoothing``: the window-5 median without sorting, against numpy's median."""

from __future__ import annotations

import numpy as np
import pytest

from loadwatch.ingest.summary import elevation
from loadwatch.ingest.summary.smoothing import rolling_median


def _numpy_rolling_median(x: np.ndarray, w: int) -> np.ndarray:
    """The definition, as a reference: numpy's median of every full window, edges repeated."""
    med = np.median(np.lib.stride_tricks.sliding_window_view(x, w), axis=1)
    half = w // 2
    return np.concatenate((np.full(half, med[0]), med, np.full(x.size - med.size - half, med[-1])))


@pytest.mark.parametrize("n", [5, 6, 7, 100, 3001])
def test_window_5_equals_numpy_median(n: int) -> None:
    rng = np.random.default_rng(n)
    for x in (
        rng.normal(300.0, 20.0, n),
        rng.integers(0, 3, n).astype(np.float64),  # many ties
        np.cumsum(rng.normal(0.0, 1.0, n)),
    ):
        assert np.array_equal(rolling_median(x, 5), _numpy_rolling_median(x, 5))


def test_window_5_by_hand() -> None:
    x = np.array([1.0, 9.0, 2.0, 8.0, 3.0, 100.0, 4.0])
    # Windows: [1 9 2 8 3] -> 3, [9 2 8 3 100] -> 8, [2 8 3 100 4] -> 4; edges take the nearest.
    assert rolling_median(x, 5).tolist() == [3.0, 3.0, 3.0, 8.0, 4.0, 4.0, 4.0]


def test_window_5_with_nan_is_numpy_median() -> None:
    x = np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
    got, ref = rolling_median(x, 5), _numpy_rolling_median(x, 5)
    assert np.array_equal(got, ref, equal_nan=True)
    assert np.isnan(got[:5]).all() and got[-1] == 7.0


def test_climb_from_profile_is_gain_loss() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(0.0, 3600.0, 2.0)
    alt = 300.0 + 40.0 * np.sin(t / 600.0) + rng.normal(0.0, 2.0, t.size)
    seg = (t > 1800).astype(np.int64)
    gain, loss = elevation.gain_loss(t, alt, seg)
    assert elevation.climb(*elevation.profile(t, alt), seg) == (gain, loss)
    assert gain > 50.0 and loss > 50.0  # a 40 m sine over one period, climbed and descended
