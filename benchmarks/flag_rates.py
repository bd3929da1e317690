"""Flags per athlete-year on a synthetic population: how often loadwatch speaks.

    .venv/bin/python benchmarks/flag_rates.py                     # 50 athletes x 3 years
    PYTHONPATH=/path/to/other/src .venv/bin/python benchmarks/flag_rates.py   # another version

Each athlete (fixed seed) trains in 4-week blocks (three build weeks of +3..8 %, a cut-back
week of -25 %) around a base of 20-70 km a week, 3-6 runs a week with a long run of about 30 %,
day-to-day noise of +-10 %, their own climbing (5-25 m/km; uphill km = 10 m per metre climbed)
and fast share (5-15 %).  Each year brings 1-2 breaks of 14-42 days (70 % come back gradually
at 50 / 65 / 80 / 95 % of the pre-break week, 30 % straight back at full volume) and about two
spikes (a long run of 1.4-1.6x).  Prints flags per athlete-year by rule and severity, and the
episodes they form (``rules.episodes``; read from this checkout when the version measured does
not have it, so both versions are grouped by the same rule).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType

import numpy as np
import polars as pl

from loadwatch.analytics.daily import daily_panel
from loadwatch.analytics.schema import ACTIVITY_FRAME_SCHEMA
from loadwatch.rules import RuleConfig
from loadwatch.rules.engine import flag_panel

START = date(2023, 1, 2)  # a Monday
SHARES = {
    3: (0.0, 0.3, 0.0, 0.3, 0.0, 0.0, 0.4),
    4: (0.0, 0.22, 0.0, 0.22, 0.0, 0.2, 0.36),
    5: (0.0, 0.2, 0.15, 0.2, 0.0, 0.15, 0.3),
    6: (0.1, 0.18, 0.14, 0.18, 0.0, 0.12, 0.28),
}


def _episodes_module() -> ModuleType:
    try:
        from loadwatch.rules import episodes

        return episodes
    except ImportError:
        path = Path(__file__).resolve().parents[1] / "src/loadwatch/rules/episodes.py"
        spec = importlib.util.spec_from_file_location("_episodes", path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules["_episodes"] = mod
        spec.loader.exec_module(mod)
        return mod


@dataclass(frozen=True)
class _Flag:
    date: date
    rule: str
    dimension: str
    severity: str
    ratio: float
    threshold: float
    message: str


def weekly_plan(rng: np.random.Generator, n_weeks: int) -> np.ndarray:
    """Weekly volumes (km): build blocks, breaks with graded or abrupt returns."""
    base = rng.uniform(20, 70)
    vols = np.zeros(n_weeks)
    level = base
    w = 0
    while w < n_weeks:
        block = w % 4
        if block < 3:
            level *= 1 + rng.uniform(0.03, 0.08)
            vols[w] = level
        else:
            vols[w] = level * 0.75
        level = min(level, base * 1.6)
        if block == 3 and level > base * 1.4:
            level = base  # a new season starts lower
        w += 1
    years = n_weeks // 52
    for y in range(years):
        for _ in range(rng.integers(1, 3)):
            start = y * 52 + int(rng.integers(6, 46))
            off = int(rng.integers(2, 7))  # weeks (14-42 days, with the partial weeks)
            pre = vols[max(0, start - 4) : start].mean() if start > 0 else base
            vols[start : start + off] = 0
            back = start + off
            if rng.random() < 0.7:
                for i, share in enumerate((0.5, 0.65, 0.8, 0.95)):
                    if back + i < n_weeks:
                        vols[back + i] = pre * share
    return vols


def athlete_activities(aid: int, years: int) -> list[dict[str, object]]:
    rng = np.random.default_rng(1000 + aid)
    n_weeks = 52 * years
    vols = weekly_plan(rng, n_weeks)
    runs_per_week = int(rng.integers(3, 7))
    shares = SHARES[runs_per_week]
    climb_per_km = rng.uniform(5, 25)
    fast_share = rng.uniform(0.05, 0.15)
    spikes = set(rng.choice(n_weeks, size=2 * years, replace=False).tolist())
    rows: list[dict[str, object]] = []
    for w, vol in enumerate(vols):
        for d, share in enumerate(shares):
            km = vol * share * rng.uniform(0.9, 1.1)
            if km <= 0.5:
                continue
            if w in spikes and d == 6:
                km *= rng.uniform(1.4, 1.6)
            day = START + timedelta(days=7 * w + d)
            climb = km * climb_per_km * rng.uniform(0.7, 1.3)
            rows.append(
                {
                    "activity_id": len(rows) + 1,
                    "start_time": datetime.combine(day, datetime.min.time(), tzinfo=UTC)
                    + timedelta(hours=7),
                    "utc_offset_s": 0,
                    "sport": "running",
                    "distance_m": km * 1000,
                    "moving_time_s": km * 330,
                    "elevation_gain_m": climb,
                    "elevation_loss_m": climb,
                    "gap_distance_m": km * 1000 + 8 * climb,
                    "uphill_distance_m": climb * 10,
                    "downhill_distance_m": climb * 10,
                    "fast_distance_m": km * 1000 * fast_share * rng.uniform(0.5, 1.5),
                    "speed_hist_m": None,
                }
            )
    return rows


def population(n: int, years: int) -> pl.DataFrame:
    frames = []
    for aid in range(n):
        rows = athlete_activities(aid, years)
        df = pl.DataFrame(
            [{c: r.get(c) for c in ACTIVITY_FRAME_SCHEMA} for r in rows],
            schema=ACTIVITY_FRAME_SCHEMA,
        )
        frames.append(df.with_columns(pl.lit(aid, pl.Int64).alias("athlete")))
    return pl.concat(frames).select("athlete", pl.exclude("athlete"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--athletes", type=int, default=50)
    ap.add_argument("--years", type=int, default=3)
    args = ap.parse_args()
    acts = population(args.athletes, args.years)
    daily = daily_panel(acts, key="athlete", tz="UTC", fast_speed_mps=None)
    flags = flag_panel(daily, RuleConfig(), key="athlete")
    athlete_years = args.athletes * args.years
    print(f"{args.athletes} athletes x {args.years} years: {athlete_years} athlete-years")
    counts = Counter(
        (r["rule"], "alert" if r["level"] == 2 else "caution", r["dimension"])
        for r in flags.iter_rows(named=True)
    )
    print(f"{'rule':<20} {'severity':<8} " + " ".join(f"{d:>9}" for d in _dims(counts)) + "  total")
    for rule in sorted({k[0] for k in counts}):
        for sev in ("caution", "alert"):
            per = [counts.get((rule, sev, d), 0) / athlete_years for d in _dims(counts)]
            if sum(per):
                cells = " ".join(f"{x:9.2f}" for x in per)
                print(f"{rule:<20} {sev:<8} {cells}  {sum(per):5.2f}")
    total = flags.height / athlete_years
    alerts = flags.filter(pl.col("level") == 2).height / athlete_years
    ep = _episodes_module()
    n_ep = n_ep_alert = 0
    for (_aid,), part in flags.group_by(["athlete"]):
        recs = [
            _Flag(
                r["date"],
                r["rule"],
                r["dimension"],
                "alert" if r["level"] == 2 else "caution",
                r["ratio"],
                r["threshold"],
                "",
            )
            for r in part.iter_rows(named=True)
        ]
        eps = ep.episodes(recs)
        n_ep += len(eps)
        n_ep_alert += sum(e.severity == "alert" for e in eps)
    print(f"flags per athlete-year: {total:.2f} ({alerts:.2f} alerts)")
    print(
        f"episodes per athlete-year: {n_ep / athlete_years:.2f} "
        f"({n_ep_alert / athlete_years:.2f} with an alert)"
    )


def _dims(counts: Counter[tuple[str, str, str]]) -> list[str]:
    order = ["distance", "speed", "hills", "uphill"]
    present = {k[2] for k in counts}
    return [d for d in order if d in present]


if __name__ == "__main__":
    main()
