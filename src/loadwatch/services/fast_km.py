"""Each listed activity's fast km: the number the weekly table, series, status and flags
count for that run (docs/fast.md), so the activity list never shows another one."""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from loadwatch.analytics.daily import activity_fast_metres
from loadwatch.analytics.day_exprs import local_day_expr
from loadwatch.analytics.fast import threshold_frame
from loadwatch.ingest.track import RUNNING_SPORTS
from loadwatch.rounding import out_number
from loadwatch.store import activities as activity_store
from loadwatch.store.db import Session
from loadwatch.store.models import Athlete


def fast_metres_of(
    session: Session, athlete: Athlete, activity_ids: Collection[int]
) -> dict[int, float | None]:
    """Fast metres of the given activities of ``athlete``, each judged by the fast threshold
    of its own local day; None for other sports (never fast running) and for a run with
    neither a histogram nor a stated figure."""
    if not activity_ids:
        return {}
    frame = activity_store.activity_frame(session, athlete.id)
    tz = athlete.timezone
    wanted = frame.filter(
        pl.col("activity_id").is_in(list(activity_ids))
        & pl.col("sport").is_in(list(RUNNING_SPORTS))
    )
    if wanted.is_empty():
        return dict.fromkeys(activity_ids)
    days = wanted.select(local_day_expr(tz)).to_series()
    per_day = threshold_frame(
        frame,
        tz=tz,
        first=days.min(),  # type: ignore[arg-type]
        last=days.max(),  # type: ignore[arg-type]
        coach_speed_mps=athlete.fast_speed_mps,
        coach_since=athlete.fast_speed_since,
    )
    got = activity_fast_metres(wanted, tz=tz, fast=per_day)
    out: dict[int, float | None] = dict.fromkeys(activity_ids)
    # Rounded as every output number is: a sum of histogram bins carries float noise
    # ("5727.540000000001").
    out.update(
        zip(
            got["activity_id"].to_list(),
            [out_number(m) for m in got["fast_m"].to_list()],
            strict=True,
        )
    )
    return out
