"""Fitness, fatigue and form (Banister impulse-response, docs/hr-load.md) on a hand-made
10-day history, against the closed form L_t = k Σ_{i<=t} e^(-(t-i)/τ) w_i, k = 1 - e^(-1/τ)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.fitness import (
    daily_impulses,
    few_day_impulses,
    fitness_columns,
    fitness_frame,
    rate,
)
from support.activity_builder import activity, frame

DAY0 = date(2026, 3, 2)
# Ten days of TRIMP: two runs on day 3, rest on days 2 and 6.
TRIMPS = [80.0, 60.0, 0.0, 120.0, 40.0, 100.0, 0.0, 90.0, 150.0, 70.0]


def _closed_form(w: list[float], tau: float) -> list[float]:
    k = 1.0 - math.exp(-1.0 / tau)
    return [k * sum(math.exp(-(t - i) / tau) * w[i] for i in range(t + 1)) for t in range(len(w))]


def _history() -> pl.DataFrame:
    rows = []
    for i, w in enumerate(TRIMPS):
        if i == 3:  # two sessions on one day add up
            rows.append(activity(DAY0 + timedelta(days=i), 8.0, hr_load=70.0))
            rows.append(activity(DAY0 + timedelta(days=i), 5.0, hr_load=50.0, sport="cycling"))
        elif w:
            rows.append(activity(DAY0 + timedelta(days=i), 10.0, hr_load=w))
    return frame(rows)


def test_rates_are_one_minus_e_to_minus_one_over_tau() -> None:
    assert rate(42) == pytest.approx(0.0235283, abs=1e-6)
    assert rate(7) == pytest.approx(0.1331221, abs=1e-6)


def test_ten_days_match_the_closed_form() -> None:
    impulses, basis = daily_impulses(
        _history(), tz="UTC", first=DAY0, last=DAY0 + timedelta(days=9)
    )
    assert (basis.source, basis.unit, basis.imputed) == ("trimp", "TRIMP", 0)
    out = fitness_frame(impulses)
    assert out["fitness_load"].to_list() == TRIMPS
    fit, fat = _closed_form(TRIMPS, 42), _closed_form(TRIMPS, 7)
    assert out["fitness"].to_list() == pytest.approx(fit, rel=1e-9)
    assert out["fatigue"].to_list() == pytest.approx(fat, rel=1e-9)
    assert out["form"].to_list() == pytest.approx(
        [a - b for a, b in zip(fit, fat, strict=True)], rel=1e-9
    )
    # The last day, summed by hand: fitness 15.22, fatigue 58.03, form -42.81.
    assert out["fitness"][-1] == pytest.approx(15.2205, abs=1e-3)
    assert out["fatigue"][-1] == pytest.approx(58.0271, abs=1e-3)
    assert out["form"][-1] == pytest.approx(-42.8066, abs=1e-3)


def test_one_impulse_decays_with_each_time_constant() -> None:
    impulses = pl.DataFrame(
        {"date": [DAY0 + timedelta(days=i) for i in range(10)], "fitness_load": [100.0] + [0.0] * 9}
    )
    out = fitness_frame(impulses)
    assert out["fitness"][9] == pytest.approx(100 * rate(42) * math.exp(-9 / 42))
    assert out["fatigue"][9] == pytest.approx(100 * rate(7) * math.exp(-9 / 7))


def test_without_heart_rate_the_impulse_is_running_km_and_says_so() -> None:
    acts = frame(
        [
            activity(DAY0, 10.0),
            activity(DAY0 + timedelta(days=1), 30.0, sport="cycling"),
            activity(DAY0 + timedelta(days=2), 6.0),
        ]
    )
    impulses, basis = daily_impulses(acts, tz="UTC", first=DAY0, last=DAY0 + timedelta(days=2))
    assert (basis.source, basis.unit) == ("distance", "km")
    assert impulses["fitness_load"].to_list() == [10.0, 0.0, 6.0]


def test_an_activity_without_heart_rate_counts_at_the_median_trimp_per_minute() -> None:
    # 10 km at 330 s/km = 55 min; 110 TRIMP -> 2 per minute; 40 TRIMP over 27.5 min -> 1.4545.
    # Median of (2, 1.4545) = 1.7273/min; the 5 km run without a strap (27.5 min) -> 47.5.
    acts = frame(
        [
            activity(DAY0, 10.0, hr_load=110.0),
            activity(DAY0 + timedelta(days=1), 5.0, hr_load=40.0),
            activity(DAY0 + timedelta(days=2), 5.0),
        ]
    )
    impulses, basis = daily_impulses(acts, tz="UTC", first=DAY0, last=DAY0 + timedelta(days=2))
    assert (basis.source, basis.imputed) == ("trimp", 1)
    assert impulses["fitness_load"].to_list() == pytest.approx([110.0, 40.0, 47.5])


def test_without_heart_rate_but_with_rpe_the_impulse_is_srpe() -> None:
    # 10 km at 330 s/km = 55 min at RPE 6 -> 330 AU; 5 km = 27.5 min at RPE 4 -> 110 AU
    # (4 AU/min).  Median of (6, 4) = 5 AU/min; the 6 km run without an RPE (33 min) -> 165.
    acts = frame(
        [
            activity(DAY0, 10.0),
            activity(DAY0 + timedelta(days=1), 5.0),
            activity(DAY0 + timedelta(days=2), 6.0),
        ]
    )
    ids = acts["activity_id"].to_list()
    srpe = pl.DataFrame({"activity_id": ids, "srpe": [330.0, 110.0, None]})
    impulses, basis = daily_impulses(
        acts, tz="UTC", first=DAY0, last=DAY0 + timedelta(days=2), srpe=srpe
    )
    assert (basis.source, basis.unit, basis.imputed) == ("srpe", "AU", 1)
    assert impulses["fitness_load"].to_list() == pytest.approx([330.0, 110.0, 165.0])
    # Heart rate wins over RPE wherever the history has it.
    with_hr = frame([activity(DAY0, 10.0, hr_load=100.0)])
    one = pl.DataFrame({"activity_id": with_hr["activity_id"], "srpe": [330.0]})
    _, hr_basis = daily_impulses(with_hr, tz="UTC", first=DAY0, last=DAY0, srpe=one)
    assert hr_basis.source == "trimp"


# A few activities of a change (services/incremental.py): sports, fractional metres, offsets
# that move the local day, heart rate on all or none of them.
_few = st.lists(
    st.tuples(
        st.integers(0, 3),  # local day
        st.floats(0.3, 42.0),  # km
        st.sampled_from(["running", "trail_running", "cycling", "walking"]),
        st.sampled_from([0, 3600, -18000, 46800]),
        st.floats(5.0, 400.0),  # TRIMP
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(_few, st.booleans(), st.booleans())
def test_few_day_impulses_are_daily_impulses(
    acts: list[tuple[int, float, str, int, float]], hr: bool, one_without: bool
) -> None:
    """The tail's impulses without a polars query are ``daily_impulses``' to the bit, the
    source too; an activity without heart rate among some with it is left to
    ``daily_impulses`` (it imputes it)."""
    rows = [
        activity(DAY0 + timedelta(days=d), km + 0.0137, sport=sp, offset_s=off,
                 hr_load=t if hr else None)
        for d, km, sp, off, t in acts
    ]  # fmt: skip
    if hr and one_without:
        rows[0]["hr_load"] = None
    acts_ = frame(rows)
    first, last = DAY0, DAY0 + timedelta(days=3)
    days = acts_.select(local_day_expr("UTC").alias("d"))["d"].to_list()
    got = few_day_impulses(acts_, days, first=first, last=last)
    want, basis = daily_impulses(acts_, tz="UTC", first=first, last=last)
    if hr and one_without and len(rows) > 1:
        assert got is None
        return
    assert got is not None
    load, source = got
    with_hr = any(r["hr_load"] is not None for r in rows)
    assert source == basis.source == ("trimp" if with_hr else "distance")
    assert pl.Series(load, nan_to_null=True).to_list() == want["fitness_load"].to_list()
    before = (31.5, 40.25)
    cols = fitness_columns(load, before)
    frame_ = fitness_frame(want, before)
    for c, v in cols.items():
        assert v.tolist() == frame_[c].to_list(), c
