"""Synthetic runners for the benchmarks: seeded numpy draws, and the same athletes written to a
store through its repositories (the rows an import of their archive writes).

Two populations (``competitive`` and ``recreational``), drawn day by day per athlete:

* competitive: 5–7 run days a week, weeks of 30–110 km in 4-week blocks (three building, one
  easier) inside seasons that build and restart, two quality sessions a week (Tuesday
  intervals, Thursday tempo: 30–60 % of the session at fast pace; every third Tuesday hill
  repeats instead, at effort but not at fast pace), a Sunday long run, about six races a year
  (5 km, 10 km, half marathon: all fast) with a two-week taper and an easy week after,
  day-to-day distance varying with a coefficient of variation around 0.5, one or two
  illness gaps of 3–10 days a year (straight back), an off-season break of 14–21 days most
  years (back over four weeks at 50 / 65 / 80 / 95 %), and about 2 % of runs never uploaded;
* recreational: 2–4 runs a week on their own days (a run skipped now and then), 10–40 km
  weeks with a slow drift, a longer weekend run, a parkrun or a faster run in some weeks,
  illness gaps, and a holiday of 7–24 days a year (60 % come back easing in at 60 / 80 %,
  40 % straight back).

Climbing follows each athlete's terrain (5–20 m/km, uphill km = 10 m per metre climbed).
Activities carry a stored ``fast_distance_m`` (CSV-like rows, no speed histograms: 7 M
histograms of 200 floats would be 11 GB), so the fast-threshold recomputation from histograms
is not measured.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Literal

import numpy as np
import polars as pl

from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.db import Session
from loadwatch.store.models import Activity

START = date(2023, 1, 2)  # a Monday
Kind = Literal["competitive", "recreational"]
# A day's distance varies around its share of the week with a gamma of shape k (CV 1/sqrt(k)):
# easy runs vary a lot (CV 0.5), the long run and the quality sessions are planned (CV 0.15).
_EASY_SHAPE, _PLANNED_SHAPE = 4.0, 45.0


def _gaps(rng: np.random.Generator, n_days: int, per_year: float, lo: int, hi: int) -> np.ndarray:
    """Days off (True) for illness or holidays: ``per_year`` gaps of ``lo``–``hi`` days."""
    off = np.zeros(n_days, dtype=bool)
    for _ in range(rng.poisson(per_year * n_days / 365)):
        start = int(rng.integers(28, max(29, n_days - 1)))
        off[start : start + int(rng.integers(lo, hi + 1))] = True
    return off


def _competitive(rng: np.random.Generator, n_days: int) -> tuple[np.ndarray, ...]:
    n_weeks = n_days // 7 + 1
    base = rng.uniform(45, 85)
    run_days = int(rng.integers(5, 8))
    # Rest days: Monday for 6 run days, Monday and Friday for 5.
    week_shape = np.array([0.8, 1.1, 0.8, 1.1, 0.8, 0.8, 1.8])
    if run_days <= 6:
        week_shape[0] = 0.0
    if run_days == 5:
        week_shape[4] = 0.0
    w = np.arange(n_weeks)
    season_len = int(rng.integers(16, 25))
    season = 0.8 + 0.4 * (w % season_len) / season_len
    block = np.array([1.0, 1.05, 1.1, 0.8])[w % 4]
    vols = np.clip(base * season * block * rng.lognormal(0, 0.08, n_weeks), 30, 110)
    # Races on Sundays, ~6 a year: taper over the two weeks before, an easy week after.
    race_km = np.zeros(n_weeks)
    n_races = max(1, round(6 * n_weeks / 52))
    for rw in rng.choice(np.arange(6, n_weeks), size=min(n_races, n_weeks - 6), replace=False):
        race_km[rw] = rng.choice([5.0, 10.0, 21.1], p=[0.35, 0.4, 0.25])
        vols[rw - 2 : rw] *= (0.85, 0.75)
        vols[rw] *= 0.7
        if rw + 1 < n_weeks:
            vols[rw + 1] *= 0.8
    # An off-season break most years, back over four weeks.
    pre_break = np.ones(n_weeks)
    for y in range(max(1, n_weeks // 52)):
        bw, off = y * 52 + int(rng.integers(20, 48)), int(rng.integers(2, 4))
        if rng.random() < 0.7 and bw + off + 4 <= n_weeks:
            pre_break[bw : bw + off] = 0.0
            pre_break[bw + off : bw + off + 4] = (0.5, 0.65, 0.8, 0.95)
    vols *= pre_break
    day = np.arange(n_days)
    wd, wk = day % 7, day // 7
    planned = (wd == 1) | (wd == 3) | (wd == 6)
    shape = np.where(planned, _PLANNED_SHAPE, _EASY_SHAPE)
    share = week_shape[wd] * rng.gamma(shape, 1 / shape)
    race_day = (wd == 6) & (race_km[wk] > 0)
    share = np.where(race_day, 0.0, share)
    sums = np.bincount(wk, weights=share, minlength=n_weeks)
    km = vols[wk] * share / np.where(sums[wk] > 0, sums[wk], 1.0)
    km = np.where(race_day & (pre_break[wk] > 0), race_km[wk], km)
    hills_tuesday = (wd == 1) & (wk % 3 == 2)
    quality = ((wd == 1) | (wd == 3)) & ~hills_tuesday
    fast = np.where(quality, km * rng.uniform(0.3, 0.6, n_days), 0.0)
    fast = np.where(race_day, km, fast)
    terrain = rng.uniform(5, 20)
    climb = km * terrain * rng.lognormal(0, 0.3, n_days) * np.where(hills_tuesday, 2.0, 1.0)
    off = _gaps(rng, n_days, 1.5, 3, 10)
    km = np.where(off, 0.0, km)
    return km, fast, climb


def _recreational(rng: np.random.Generator, n_days: int) -> tuple[np.ndarray, ...]:
    n_weeks = n_days // 7 + 1
    base = rng.uniform(10, 40)
    runs = int(rng.integers(2, 5))
    days = np.sort(rng.choice([1, 2, 3, 5, 6] if runs < 4 else [1, 3, 5, 6], runs, replace=False))
    week_shape = np.zeros(7)
    week_shape[days] = 1.0
    week_shape[days[-1]] = 1.5  # the weekend run is the longer one
    drift = np.exp(np.cumsum(rng.normal(0, 0.04, n_weeks)))
    vols = np.clip(base * drift * rng.lognormal(0, 0.15, n_weeks), 6, 60)
    day = np.arange(n_days)
    wd, wk = day % 7, day // 7
    skipped = rng.random(n_days) < 0.08
    shape = np.where(wd == days[-1], _PLANNED_SHAPE, _EASY_SHAPE)
    share = week_shape[wd] * rng.gamma(shape, 1 / shape) * ~skipped
    sums = np.bincount(wk, weights=share, minlength=n_weeks)
    km = vols[wk] * share / np.where(sums[wk] > 0, sums[wk], 1.0)
    # A faster run in some weeks (a parkrun, a tempo): most of a shorter run at fast pace.
    faster = (wd == days[0]) & (rng.random(n_days) < rng.uniform(0.1, 0.4))
    fast = np.where(faster, km * rng.uniform(0.4, 0.8, n_days), 0.0)
    climb = km * rng.uniform(5, 20) * rng.lognormal(0, 0.3, n_days)
    off = _gaps(rng, n_days, 1.0, 3, 10)
    holiday = np.zeros(n_days, dtype=bool)
    ease = np.ones(n_days)
    for y in range(max(1, n_days // 365)):
        start = y * 365 + int(rng.integers(60, 330))
        length = int(rng.integers(7, 25))
        holiday[start : start + length] = True
        if rng.random() < 0.6:
            back = start + length
            ease[back : back + 7] = 0.6
            ease[back + 7 : back + 14] = 0.8
    km = np.where(off | holiday, 0.0, km * ease)
    return km, fast, climb


def runner(seed: int, kind: Kind, n_days: int) -> tuple[np.ndarray, ...]:
    """One athlete's days: (day number, km, fast km, climb m) of each uploaded run."""
    rng = np.random.default_rng(seed)
    km, fast, climb = (_competitive if kind == "competitive" else _recreational)(rng, n_days)
    uploaded = (km > 0.5) & (rng.random(n_days) >= 0.02)
    day = np.nonzero(uploaded)[0]
    return day, km[day], np.minimum(fast[day], km[day]), climb[day]


