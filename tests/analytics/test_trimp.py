"""Banister TRIMP per activity (docs/hr-load.md): hand-computed numbers, and one corpus FIT
file against TRIMP computed here with numpy from its decoded heart-rate stream."""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from loadwatch.analytics.trimp import (
    DEFAULT_REST_BPM,
    HrProfile,
    estimated_peak,
    profile,
    trimp,
)
from loadwatch.ingest.analysis import analyse
from loadwatch.ingest.formats.fit import decode
from loadwatch.ingest.summary.hrload import HR_BINS, HR_MIN_BPM, hr_time_histogram

HR_FIT = "fit/gc_Fr955v19.28andStryd.fit"  # a run with a chest strap's whole stream


def _hist(minutes_at: dict[int, float]) -> list[float]:
    h = [0.0] * HR_BINS
    for bpm, minutes in minutes_at.items():
        h[bpm - HR_MIN_BPM] = minutes * 60.0
    return h


def _profile(rest: float, peak: float, sex: str | None) -> HrProfile:
    made = profile(rest_bpm=rest, max_bpm=peak, sex=sex, peak_bpm=None)  # type: ignore[arg-type]
    assert made is not None
    return made


def test_thirty_minutes_at_half_the_reserve() -> None:
    # HRr = (125 - 60) / (190 - 60) = 0.5.
    h = [_hist({125: 30.0})]
    # 30 min x 0.5 x 0.64 e^(1.92 x 0.5) = 15 x 0.64 x 2.611696 = 25.0723
    assert trimp(h, _profile(60, 190, "male"))[0] == pytest.approx(25.0723, abs=1e-3)
    # 15 x 0.86 x e^(1.67 x 0.5) = 15 x 0.86 x 2.304833 = 29.7323
    assert trimp(h, _profile(60, 190, "female"))[0] == pytest.approx(29.7323, abs=1e-3)
    # Unspecified: the women's curve (docs/hr-load.md).
    assert trimp(h, _profile(60, 190, None))[0] == pytest.approx(29.7323, abs=1e-3)


def test_below_rest_counts_nothing_and_above_max_counts_as_max() -> None:
    at_max = 30.0 * 1.0 * 0.64 * math.exp(1.92)  # 30 min at HRr = 1
    got = trimp([_hist({55: 30.0}), _hist({200: 30.0}), None], _profile(60, 190, "male"))
    assert got[0] == 0.0
    assert got[1] == pytest.approx(at_max)
    assert got[2] is None  # no heart rate: no load


def test_the_histogram_counts_steps_at_the_first_sample_and_skips_pauses() -> None:
    t = np.array([0.0, 1.0, 2.0, 62.0, 63.0, 64.0])
    hr = np.array([100.0, 101.4, 150.0, 120.0, np.nan, 130.0])
    h = hr_time_histogram(t, hr)
    assert h is not None
    seconds = {i + HR_MIN_BPM: v for i, v in enumerate(h) if v}
    # 0-1 s at 100, 1-2 s at 101 (rounded), 2-62 s is a 60 s gap (paused), 62-63 s at 120,
    # 63-64 s has no heart rate.
    assert seconds == {100: 1.0, 101: 1.0, 120: 1.0}


def test_no_strap_or_a_strap_for_a_minority_of_the_time_gives_no_histogram() -> None:
    t = np.arange(100, dtype=np.float64)
    assert hr_time_histogram(t, np.full(100, np.nan)) is None
    few = np.where(t < 30, 140.0, np.nan)
    assert hr_time_histogram(t, few) is None


def test_an_estimated_profile_says_so() -> None:
    # 2 min at 178, 10 s spike at 215: the spike is not a maximum.
    hist = _hist({150: 40.0, 178: 2.0, 215: 10.0 / 60.0})
    peak = estimated_peak([hist, None])
    assert peak == 178.0
    est = profile(rest_bpm=None, max_bpm=None, sex=None, peak_bpm=peak)
    assert est is not None
    assert (est.rest_bpm, est.max_bpm, est.source) == (DEFAULT_REST_BPM, 178.0, "estimated")
    assert est.rest_source == est.max_source == "estimated"
    coach = profile(rest_bpm=48, max_bpm=192, sex="male", peak_bpm=None)
    assert coach is not None and coach.source == "settings"
    half = profile(rest_bpm=None, max_bpm=192, sex="male", peak_bpm=None)
    assert half is not None and (half.source, half.max_source) == ("estimated", "settings")
    assert profile(rest_bpm=None, max_bpm=None, sex=None, peak_bpm=None) is None
    assert profile(rest_bpm=70, max_bpm=80, sex=None, peak_bpm=None) is None  # a typo


@pytest.mark.corpus
def test_corpus_fit_trimp_matches_numpy_from_the_stream(corpus: Path) -> None:
    data = (corpus / HR_FIT).read_bytes()
    rest, peak = 50.0, 185.0
    # By hand, from the decoded stream: each step at its first sample's heart rate, steps
    # longer than 30 s (pauses) not counted, HRr clipped to [0, 1], men's coefficients.
    (track,) = decode(data, HR_FIT)
    s = track.samples
    t = s["time"].dt.epoch("us").to_numpy().astype(np.float64) / 1e6
    hr = s["heart_rate"].cast(float).fill_null(np.nan).to_numpy()
    dt = np.diff(t)
    h = hr[:-1]
    ok = (dt > 0) & (dt <= 30.0) & np.isfinite(h)
    hrr = np.clip((h[ok] - rest) / (peak - rest), 0.0, 1.0)
    by_hand = float(np.sum(dt[ok] / 60.0 * hrr * 0.64 * np.exp(1.92 * hrr)))

    decoded = analyse(data, HR_FIT, sha256=hashlib.sha256(data).hexdigest())
    (act,) = decoded.activities
    got = trimp([act.summary.hr_time_hist_s], _profile(rest, peak, "male"))[0]
    assert got is not None
    assert by_hand > 50  # an hour's run, not an empty stream
    assert got == pytest.approx(by_hand, rel=0.01)
