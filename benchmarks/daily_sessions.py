"""CPU time of ``daily_frame`` over three years of runs (one a day, six days a week, a second
run on Saturdays): the cost of joining recordings into sessions (docs/rules.md, "One run in
several recordings").  Run it against main's source and this one, alternated:

    PYTHONPATH=/tmp/base/src .venv/bin/python benchmarks/daily_sessions.py
    PYTHONPATH=src .venv/bin/python benchmarks/daily_sessions.py
"""

from __future__ import annotations

import sys
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from loadwatch.analytics.daily import daily_frame
from support.activity_builder import activity, frame

D = date(2023, 1, 2)
rows = []
for i in range(3 * 365):
    if i % 7 == 6:
        continue
    rows.append(activity(D + timedelta(days=i), 8.0 + i % 5, local_time=clock(7, 0)))
    if i % 7 == 5:
        rows.append(activity(D + timedelta(days=i), 6.0, local_time=clock(8, 30)))
acts = frame(rows)
for _ in range(5):
    daily_frame(acts, tz="UTC", fast_speed_mps=None)
n = 60
c = time.process_time()
for _ in range(n):
    daily_frame(acts, tz="UTC", fast_speed_mps=None)
ms = (time.process_time() - c) / n * 1000
print(f"{ms:.2f} ms CPU per daily_frame, {acts.height} activities")