def population(
    first_id: int,
    n: int,
    years: int,
    seed: int,
    *,
    kind: Kind | None = None,
    start: date = START,
    days: int | None = None,
    cross_training: float = 0.0,
) -> pl.DataFrame:
    """Activities of athletes ``first_id .. first_id+n-1`` (``athlete`` + ACTIVITY schema) on
    the ``days`` days (default ``years`` years) from ``start``; ``kind`` None mixes the two
    populations (every third athlete competitive)."""
    n_days = days if days is not None else 365 * years + years // 4
    parts = []
    for i in range(n):
        k: Kind = kind or ("competitive" if i % 3 == 0 else "recreational")
        d, km, fast, climb = runner(seed * 1_000_003 + i, k, n_days)
        parts.append((np.full(len(d), first_id + i, dtype=np.int64), d, km, fast, climb))
    ath, day, dist, fast, climb = (np.concatenate(c) for c in zip(*parts, strict=True))
    return _frame(np.random.default_rng(seed), ath, day, dist, fast, climb, start, cross_training)


def synthetic(
    first_id: int,
    n: int,
    years: int,
    seed: int,
    *,
    start: date = START,
    days: int | None = None,
) -> pl.DataFrame:
    """Both populations mixed (``population`` with ``kind=None``), 5 % of activities rides."""
    return population(first_id, n, years, seed, start=start, days=days, cross_training=0.05)


