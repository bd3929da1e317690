"""Fast and uphill stretches and thinning for drawing, on series built by hand."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from loadwatch.analytics.daily import fast_metres
from loadwatch.analytics.stretches import (
    DRAW_SCHEMA,
    STRETCH_SCHEMA,
    fast_steps,
    for_drawing,
    stretches,
    uphill_steps,
)
from loadwatch.ingest.summary.speed import speed_histogram
from loadwatch.ingest.summary.summarise import SERIES_SCHEMA


def series(
    speed: list[float],
    *,
    grade: list[float] | None = None,
    gap: list[float] | None = None,
    sustained: list[float] | None = None,
    hr: float | None = 140.0,
) -> pl.DataFrame:
    """One sample a second; sample i is reached at ``speed[i]`` (speed[0] has no step), held
    as ``sustained`` (default: the speed itself, as if every stretch were long enough)."""
    v = np.asarray(speed, dtype=float)
    step = np.concatenate(([0.0], v[1:]))
    n = v.size
    return pl.DataFrame(
        {
            "t_s": np.arange(n, dtype=float),
            "distance_m": np.cumsum(step),
            "speed_mps": v,
            "sustained_speed_mps": v if sustained is None else sustained,
            "gap_speed_mps": gap,
            "grade": grade,
            "altitude_m": None if grade is None else np.cumsum(step * np.asarray(grade)),
            "heart_rate": [hr] * n,
            "moving": v > 0.5,
        },
        schema=SERIES_SCHEMA,
    )


def test_one_rep_is_one_stretch_with_its_distance_and_time() -> None:
    # 60 s at 3 m/s, 40 s at 5 m/s, 60 s at 3 m/s: the rep is samples 60 .. 100.
    s = series([3.0] * 61 + [5.0] * 40 + [3.0] * 60)
    out = stretches(s, fast_steps(s, 4.0), "fast")
    assert out.schema == pl.Schema(STRETCH_SCHEMA)
    assert out.rows() == [("fast", 60.0, 100.0, 180.0, 380.0, 200.0, 40.0, 200.0)]


def test_a_climb_at_easy_pace_is_uphill_not_fast_and_only_held_speed_counts() -> None:
    # A climb at 3 m/s whose grade-adjusted speed is 4.2 m/s is an uphill stretch, not a fast
    # one: fast is actual speed held (docs/fast.md).
    gap = [3.0] * 61 + [4.2] * 50 + [3.0] * 10
    s = series([3.0] * 121, gap=gap, grade=[0.0] * 61 + [0.08] * 50 + [0.0] * 10)
    assert stretches(s, fast_steps(s, 4.0), "fast").is_empty()
    assert stretches(s, uphill_steps(s), "uphill")["start_m"].to_list() == [180.0]
    # A 5 m/s step that was not held (its sustained speed is the easy 3 m/s) is not fast.
    blip = series([3.0] * 50 + [5.0] * 20 + [3.0] * 50, sustained=[3.0] * 120)
    assert not fast_steps(blip, 4.0).any()


def test_a_short_dip_is_merged_and_a_short_burst_dropped() -> None:
    # Two 30 s reps 8 s apart (merged: < 10 s), then a 10 s burst of 50 m (dropped: < 100 m).
    speed = [3.0] * 11 + [5.0] * 30 + [3.0] * 8 + [5.0] * 30 + [3.0] * 60 + [5.0] * 10 + [3.0] * 20
    s = series(speed)
    out = stretches(s, fast_steps(s, 4.0), "fast")
    assert out.select("start_s", "end_s", "distance_m").rows() == [(10.0, 78.0, 324.0)]
    # Of its 324 m end to end, the two reps' 300 m are fast: the 8 s dip (24 m) is not.
    assert out["counted_m"].to_list() == [300.0]
    kept = stretches(s, fast_steps(s, 4.0), "fast", merge_gap_s=5.0, min_m=40.0)
    assert kept["distance_m"].to_list() == [150.0, 150.0, 50.0]


def test_a_step_is_fast_as_the_fast_km_count_it_from_the_speed_histogram() -> None:
    # 5:00/km is 3.333 m/s, inside the histogram bin [3.30, 3.35): the fast km count only bins
    # wholly at or above the line, so 3.34 m/s is not fast and 3.35 m/s is.  Judged on the bare
    # speed the activity page once shaded 3.59 km of a run whose fast km were 3.45.
    s = series([3.0] + [3.34] * 100 + [3.35] * 100)
    fast = fast_steps(s, 1000.0 / 300.0)
    assert fast.tolist() == [False] * 101 + [True] * 100
    (rep,) = stretches(s, fast, "fast").select("start_m", "counted_m").rows()
    assert rep == pytest.approx((334.0, 335.0))


@pytest.mark.parametrize("threshold", [1000.0 / 300.0, 1000.0 / 270.0, 3.35, 4.0])
def test_the_fast_steps_add_up_to_the_fast_km_of_the_activity(threshold: float) -> None:
    speed = np.random.default_rng(7).uniform(2.5, 4.5, 3000)
    s = series(speed.tolist())
    step = np.diff(s["distance_m"].to_numpy(), prepend=0.0)
    hist = speed_histogram(step, s["sustained_speed_mps"].to_numpy())
    frame = pl.DataFrame(
        {"sustained_speed_hist_m": [hist], "speed_hist_m": [hist]},
        schema={c: pl.List(pl.Float64()) for c in ("sustained_speed_hist_m", "speed_hist_m")},
    )
    (fast_km,) = fast_metres(frame, np.array([threshold]))
    assert fast_km > 500.0
    assert step[fast_steps(s, threshold)].sum() == pytest.approx(fast_km, abs=1e-6)


def test_no_altitude_means_no_uphill_and_empty_series_no_stretch() -> None:
    s = series([3.0] * 50)
    assert stretches(s, uphill_steps(s), "uphill").is_empty()
    empty = pl.DataFrame(schema=SERIES_SCHEMA)
    assert stretches(empty, fast_steps(empty, 4.0), "fast").is_empty()
    with pytest.raises(ValueError, match="steps for"):
        stretches(s, np.zeros(3, dtype=bool), "fast")


def test_for_drawing_thins_to_buckets_and_keeps_short_series() -> None:
    s = series([4.0] * 2000)
    drawn = for_drawing(s, 1000)
    assert drawn.schema == pl.Schema(DRAW_SCHEMA)
    assert drawn.height == 1000
    # Two samples a bucket: bucket 1 is samples 2 and 3 (t 2, 3; 8 m and 12 m).
    assert drawn.row(1) == (2.5, 10.0, 250.0, None, 140.0)
    assert for_drawing(s.head(300), 1000).height == 300
    # Standing still has no pace.
    still = for_drawing(series([0.0] * 20), 5)
    assert still["pace_s_per_km"].to_list() == [None] * 5
    assert for_drawing(pl.DataFrame(schema=SERIES_SCHEMA)).is_empty()
