"""ingest.zones: a new athlete's home zone from the first GPS fix, else the device's offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from loadwatch.ingest.track import SAMPLE_SCHEMA, empty_samples
from loadwatch.ingest.zones import FIXED_OFFSET, guess_zone, offset_zone


def _samples(lat: list[float | None], lon: list[float | None]) -> pl.DataFrame:
    t0 = datetime(2026, 7, 1, 6, tzinfo=UTC)
    return pl.DataFrame(
        {
            "time": [t0 + timedelta(seconds=i) for i in range(len(lat))],
            "lat": lat,
            "lon": lon,
            "segment": [0] * len(lat),
        }
    ).select(
        pl.col(c).cast(t) if c in ("time", "lat", "lon", "segment") else pl.lit(None, t).alias(c)
        for c, t in SAMPLE_SCHEMA.items()
    )


def test_the_first_valid_fix_decides_past_nulls_and_impossible_positions() -> None:
    # A null fix, then (0, 0) "null island" and an out-of-range latitude, then Paris.
    samples = _samples([None, 0.0, 95.0, 48.8566, 40.7128], [None, 0.0, 2.0, 2.3522, -74.006])
    guess = guess_zone(samples, device_offset_s=-5 * 3600)
    assert guess is not None
    assert guess.zone == "Europe/Paris"
    assert "48.857, 2.352" in guess.why


def test_without_positions_the_device_offset_gives_a_fixed_zone() -> None:
    guess = guess_zone(_samples([None, None], [None, None]), device_offset_s=2 * 3600)
    assert guess is not None
    assert (guess.zone, guess.why) == ("Etc/GMT-2", "the device's UTC offset (+2 h)" + FIXED_OFFSET)
    assert guess_zone(empty_samples(), None) is None
    assert offset_zone(5400) is None  # not a whole hour
    assert offset_zone(0) == "UTC"
