"""The API under an open-loop load: the coach's dashboard and an athlete's series, on real
``loadwatch serve`` processes on 127.0.0.1.

    .venv/bin/python benchmarks/service.py [--athletes 1000] [--days 365] [--rates 50,100,200]
        [--duration 10] [--concurrency 64] [--timeout 10] [--postgres URL]

1. Seeds ``--athletes`` runners × ``--days`` days of running (the synthetic athletes of
   ``benchmarks/synthetic.py``) through the store's repositories - a source file per athlete
   and activity rows with the summary fields an import writes - then evaluates every athlete
   with ``services.evaluation.evaluate_athlete`` (so flags and whatever evaluation
   precomputes exist), and adds a coach linked to all of them.  Prints how long each took.
2. Starts ``loadwatch serve`` (SQLite), or two ``serve --no-scheduler`` behind a client-side
   round robin (``--postgres``: a scratch schema, dropped afterwards).
3. Per endpoint: the baseline (the same requests alone, one after the other), then per rate an
   open loop (``tests/loadgen.open_loop``): ``rate × duration`` requests on a fixed schedule
   whatever the answers, at most ``--concurrency`` in flight, each given up after
   ``--timeout`` s from its scheduled time.  Prints p50 / p99 (from the scheduled time, errors
   counted at the time they took), the achieved rate of 2xx, the errors by kind (503 is the
   server's admission saying "busy"), and the ratios to the baseline.

A rate whose offered work (rate × baseline latency) exceeds ``--max-overload`` times the
machine's cores is not driven (say ``--max-overload 1e9`` to drive it anyway): it could only
measure a queue, and every request the server admitted keeps a core busy after the client
gave up.  Series requests rotate over the athletes, so no answer is served from one warm row.
Activities carry a stored ``fast_distance_m`` and no speed histograms (see
``benchmarks/synthetic.py``).  The load generator runs on the same cores as the server.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


from synthetic import synthetic, write_athletes

from loadwatch import auth
from loadwatch.config import Settings
from loadwatch.services.evaluation import evaluate_athlete
from loadwatch.store import activities as activity_store
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store, open_store
from support.live import cli_env, scratch_schema, serve
from support.loadgen import API, OpenLoop, open_loop, sequential

CHUNK = 100  # athletes generated and written per transaction


def seed(store: Store, n: int, days: int) -> tuple[list[int], str]:
    """``n`` athletes with ``days`` days of history ending yesterday, evaluated; a coach linked
    to all of them.  Returns the athlete ids and the coach's token."""
    start = datetime.now(UTC).date() - timedelta(days=days)
    t = time.perf_counter()
    ids: list[int] = []
    for lo in range(0, n, CHUNK):
        acts = synthetic(lo, min(CHUNK, n - lo), 1, seed=lo, start=start, days=days)
        with store.transaction() as s:
            ids += write_athletes(s, acts)
    written = time.perf_counter() - t
    with store.sessions() as s:
        n_acts = sum(st.count for st in activity_store.activity_stats(s).values())
    t = time.perf_counter()
    n_flags = sum(len(evaluate_athlete(store, aid).new_flag_ids) for aid in ids)
    evaluated = time.perf_counter() - t
    with store.transaction() as s:
        coach, token = auth.create_user(s, "bench-coach", "coach")
        for aid in ids:
            auth.link_coach(s, coach, athlete_store.get_athlete(s, aid))
    print(
        f"seeded {len(ids)} athletes x {days} days: {n_acts:,} activities written in "
        f"{written:.1f} s; evaluated in {evaluated:.1f} s ({evaluated / len(ids) * 1000:.0f} ms "
        f"per athlete, {n_flags:,} flags)",
        flush=True,
    )
    return ids, token


