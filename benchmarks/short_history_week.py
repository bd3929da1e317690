"""How well a short record estimates the usual week before a break (docs/rules.md, "A short
history before a break").

    .venv/bin/python benchmarks/short_history_week.py

For every break (14 days or more without running) of the synthetic population with 56 days or
more on record before it, the true week (the load of the 28 days ending on the last run before
the break, / 4) against two estimates from a record that starts at the first run in the last
``n`` days: the days on record scaled to 7 days, and the load of the whole weeks on record
(``judging.pre_break_load``).  Prints the median error and the share more than 25 % over.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from synthetic import Kind, population

LENGTHS = (7, 10, 14, 18, 21, 24, 27)


def errors(kind: Kind, athletes: int, years: int, seed: int) -> dict[tuple[str, int], list[float]]:
    acts = population(0, athletes, years, seed, kind=kind).filter(pl.col("sport") == "running")
    days = acts.select(
        "athlete", pl.col("start_time").dt.date().alias("d"), (pl.col("distance_m") / 1000)
    )
    out: dict[tuple[str, int], list[float]] = {}
    for _, g in days.group_by("athlete"):
        g = g.group_by("d").agg(pl.col("distance_m").sum()).sort("d")
        day = np.array([(x - g["d"][0]).days for x in g["d"]])
        daily = np.zeros(day.max() + 1)
        daily[day] = g["distance_m"].to_numpy()
        for i in range(len(day) - 1):
            last = int(day[i])
            if day[i + 1] - last - 1 < 14 or last < 56:
                continue
            true = daily[last - 27 : last + 1].sum() / 4
            for n in LENGTHS:
                s = last - n + 1
                while daily[s] == 0:  # a record starts on its first run
                    s += 1
                m = last - s + 1
                load = daily[s : last + 1].sum()
                for name, span in (("days x 7 / n", m), ("whole weeks", -(-m // 7) * 7)):
                    out.setdefault((name, n), []).append(load * 7 / span / true - 1)
    return out


def main() -> None:
    for kind in ("competitive", "recreational"):
        errs = errors(kind, 60, 3, 16)
        print(f"\n{kind}: {len(errs['whole weeks', 7])} breaks")
        for name in ("days x 7 / n", "whole weeks"):
            cells = []
            for n in LENGTHS:
                e = np.array(errs[name, n]) * 100
                cells.append(f"{n}d {np.median(e):+4.0f} % ({np.mean(e > 25) * 100:2.0f} %)")
            print(f"  {name:<13} " + "  ".join(cells))


if __name__ == "__main__":
    main()
