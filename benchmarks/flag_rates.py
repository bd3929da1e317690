"""Flags per athlete-year on realistic synthetic training: how often loadwatch speaks.

    .venv/bin/python benchmarks/flag_rates.py                     # 60 athletes x 3 years each
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/flag_rates.py   # another version
    .venv/bin/python benchmarks/flag_rates.py --short-history     # histories cut before a break

Two populations (``benchmarks/synthetic.py``: competitive runners 5–7 days a week with quality
sessions, races, tapers, illness gaps and missing uploads; recreational runners 2–4 runs a
week), each athlete with a fixed seed.  Prints, per population and per athlete-year: flags by
rule and severity, the alerts, the flag clusters and alert clusters (flags, or alerts, of one
athlete no more than ``CLUSTER_GAP_DAYS`` apart are one cluster: one conversation with the
coach) and the days that carry a flag.  The budget (docs/rules.md): at most 4 alert clusters
and 12 flag clusters per athlete-year.
"""

from __future__ import annotations

import argparse
from collections import Counter

import polars as pl
from synthetic import Kind, population

from loadwatch.analytics.daily import daily_panel
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import flag_panel

CLUSTER_GAP_DAYS = 7
BUDGET = {"alert clusters": 4.0, "flag clusters": 12.0}
DIMS = ("distance", "speed", "hills", "uphill")


def clusters(flags: pl.DataFrame) -> int:
    """Chains of one athlete's flag days, each no more than ``CLUSTER_GAP_DAYS`` after the
    one before."""
    if flags.is_empty():
        return 0
    days = flags.select("athlete", "date").unique().sort("athlete", "date")
    starts = days.with_columns(
        (
            (pl.col("date").diff().over("athlete").dt.total_days() > CLUSTER_GAP_DAYS)
            | pl.col("date").diff().over("athlete").is_null()
        ).alias("new")
    )
    return int(starts["new"].sum())


def short_histories(acts: pl.DataFrame) -> pl.DataFrame:
    """Each athlete's activities from 7 to 27 days (by athlete) before the last run ahead of
    its first break (14 days or more without running) that comes 28 days or more into its
    record: a history shorter than the return's 28-day pre-break window (docs/rules.md, "A
    short history before a break").  Athletes without such a break are left out."""
    day = pl.col("start_time").dt.date()
    runs = (
        acts.filter(pl.col("sport") == "running")
        .select("athlete", day.alias("d"))
        .unique()
        .sort("athlete", "d")
    )
    off = (pl.col("d").shift(-1).over("athlete") - pl.col("d")).dt.total_days() - 1
    into = (pl.col("d") - pl.col("d").min().over("athlete")).dt.total_days()
    cuts = (
        runs.filter((off >= 14) & (into >= 28))
        .group_by("athlete")
        .agg(pl.col("d").min().alias("last"))
        .select(
            "athlete",
            (pl.col("last") - pl.duration(days=6 + pl.col("athlete") % 21)).alias("cut"),
        )
    )
    return acts.join(cuts, on="athlete").filter(day >= pl.col("cut")).drop("cut")


def measure(
    kind: Kind, athletes: int, years: int, seed: int, *, short: bool = False
) -> dict[str, float]:
    acts = population(0, athletes, years, seed, kind=kind)
    if short:
        acts = short_histories(acts)
    daily = daily_panel(acts, key="athlete", tz="UTC", fast_speed_mps=None)
    flags = flag_panel(daily, RuleConfig(), key="athlete")
    ay = athletes * years
    print(f"\n{kind}: {athletes} athletes x {years} years = {ay} athlete-years")
    if short:
        print(f"  (short histories: {acts['athlete'].n_unique()} athletes, cut before a break)")
    counts = Counter(
        (r["rule"], "alert" if r["level"] == 2 else "caution", r["dimension"])
        for r in flags.iter_rows(named=True)
    )
    print(f"  {'rule':<20} {'severity':<8} " + " ".join(f"{d:>9}" for d in DIMS) + "  total")
    for rule in sorted({k[0] for k in counts}):
        for sev in ("caution", "alert"):
            per = [counts.get((rule, sev, d), 0) / ay for d in DIMS]
            if sum(per):
                cells = " ".join(f"{x:9.2f}" for x in per)
                print(f"  {rule:<20} {sev:<8} {cells}  {sum(per):5.2f}")
    alerts = flags.filter(pl.col("level") == 2)
    out = {
        "flags": flags.height / ay,
        "alerts": alerts.height / ay,
        "flag clusters": clusters(flags) / ay,
        "alert clusters": clusters(alerts) / ay,
        "days with a flag": flags.select("athlete", "date").n_unique() / ay if flags.height else 0,
    }
    for name, value in out.items():
        limit = BUDGET.get(name)
        verdict = "" if limit is None else ("  ok" if value <= limit else f"  OVER {limit:g}")
        print(f"  {name + ' per athlete-year:':<36} {value:6.2f}{verdict}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--athletes", type=int, default=60)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument(
        "--short-history",
        action="store_true",
        help="cut each history to start 7-27 days before a break (short_histories)",
    )
    args = ap.parse_args()
    for kind in ("competitive", "recreational"):
        measure(kind, args.athletes, args.years, args.seed, short=args.short_history)


if __name__ == "__main__":
    main()
