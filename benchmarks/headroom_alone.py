"""CPU time of headroom alone (``rules.headroom.headroom_judged``, what one new run asks of
it, and ``headroom``, what the roll-forward and the views ask), on synthetic athletes' daily
frames (``benchmarks/synthetic.py``), as of their last day.

    .venv/bin/python benchmarks/headroom_alone.py [--athletes 30] [--years 3] [--repeat 7]

Prints the median per call (``process_time``) over ``--repeat`` passes of every athlete and
day, and how often the later candidates (``over``) were judged.  Run old and new trees
alternately (``PYTHONPATH=...``) in the same minutes: the machine's speed varies.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import polars as pl
from synthetic import population

import loadwatch
from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.headroom import OVER_SHARE, headroom, headroom_judged


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--athletes", type=int, default=30)
    p.add_argument("--years", type=int, default=3)
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    acts = population(1, args.athletes, args.years, seed=7)
    cases = []
    for (_,), a in acts.group_by("athlete", maintain_order=True):
        a = a.drop("athlete").with_columns(pl.lit(None, pl.Float64).alias("hr_load"))
        daily = daily_frame(a, tz="UTC", fast_speed_mps=None)
        last = daily["date"][-1]
        cases.append((daily, last))
    config = RuleConfig()
    over = 0
    for daily, day in cases:  # warm up
        rooms, _ = headroom_judged(daily, config, today=day)
        # ``rules.headroom``: "over" (the later candidates read) when tomorrow's limit is
        # below half a usual run in some dimension
        over += any(
            h.next_run_limit is not None
            and h.usual_run is not None
            and h.next_run_limit < OVER_SHARE * h.usual_run
            for h in rooms
        )
    print(f"{loadwatch.__file__}")
    # headroom_judged: a new run (services/incremental.py); headroom: the roll, the views
    for name, fn in (("headroom_judged", headroom_judged), ("headroom", headroom)):
        per = []
        for _ in range(args.repeat):
            t = time.process_time()
            for daily, day in cases:
                fn(daily, config, today=day)
            per.append((time.process_time() - t) / len(cases) * 1e3)
        print(
            f"{name}: {statistics.median(per):.2f} ms CPU per call "
            f"(median of {args.repeat}, min {min(per):.2f}; {len(cases)} calls each, "
            f"{over} over)"
        )


if __name__ == "__main__":
    main()