def _frame(
    rng: np.random.Generator,
    ath: np.ndarray,
    day: np.ndarray,
    dist: np.ndarray,
    fast: np.ndarray,
    climb: np.ndarray,
    start: date,
    cross_training: float,
) -> pl.DataFrame:
    """``cross_training``: the share of activities that are rides instead (the rules read
    running only)."""
    k = len(dist)
    t0 = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    starts = np.datetime64(t0.replace(tzinfo=None), "us") + (
        day * 86400 + rng.integers(5 * 3600, 20 * 3600, k)
    ).astype("timedelta64[s]")
    pace = rng.uniform(240, 400, int(ath.max()) + 1 if k else 1)[ath]
    return pl.DataFrame(
        {
            "athlete": ath,
            "activity_id": np.arange(k, dtype=np.int64),
            "start_time": starts,
            "utc_offset_s": np.zeros(k, dtype=np.int32),
            "sport": np.where(rng.random(k) < cross_training, "cycling", "running"),
            "distance_m": dist * 1000,
            "moving_time_s": dist * pace,
            "elevation_gain_m": climb,
            "elevation_loss_m": climb,
            "gap_distance_m": dist * 1000 + 8 * climb,
            "uphill_distance_m": climb * 10,
            "downhill_distance_m": climb * 10,
            "fast_distance_m": fast * 1000,
            "speed_hist_m": pl.Series([None] * k, dtype=pl.List(pl.Float64)),
            "gap_speed_hist_m": pl.Series([None] * k, dtype=pl.List(pl.Float64)),
            "sustained_speed_hist_m": pl.Series([None] * k, dtype=pl.List(pl.Float64)),
            "flat_speed_hist_m": pl.Series([None] * k, dtype=pl.List(pl.Float64)),
            # No heart rate: the impulse falls back to session RPE or km, as for a log.
            "hr_load": pl.Series([None] * k, dtype=pl.Float64),
        }
    ).with_columns(pl.col("start_time").dt.replace_time_zone("UTC").cast(pl.Datetime("us", "UTC")))


DEVICE = {
    k: "device" for k in ("distance_m", "moving_time_s", "elevation_gain_m", "elevation_loss_m")
}


