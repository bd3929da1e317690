"""The pre-flight check's cost against one evaluation of the same history (docs/planning.md).

    .venv/bin/python benchmarks/preflight.py [WEEKS] [REPEATS]

A history of WEEKS weeks (default 26) and a planned week of four sessions, two of which trip
a rule (a long run 40 % over the 30-day longest, an interval session with twice the fast km),
so the check searches two suggestions.  Printed: the median seconds of one rules evaluation
of the history (``rules.engine.evaluate``, the baseline measured in the same run), of the
check without suggestions (the ``plan.at_risk`` path), of the full check, and their ratios.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loadwatch.analytics.daily import daily_frame
from loadwatch.rules.config import RuleConfig
from loadwatch.rules.engine import evaluate
from loadwatch.rules.planned import PlannedRun
from loadwatch.rules.preflight import History, check
from support.activity_builder import frame, weeks


def _median(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main(n_weeks: int = 26, repeats: int = 5) -> None:
    monday = date(2026, 1, 5)
    volumes = [40.0 + (w % 4) * 4 for w in range(n_weeks)]
    acts = frame(weeks(monday, volumes))
    today = monday + timedelta(weeks=n_weeks) - timedelta(days=1)
    daily = daily_frame(acts, tz="UTC", fast_speed_mps=None, end=today)
    h = History(daily, RuleConfig(), [], [], today)
    longest = float(daily.tail(30)["longest_run_km"].max())  # type: ignore[arg-type]
    week = [
        PlannedRun(today + timedelta(days=2), 8.0, kind="easy"),
        PlannedRun(today + timedelta(days=3), 10.0, 4.0, kind="intervals"),
        PlannedRun(today + timedelta(days=5), 6.0, kind="easy"),
        PlannedRun(today + timedelta(days=7), round(longest * 1.4, 1), kind="long"),
    ]
    base = _median(lambda: evaluate(daily, h.config), repeats)
    quick = _median(lambda: check(h, week, suggestions=False), repeats)
    full = _median(lambda: check(h, week), repeats)
    result = check(h, week)
    for s in result.sessions:
        print(s.sentence)
    print(f"history: {n_weeks} weeks, {daily.height} days; planned: {len(week)} sessions")
    print(f"evaluate (baseline):        {base * 1000:8.1f} ms")
    print(f"check, verdicts only:       {quick * 1000:8.1f} ms  ({quick / base:.1f}x baseline)")
    print(f"check with suggestions:     {full * 1000:8.1f} ms  ({full / base:.1f}x baseline)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
