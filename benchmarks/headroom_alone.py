"""CPU time of headroom alone (``rules.headroom.headroom_judged``, what one new run asks of
it), on synthetic athletes' daily frames (``benchmarks/synthetic.py``), as of their last day.

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
from loadwatch.rules.headroom import headroom_judged


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
    for daily, day in cases:  # warm up
        headroom_judged(daily, config, today=day)
    per = []
    for _ in range(args.repeat):
        t = time.process_time()
        for daily, day in cases:
            headroom_judged(daily, config, today=day)
        per.append((time.process_time() - t) / len(cases) * 1e3)
    print(f"{loadwatch.__file__}")
    print(
        f"headroom_judged: {statistics.median(per):.2f} ms CPU per call "
        f"(median of {args.repeat}, {len(cases)} calls each)"
    )


if __name__ == "__main__":
    main()
