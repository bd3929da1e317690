"""What the check-in and session RPE cost a request, against the status route as baseline.

    .venv/bin/python benchmarks/checkin.py [YEARS] [REPEATS]

An athlete with YEARS (default 3) of runs logged five days a week, each with an RPE, evaluated
once; then, in process over SQLite, the median of REPEATS (default 15) calls of: GET status
(baseline: the stored view plus, since 0004, the effort line), GET the check-in view, POST a
check-in (entry + RPE + re-evaluation request), and GET the daily series with its sRPE columns.
Ratios are against the status call measured in the same run.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.clock import local_today
from loadwatch.config import Settings
from loadwatch.services.csv_import import import_log
from loadwatch.services.evaluation import drain_pending
from loadwatch.store.athletes import get_or_create_athlete
from loadwatch.store.db import Store


def _median_ms(call: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        call()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _effort(store: Store, athlete_id: int) -> object:
    from loadwatch.services.athletes import get_athlete
    from loadwatch.services.effort import effort_status

    with store.sessions() as s:
        a = get_athlete(s, athlete_id)
        return effort_status(s, a, local_today(a.timezone))


def main(years: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        settings = Settings(data_dir=data)
        store = Store(settings.db_url, data)
        today = local_today("UTC")
        rows = ["date,distance_km,duration,rpe"]
        for back in range(years * 365, 0, -1):
            if back % 7 not in (2, 5):
                rows.append(f"{today - timedelta(days=back)},8,42:00,{4 + back % 4}")
        with store.transaction() as s:
            a = get_or_create_athlete(s, "Bench", "UTC")
            aid = a.id
            _, token = auth.create_user(s, "coach", "admin")
        import_log(store, aid, ("\n".join(rows) + "\n").encode(), "log.csv")
        drain_pending(store)
        app = create_app(store, settings=settings)
        h = {"Authorization": f"Bearer {token}"}
        with TestClient(app) as c:
            view = c.get(f"/api/v1/athletes/{aid}/checkin", headers=h).json()
            run_id = view["run"]["activity_id"]
            body = {"activity_id": run_id, "pain_after": 2, "rpe": 6}
            base = _median_ms(lambda: c.get(f"/api/v1/athletes/{aid}/status", headers=h), repeats)
            cases = {
                "GET checkin view": lambda: c.get(f"/api/v1/athletes/{aid}/checkin", headers=h),
                "POST checkin": lambda: c.post(
                    f"/api/v1/athletes/{aid}/checkin", json=body, headers=h
                ),
                # The same re-evaluation after a symptom entry, before the check-in existed.
                "POST symptoms": lambda: c.post(
                    f"/api/v1/athletes/{aid}/symptoms",
                    json={"date": view["run"]["date"], "pain_after": 2},
                    headers=h,
                ),
                "GET series?period=day": lambda: c.get(
                    f"/api/v1/athletes/{aid}/series?period=day", headers=h
                ),
                "effort_status() alone": lambda: _effort(store, aid),
            }
            print(f"{len(rows) - 1} runs over {years} years; median of {repeats}")
            print(f"  {'GET status (baseline)':<24} {base:8.1f} ms   1.00x")
            for name, call in cases.items():
                ms = _median_ms(call, repeats)
                print(f"  {name:<24} {ms:8.1f} ms   {ms / base:.2f}x")
        store.close()


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 3,
        int(sys.argv[2]) if len(sys.argv) > 2 else 15,
    )
