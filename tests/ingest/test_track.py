"""ingest.track.conform_samples: every decoder's frame leaves with exactly SAMPLE_SCHEMA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from loadwatch.ingest.track import SAMPLE_SCHEMA, conform_samples

T0 = datetime(2026, 7, 1, 6, tzinfo=UTC)


def _times(*seconds: int | None) -> pl.Series:
    values = [None if s is None else T0 + timedelta(seconds=s) for s in seconds]
    return pl.Series("time", values, dtype=pl.Datetime("us", "UTC"))


def test_typed_time_ordered_columns_are_picked_and_absent_floats_are_null() -> None:
    df = pl.DataFrame(
        [
            pl.Series("trk", [7, 7, 7]),  # a decoder's own column: dropped
            pl.Series("heart_rate", [120.0, None, 131.0]),
            _times(0, 1, 1),
            pl.Series("segment", [0, 0, 1], dtype=pl.Int32),
        ]
    )
    out = conform_samples(df)
    assert dict(out.schema) == SAMPLE_SCHEMA and out.columns == list(SAMPLE_SCHEMA)
    assert out["heart_rate"].to_list() == [120.0, None, 131.0]
    assert out["segment"].to_list() == [0, 0, 1]
    assert out["lat"].null_count() == 3 and out["distance"].null_count() == 3


def test_unsorted_untimed_or_loosely_typed_samples_are_cast_filtered_and_sorted() -> None:
    df = pl.DataFrame(
        [
            _times(5, None, 2, 5),
            pl.Series("heart_rate", [150, 99, 140, 151]),  # integers: cast to float
            pl.Series("distance", [30.0, 0.0, 10.0, 31.0]),
        ]
    )
    out = conform_samples(df)
    assert dict(out.schema) == SAMPLE_SCHEMA
    # The untimed sample is dropped; equal times keep their order.
    assert out["time"].to_list() == [T0 + timedelta(seconds=s) for s in (2, 5, 5)]
    assert out["heart_rate"].to_list() == [140.0, 150.0, 151.0]
    assert out["distance"].to_list() == [10.0, 30.0, 31.0]
    assert out["segment"].null_count() == 3  # an absent integer column is null too