def _drain(base: str, limit_s: float = 300.0) -> None:
    """Wait until the server answers a health check promptly again: work it admitted during
    the previous step must not leak into the next one."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        t = time.perf_counter()
        try:
            httpx.get(f"{base}{API}/health", timeout=limit_s).raise_for_status()
        except httpx.HTTPError:
            pass
        else:
            if time.perf_counter() - t < 0.2:
                return
        time.sleep(1.0)


def _ms(s: float) -> str:
    return f"{s * 1000:8.1f} ms"


def drive(
    what: str,
    bases: Sequence[str],
    headers: dict[str, str],
    paths: Sequence[str],
    args: argparse.Namespace,
) -> None:
    try:
        alone = sorted(sequential(bases[0], headers, paths, n=args.baseline))
    except httpx.HTTPError as e:
        print(f"{what}: no baseline, a request alone failed ({type(e).__name__}): not driven")
        return
    base_p50 = alone[len(alone) // 2]
    print(
        f"{what}: baseline alone, {len(alone)} sequential: p50 {_ms(base_p50)}, "
        f"max {_ms(alone[-1])}",
        flush=True,
    )
    cores = os.cpu_count() or 1
    for rate in args.rates:
        offered = rate * base_p50
        if offered > args.max_overload * cores:
            print(
                f"  {rate:5.0f} req/s: not driven: {rate} x {base_p50:.3f} s = {offered:.0f} "
                f"core-s of work per second, > {args.max_overload:g} x {cores} cores"
            )
            continue
        _drain(bases[0])
        count = max(1, round(rate * args.duration))
        r: OpenLoop = open_loop(
            bases,
            headers,
            paths,
            rate=rate,
            count=count,
            concurrency=args.concurrency,
            timeout_s=args.timeout,
        )
        p50, p99 = r.percentiles()
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(r.errors().items())) or "none"
        print(
            f"  {rate:5.0f} req/s offered, n={count}: achieved {r.achieved():6.1f} req/s 2xx; "
            f"p50 {_ms(p50)}  p99 {_ms(p99)}  (p50 x{p50 / base_p50:.1f}, p99 "
            f"x{p99 / base_p50:.1f} the baseline); errors {errors}",
            flush=True,
        )


def run(label: str, database_url: str | None, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        data = Path(tmp) / "data"
        store = open_store(Settings(data_dir=data, database_url=database_url))
        try:
            ids, token = seed(store, args.athletes, args.days)
        finally:
            store.close()
        extra = {"LOADWATCH_DATABASE_URL": database_url} if database_url else {}
        env = cli_env(data, **extra)
        if database_url:
            bases = [stack.enter_context(serve(env, "--no-scheduler")) for _ in range(2)]
        else:
            bases = [stack.enter_context(serve(env))]
        print(f"{label}: {len(bases)} API process(es) at {', '.join(bases)}", flush=True)
        h = {"Authorization": f"Bearer {token}"}
        dash = f"{API}/dashboard"
        first = httpx.get(bases[0] + dash, headers=h, timeout=600)
        first.raise_for_status()
        assert len(first.json()["data"]) == len(ids), "the coach must see every athlete"
        drive("GET /dashboard", bases, h, [dash], args)
        series = [f"{API}/athletes/{aid}/series?period=week" for aid in ids]
        drive("GET /athletes/{id}/series?period=week", bases, h, series, args)
        print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--athletes", type=int, default=1000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument(
        "--rates", type=lambda v: [float(x) for x in v.split(",")], default=[50.0, 100.0, 200.0]
    )
    ap.add_argument("--duration", type=float, default=10.0, help="seconds of load per rate")
    ap.add_argument("--concurrency", type=int, default=64, help="requests in flight at most")
    ap.add_argument("--timeout", type=float, default=10.0, help="s from the scheduled send")
    ap.add_argument("--baseline", type=int, default=20, help="sequential requests alone")
    ap.add_argument("--max-overload", type=float, default=4.0)
    ap.add_argument("--postgres", help="PostgreSQL URL: two API processes, round robin")
    args = ap.parse_args()
    if args.postgres:
        with scratch_schema(args.postgres) as url:
            run("PostgreSQL", url, args)
    else:
        run("SQLite", None, args)


if __name__ == "__main__":
    main()
