"""Synthetic runners for the benchmarks: seeded numpy draws, and the same athletes written to a
store through its repositories (the rows an import of their archive writes).

The athletes: a weekly volume of 15–90 km, 3–6 runs a week, a long run, ±15 % noise per week,
a slow build, a few breaks and jumps; climbing and fast km in proportion.  Activities carry a
stored ``fast_distance_m`` (CSV-like rows, no speed histograms: 7 M histograms of 200 floats
would be 11 GB), so the fast-threshold recomputation from histograms is not measured.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store import files as file_store
from loadwatch.store.db import Session
from loadwatch.store.models import Activity

START = date(2023, 1, 2)  # a Monday


def synthetic(
    first_id: int,
    n: int,
    years: int,
    seed: int,
    *,
    start: date = START,
    days: int | None = None,
) -> pl.DataFrame:
    """Activities of athletes ``first_id .. first_id+n-1`` (``athlete`` + ACTIVITY schema) on
    the ``days`` days (default ``years`` years) from ``start``."""
    rng = np.random.default_rng(seed)
    n_days = days if days is not None else 365 * years + years // 4
    n_weeks = n_days // 7 + 1
    day_no = np.arange(n_days)
    weekday = day_no % 7
    base = rng.uniform(15, 90, n)[:, None]
    build = 1 + rng.uniform(-0.1, 0.5, n)[:, None] * np.linspace(0, 1, n_weeks)[None, :]
    noise = rng.uniform(0.85, 1.15, (n, n_weeks))
    jumps = np.where(rng.random((n, n_weeks)) < 0.03, rng.uniform(1.3, 2.0, (n, n_weeks)), 1.0)
    breaks = rng.random((n, n_weeks)) < 0.01
    breaks = breaks | np.roll(breaks, 1, axis=1) | np.roll(breaks, 2, axis=1)  # 3-week breaks
    week_km = base * build * noise * jumps * ~breaks
    runs_per_week = rng.integers(3, 7, n)
    # Run days: a random subset of weekdays per athlete, Sunday always (the long run).
    scores = rng.random((n, 7))
    scores[:, 6] = 2.0
    rank = np.argsort(np.argsort(-scores, axis=1), axis=1)
    run_day = rank < runs_per_week[:, None]
    share = np.where(run_day, 1.0, 0.0)
    share[:, 6] = 2.0  # long run = twice a normal run
    share /= share.sum(axis=1, keepdims=True)
    km = week_km[:, day_no // 7] * share[:, weekday] * rng.uniform(0.9, 1.1, (n, n_days))
    ath, day = np.nonzero(km > 0.5)
    dist = km[ath, day]
    k = len(dist)
    climb = dist * rng.uniform(2, 25, n)[ath] * rng.uniform(0.5, 1.5, k)
    # Fast km on the athlete's one or two quality days (their first run days of the week).
    quality = (rank[ath, weekday[day]] >= 1) & (
        rank[ath, weekday[day]] <= rng.integers(1, 3, n)[ath]
    )
    fast = dist * rng.uniform(0.15, 0.4, n)[ath] * quality * rng.uniform(0.8, 1.2, k)
    t0 = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    starts = np.datetime64(t0.replace(tzinfo=None), "us") + (
        day * 86400 + rng.integers(5 * 3600, 20 * 3600, k)
    ).astype("timedelta64[s]")
    pace = rng.uniform(270, 400, n)[ath]
    return pl.DataFrame(
        {
            "athlete": (ath + first_id).astype(np.int64),
            "activity_id": np.arange(k, dtype=np.int64),
            "start_time": starts,
            "utc_offset_s": np.zeros(k, dtype=np.int32),
            "sport": np.where(rng.random(k) < 0.05, "cycling", "running"),
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


def write_athletes(session: Session, acts: pl.DataFrame, *, prefix: str = "Runner") -> list[int]:
    """Each athlete of ``acts`` (``athlete`` + ACTIVITY schema) created with a source file (their
    archive) and their activities; returns the new athlete ids in ``athlete`` order."""
    ids: list[int] = []
    for key, group in sorted(acts.partition_by("athlete", as_dict=True).items()):
        aid = athlete_store.get_or_create_athlete(session, f"{prefix} {key[0]:05d}").id
        src = file_store.record_file(
            session,
            athlete_id=aid,
            sha256=hashlib.sha256(f"archive-{aid}".encode()).hexdigest(),
            name="export.zip",
            size=group.height * 50_000,
            format="fit",
            status="imported",
            reason=None,
        )
        activity_store.add_activities(session, activity_rows(aid, src.id, group.drop("athlete")))
        ids.append(aid)
    return ids
