import math

import numpy as np
import polars as pl
import pytest

from loadwatch.ingest.sports_stats import (
    _nearest_quantile,
    _rolling_median,
    moving_statistics,
    point_speeds,
)


def _frame(
    *,
    speed: list[float | None],
    lat: list[float | None] | None = None,
    segment: list[int] | None = None,
    seconds: list[int] | None = None,
    cadence: list[float | None] | None = None,
) -> pl.DataFrame:
    n = len(speed)
    return pl.DataFrame(
        {
            "time": pl.Series(
                [s * 1_000_000 for s in (seconds or list(range(0, 10 * n, 10)))]
            ).cast(pl.Datetime("us", "UTC")),
            "lat": lat or [45.0] * n,
            "lon": [7.0] * n,
            "speed": pl.Series(speed, dtype=pl.Float64),
            "cadence": pl.Series(cadence or [None] * n, dtype=pl.Float64),
            "segment": pl.Series(segment or [0] * n, dtype=pl.Int32),
        }
    )


def test_rolling_median_skips_missing_values_like_polars() -> None:
    # polars' rolling_median(5, min_samples=1) of the same values, nulls for NaN.
    v = np.array([1, np.nan, 3, 10, 5, np.nan, np.nan, np.nan, np.nan, np.nan, 2, 8])
    expected = [1, 1, 2, 3, 4, 5, 5, 7.5, 5, np.nan, 2, 5]
    np.testing.assert_array_equal(_rolling_median(v), expected)


def test_nearest_rank_95th_percentile() -> None:
    assert _nearest_quantile(np.arange(11.0), 0.95) == 10.0  # rank 9.5 rounds up
    assert _nearest_quantile(np.arange(10.0), 0.95) == 9.0  # rank 8.55
    assert _nearest_quantile(np.arange(4.0), 0.95) == 3.0  # rank 2.85


def test_gps_speed_is_haversine_within_segments_only() -> None:
    frame = _frame(
        speed=[None] * 4,
        lat=[45.0, 45.001, 45.002, 45.003],
        segment=[0, 0, 1, 1],
        seconds=[0, 10, 20, 20],
    )
    speeds = point_speeds(frame)
    one_mdeg = 6_371_008.8 * 0.001 * math.pi / 180  # 111.19 m along a meridian
    assert math.isnan(speeds[0]) and math.isnan(speeds[2])  # a segment's first point
    assert speeds[1] == pytest.approx(one_mdeg / 10, rel=1e-9)
    assert math.isnan(speeds[3])  # no time elapsed


def test_a_one_point_glitch_does_not_move_the_smoothed_tail() -> None:
    frame = _frame(speed=[2.0, 2.0, 30.0, 2.0, 2.0, 0.1], cadence=[85, 85, 85, 85, 0, 85])
    # Moving: the first five (0.1 m/s is standing); the 30 m/s glitch is smoothed away;
    # cadence: the four moving values above 0.
    assert moving_statistics(frame) == (2.0, 2.0, 85.0)


def test_without_moving_speed_there_are_no_statistics() -> None:
    assert moving_statistics(_frame(speed=[0.1, 0.2, None])) is None
    assert moving_statistics(_frame(speed=[3.0])) is None
