"""``rest_too_long``: complete rest while a return-to-run plan is active deconditions the
tendon.  Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import polars as pl

from loadwatch.rules.engine import FlagRecord
from loadwatch.rules.messages import amount
from loadwatch.rules.plan_caps import Caps, PlanSpec, describe_day
from loadwatch.vocabulary import CAUTION

REST_DAYS = 10


def rest_records(plan: PlanSpec, daily: pl.DataFrame, caps: Sequence[Caps]) -> list[FlagRecord]:
    """A caution on the ``REST_DAYS``-th day in a row with nothing logged (no run, no other
    sport) while the plan is active: complete rest deconditions the tendon."""
    if not caps:
        return []
    last_day = plan.start + timedelta(days=len(caps) - 1)
    active = set(
        daily.filter((pl.col("runs") > 0) | (pl.col("other_sessions") > 0))["date"].to_list()
    )
    # Counted from the plan's start at the earliest: the rest before it is the injury's.
    before = [d for d in active if d < plan.start]
    last = max([*before, plan.start - timedelta(days=1)])
    out = []
    d = plan.start
    while d <= last_day:
        if d in active:
            last = d
        else:
            ref = last
            gap = (d - ref).days
            if gap == REST_DAYS:
                c = caps[(d - plan.start).days]
                easy = min(c.longest_run_km, c.weekly_km)
                out.append(
                    FlagRecord(
                        date=d,
                        dimension="rest",
                        rule="rest_too_long",
                        severity=CAUTION,
                        value=float(gap),
                        baseline=float(REST_DAYS),
                        ratio=gap / REST_DAYS,
                        threshold=1.0,
                        message=(
                            f"Nothing logged for {gap} days (since {describe_day(ref)}) on a "
                            "return-to-run plan: complete rest deconditions the tendon and "
                            f"makes the way back harder; an easy {amount(easy, 'km')} flat run "
                            "(or cross-training) keeps it loaded."
                        ),
                    )
                )
        d += timedelta(days=1)
    return out
