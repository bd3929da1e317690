"""A device distance total that says the athlete stood still while the samples moved is
replaced by the samples' distance, with a warning in words and units (trial item 11); genuine
discrepancies still trust the device.

Hand-made cases start from ``track_fixtures.fit()`` (601 records every 2 s: 20 min, 3,600 m at
3 m/s); the real one is the corpus's ``invalid/pyfitparse_nick.fit`` (a Sigma ride whose session
says 4.93 m while its records' own odometer reaches 113,550.87 m)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import support.track_fixtures as tf
from loadwatch.ingest.formats.fit import decode as fit_decode
from loadwatch.ingest.summary.activity import ActivitySummary
from loadwatch.ingest.summary.device_distance import implausible
from loadwatch.ingest.summary.summarise import summarize
from loadwatch.services.importing import analyse

LINE = tf.Line()  # 1,200 s, 3,600 m


def _summary(device_m: float) -> ActivitySummary:
    (track,) = fit_decode(tf.fit(LINE), "x.fit")
    bad = replace(track, totals=replace(track.totals, distance_m=device_m))
    return summarize(bad, source_sha256="0" * 64)


def test_a_run_the_device_says_covered_5_m_in_20_min_counts_its_samples() -> None:
    s = _summary(5.0)
    assert s.distance_m == pytest.approx(3600.0, abs=0.01)
    assert s.totals_source["distance_m"] == "computed"
    assert s.moving_time_s == 1200.0
    assert s.avg_pace_s_per_km == pytest.approx(1200.0 / 3.6, abs=0.01)  # 5:33 /km
    # 5 m / 1,200 s = 0.015 km/h; 3,600 m / 1,200 s = 10.8 km/h
    assert s.warnings == [
        "the device's total distance, 5 m in 20 min (0.0 km/h), is implausible beside the "
        "samples' 3.6 km (10.8 km/h): used the samples' distance"
    ]
    assert s.speed_hist_m is not None  # per-sample figures come back with the samples
    assert sum(s.speed_hist_m) == pytest.approx(3600.0, abs=0.01)


def test_a_device_total_of_300_m_in_20_min_is_standing_still_for_a_runner() -> None:
    # 300 / 1,200 = 0.25 m/s, under a runner's 0.5 m/s; the samples are 12 times as long
    assert _summary(300.0).distance_m == pytest.approx(3600.0, abs=0.01)


@pytest.mark.parametrize(
    ("device_m", "kept"),
    [(3000.0, 3000.0), (1000.0, 1000.0), (600.0, 600.0)],
)
def test_genuine_discrepancies_still_trust_the_device(device_m: float, kept: float) -> None:
    """3,000 m is rescaled onto (ratio 0.83); 1,000 m (0.83 m/s) and 600 m (0.5 m/s, the
    samples 6 times as long) are a moving runner's totals: kept, per-sample figures dropped."""
    s = _summary(device_m)
    assert s.distance_m == kept
    assert s.totals_source["distance_m"] == "device"


def test_the_rule_needs_both_a_still_device_and_ten_times_the_ground() -> None:
    # A pool swim: 1,500 m of lengths in 1 h beside 16 km of wandering GPS: 0.42 m/s moves.
    assert implausible(1500.0, 16_000.0, 3600.0, 0.1) is None
    # 9 times the ground at a standstill pace: not enough evidence.
    assert implausible(100.0, 900.0, 3600.0, 0.5) is None
    # Both samples and device below the standing speed: nothing to recover.
    assert implausible(1.0, 100.0, 3600.0, 0.5) is None
    assert implausible(0.0, 3600.0, 1200.0, 0.5) is not None


def test_the_corpus_ride_with_a_5_m_total_counts_its_113_km(corpus: Path) -> None:
    rel = "invalid/pyfitparse_nick.fit"
    (act,) = analyse((corpus / rel).read_bytes(), "nick.fit", sha256="0" * 64).activities
    s = act.summary
    assert s.sport == "cycling"
    assert s.distance_m == pytest.approx(113_550.87, abs=0.01)  # the records' own odometer
    assert s.totals_source["distance_m"] == "computed"
    assert s.moving_time_s == 14_384.0
    # 4.93 m / 14,384 s = 0.001 km/h; 113,550.87 m / 14,384 s = 28.4 km/h
    assert s.warnings == [
        "truncated: file ends before its declared size; kept 14391 records",
        "the device's total distance, 5 m in 3 h 59 min (0.0 km/h), is implausible beside the "
        "samples' 113.6 km (28.4 km/h): used the samples' distance",
    ]
