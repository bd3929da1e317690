"""Benchmark: one activity's detail (``GET /api/v1/activities/{id}/detail``) on the demo data.

    .venv/bin/python benchmarks/activity_detail.py [--repeat 3]

Builds the demo store (``loadwatch demo``'s import path: three athletes, 17 weeks of FIT and
GPX files) in a temporary directory, then asks the API for every activity's detail through an
in-process client, ``--repeat`` times, and prints per request the median, 95th percentile and
maximum time and the response size, then the time of the service alone (no HTTP, no JSON):
the threshold of the day, the stream read, the per-sample series, stretches and thinning.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from loadwatch import auth
from loadwatch.api.app import create_app
from loadwatch.services import activity_detail as ad
from loadwatch.services.demo import run_demo
from loadwatch.store.db import open_store
from loadwatch.store.models import Activity


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lw-detail-") as tmp:
        t0 = time.perf_counter()
        result = run_demo(Path(tmp) / "demo")
        print(f"demo store built in {time.perf_counter() - t0:.1f} s")
        store = open_store(result.settings)
        with store.transaction() as s:
            _, token = auth.create_user(s, "bench", "admin")
            rows = s.query(Activity.id, Activity.n_samples).all()
        ids = [r[0] for r in rows]
        samples = [r[1] for r in rows]
        print(
            f"{len(ids)} activities, samples per activity: median {statistics.median(samples)}, "
            f"max {max(samples)}"
        )
        headers = {"Authorization": f"Bearer {token}"}
        times: list[float] = []
        sizes: list[int] = []
        with TestClient(create_app(store, settings=result.settings)) as client:
            for _ in range(args.repeat):
                for aid in ids:
                    t = time.perf_counter()
                    r = client.get(f"/api/v1/activities/{aid}/detail", headers=headers)
                    times.append(time.perf_counter() - t)
                    assert r.status_code == 200, r.text
                    sizes.append(len(r.content))
        ms = [t * 1000 for t in times]
        print(
            f"HTTP: {len(ms)} requests, median {statistics.median(ms):.1f} ms, "
            f"p95 {_pct(ms, 0.95):.1f} ms, max {max(ms):.1f} ms; "
            f"response median {statistics.median(sizes) / 1024:.0f} KiB, "
            f"max {max(sizes) / 1024:.0f} KiB"
        )
        service: list[float] = []
        with store.sessions() as s:
            for aid in ids:
                act = s.get(Activity, aid)
                assert act is not None
                t = time.perf_counter()
                ad.activity_detail(store, s, act)
                service.append((time.perf_counter() - t) * 1000)
        print(
            f"service alone: median {statistics.median(service):.1f} ms, "
            f"p95 {_pct(service, 0.95):.1f} ms, max {max(service):.1f} ms"
        )
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