def activity_rows(
    athlete_id: int, file_id: int, acts: pl.DataFrame, *, first: int = 0
) -> list[Activity]:
    """One athlete's synthetic activities as the rows an import of their archive writes
    (``first`` numbers them, so a later batch gets distinct source digests)."""
    out: list[Activity] = []
    for k, a in enumerate(acts.iter_rows(named=True), start=first):
        moving = a["moving_time_s"]
        out.append(
            Activity(
                athlete_id=athlete_id,
                file_id=file_id,
                source="file",
                format="fit",
                sport=a["sport"],
                start_time=a["start_time"],
                utc_offset_s=a["utc_offset_s"],
                elapsed_time_s=moving * 1.04,
                moving_time_s=moving,
                stopped_time_s=0.0,
                distance_m=a["distance_m"],
                elevation_gain_m=a["elevation_gain_m"],
                elevation_loss_m=a["elevation_loss_m"],
                avg_pace_s_per_km=moving / (a["distance_m"] / 1000),
                gap_distance_m=a["gap_distance_m"],
                uphill_distance_m=a["uphill_distance_m"],
                downhill_distance_m=a["downhill_distance_m"],
                fast_distance_m=a["fast_distance_m"],
                n_samples=int(moving),
                device="bench",
                source_sha256=hashlib.sha256(f"{athlete_id}:{k}".encode()).hexdigest(),
                session_index=0,
                totals_source=DEVICE,
            )
        )
    return out


def _athlete_with_archive(session: Session, name: str, activities: int) -> tuple[int, int]:
    """A new athlete and the source file of their archive (its ids)."""
    aid = athlete_store.get_or_create_athlete(session, name).id
    src = file_store.record_file(
        session,
        athlete_id=aid,
        sha256=hashlib.sha256(f"archive-{aid}".encode()).hexdigest(),
        name="export.zip",
        size=activities * 50_000,
        format="fit",
        status="imported",
        reason=None,
    )
    return aid, src.id


def write_athletes(session: Session, acts: pl.DataFrame, *, prefix: str = "Runner") -> list[int]:
    """Each athlete of ``acts`` (``athlete`` + ACTIVITY schema) created with a source file (their
    archive) and their activities; returns the new athlete ids in ``athlete`` order."""
    ids: list[int] = []
    for key, group in sorted(acts.partition_by("athlete", as_dict=True).items()):
        aid, src_id = _athlete_with_archive(session, f"{prefix} {key[0]:05d}", group.height)
        activity_store.add_activities(session, activity_rows(aid, src_id, group.drop("athlete")))
        ids.append(aid)
    return ids


def write_athletes_bulk(
    session: Session, acts: pl.DataFrame, *, prefix: str = "Runner"
) -> list[int]:
    """``write_athletes`` without an ORM object per activity: the same rows, inserted in one
    executemany per chunk (seeding 1,000 athletes x a year in seconds, not minutes)."""
    ids: list[int] = []
    rows: list[dict[str, object]] = []
    for key, group in sorted(acts.partition_by("athlete", as_dict=True).items()):
        aid, src_id = _athlete_with_archive(session, f"{prefix} {key[0]:05d}", group.height)
        g = group.drop("athlete").with_columns(
            (pl.col("moving_time_s") / (pl.col("distance_m") / 1000)).alias("avg_pace_s_per_km")
        )
        for k, a in enumerate(
            g.select(
                "sport", "start_time", "utc_offset_s", "moving_time_s", "distance_m",
                "elevation_gain_m", "elevation_loss_m", "avg_pace_s_per_km", "gap_distance_m",
                "uphill_distance_m", "downhill_distance_m", "fast_distance_m",
            ).iter_rows(named=True)
        ):  # fmt: skip
            moving = a["moving_time_s"]
            rows.append(
                {
                    **a,
                    "athlete_id": aid,
                    "file_id": src_id,
                    "source": "file",
                    "format": "fit",
                    "elapsed_time_s": moving * 1.04,
                    "stopped_time_s": 0.0,
                    "n_samples": int(moving),
                    "device": "bench",
                    "source_sha256": hashlib.sha256(f"{aid}:{k}".encode()).hexdigest(),
                    "session_index": 0,
                    "totals_source": DEVICE,
                }
            )
        ids.append(aid)
    activity_store.insert_rows(session, rows)
    return ids
