"""The HTTP half of ``benchmarks/service.py``: an endpoint driven at a fixed rate (open loop),
reported honestly, and one request of an endpoint profiled.

Honest means:

- latency runs from each request's *scheduled* send time (``support.loadgen.open_loop``): a
  slow answer does not delay the next send, so queueing shows as latency, not as a politely
  lower rate (no coordinated omission);
- the generator shares the cores with the servers: its own lateness (how late it started its
  shots) and CPU are printed beside the figures, and a run where it could not keep its
  schedule says so instead of passing its slowness off as the server's;
- the servers' CPU per request is read from the kernel (``/proc/<pid>/stat``, every API
  process this run started), not inferred from wall time on a shared machine;
- a rate beyond the cores' capacity is driven anyway (bounded by ``--duration`` and the
  timeout) and reported as overloaded, rather than refused.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from support.loadgen import API, OpenLoop, open_loop, sequential

TICKS = os.sysconf("SC_CLK_TCK")
LATE_OK_S = 0.005  # a generator later than this at p99 did not keep its schedule


def _ms(s: float) -> str:
    return f"{s * 1000:7.1f} ms"


# --- the servers' CPU, from the kernel ----------------------------------------------------------
def server_pids(bases: Sequence[str]) -> list[int]:
    """The ``loadwatch serve`` processes this process started for ``bases`` (matched by their
    ``--port`` among our own children)."""
    ports = {b.rsplit(":", 1)[1] for b in bases}
    me = os.getpid()
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        words = [a.decode(errors="replace") for a in args]
        if ppid != me or "serve" not in words or "--port" not in words:
            continue
        if words[words.index("--port") + 1] in ports:
            found.append(int(entry.name))
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds of ``pids`` so far (threads included)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


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


def drive(
    what: str,
    bases: Sequence[str],
    headers: dict[str, str],
    paths: Sequence[str],
    rates: Sequence[float],
    args: argparse.Namespace,
) -> None:
    """A sequential baseline alone, then an open loop at each rate, round robin over
    ``bases``: p50 / p99 from the scheduled send, errors, achieved rate, the servers' CPU
    per request, and the generator's own lateness and CPU."""
    pids = server_pids(bases)
    try:
        c0 = cpu_seconds(pids)
        alone = sorted(sequential(bases[0], headers, paths, n=args.baseline))
        alone_cpu = (cpu_seconds(pids) - c0) / len(alone)
    except httpx.HTTPError as e:
        print(f"{what}: no baseline, a request alone failed ({type(e).__name__}): not driven")
        return
    base_p50 = alone[len(alone) // 2]
    print(
        f"{what}: baseline alone, {len(alone)} sequential on one connection: p50 "
        f"{_ms(base_p50)}, max {_ms(alone[-1])}; server CPU {_ms(alone_cpu)} per request",
        flush=True,
    )
    cores = os.cpu_count() or 1
    for rate in rates:
        # The work offered per second at the CPU one request costs alone: beyond the cores,
        # the run measures a queue (reported, and still driven: it is bounded by --duration).
        offered = rate * alone_cpu
        _drain(bases[0])
        count = max(1, round(rate * args.duration))
        c0 = cpu_seconds(pids)
        r: OpenLoop = open_loop(
            bases,
            headers,
            paths,
            rate=rate,
            count=count,
            concurrency=args.concurrency,
            timeout_s=args.timeout,
        )
        served = cpu_seconds(pids) - c0
        p50, p99 = r.percentiles()
        late50, late99 = r.lateness()
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(r.errors().items())) or "none"
        print(
            f"  {rate:5.0f} req/s offered, n={count}, {len(bases)} API process(es): achieved "
            f"{r.achieved():6.1f} req/s 2xx; p50 {_ms(p50)}  p99 {_ms(p99)} (from the "
            f"scheduled send; p99 x{p99 / base_p50:.1f} the baseline's p50); errors {errors}",
        )
        print(
            f"        servers' CPU {_ms(served / count)} per request ({served:.1f} CPU-s, "
            f"x{served / count / alone_cpu:.2f} alone); offered {offered:.2f} core-s/s on "
            f"{cores} cores{' (overloaded)' if offered > cores else ''}; generator: late p50 "
            f"{_ms(late50)} p99 {_ms(late99)}, CPU {_ms(r.cpu / count)} per request",
            flush=True,
        )
        if late99 > LATE_OK_S:
            print(
                f"        the generator itself could not keep the schedule (p99 late "
                f"{late99 * 1000:.0f} ms > {LATE_OK_S * 1000:.0f} ms): these latencies include "
                "its delay; run it on another machine, or a quieter one, for the server's own"
            )


# --- one request profiled -----------------------------------------------------------------------
def profile(app: Any, headers: dict[str, str], paths: dict[str, str], n: int, top: int) -> None:
    """CPU per request of each path in process (Starlette's test client: the app's thread
    pool, no sockets), beside ``/health`` (the framework's floor: routing, middleware, the
    client), and where the handler thread spends it (cProfile, loadwatch's own functions)."""
    from fastapi.testclient import TestClient

    def per_request(client: TestClient, path: str) -> float:
        for _ in range(3):
            client.get(path, headers=headers).raise_for_status()
        t = time.process_time()
        for _ in range(n):
            client.get(path, headers=headers)
        return (time.process_time() - t) / n

    with TestClient(app) as client:
        floor = per_request(client, f"{API}/health")
        cpu = {what: per_request(client, path) for what, path in paths.items()}
    print(f"  in process ({n} each; CPU per request, the test client included):")
    print(f"  {'GET /health (the floor)':40s} {_ms(floor)}")
    for what, c in cpu.items():
        print(f"  {what:40s} {_ms(c)}  ({_ms(c - floor)} above the floor)")
    for what, path in paths.items():
        prof = _thread_profile(app, headers, path, n)
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out)
        stats.sort_stats("cumulative").print_stats(r"loadwatch/(?!api/(admission|headers))", top)
        print(f"  {what}: loadwatch's functions by cumulative time ({n} requests)")
        lines = out.getvalue().splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        for line in lines[start : start + top + 1]:
            print(f"    {line}")
    print(flush=True)


def answer_cost(store: Any, athlete_id: int, n: int) -> None:
    """The series answer from its frame, as the route wrote it before (a dict per row,
    validated into ``SeriesOut``, then its JSON) and as it does now (``series_json``): CPU
    per answer, median of ``n``, same frame."""
    import polars as pl

    from loadwatch.api.routers.series import series_json
    from loadwatch.schemas.status import SeriesOut
    from loadwatch.services.views import series_and_fitness

    with store.sessions() as s:
        frame, fitness = series_and_fitness(s, athlete_id, "week")

    def before() -> bytes:
        floats = [c for c, t in frame.schema.items() if t.is_float()]
        safe = frame.with_columns(pl.col(floats).fill_nan(None))
        out = SeriesOut(
            athlete_id=athlete_id,
            period="week",
            columns=safe.columns,
            data=safe.to_dicts(),
            fitness=fitness,
            evaluating=False,
        )
        return out.model_dump_json().encode()

    def now() -> bytes:
        return series_json(athlete_id, "week", frame, fitness, False)

    assert before() == now(), "the two answers differ"
    old, new = _median_cpu(before, n), _median_cpu(now, n)
    print(
        f"  the series answer from its frame ({frame.height} weeks): SeriesOut (before) "
        f"{_ms(old)}, series_json (now) {_ms(new)}: x{new / old:.2f}"
    )


def _median_cpu(fn: Any, n: int) -> float:
    xs = []
    for _ in range(n):
        t = time.process_time()
        fn()
        xs.append(time.process_time() - t)
    return sorted(xs)[len(xs) // 2]


def _thread_profile(app: Any, headers: dict[str, str], path: str, n: int) -> cProfile.Profile:
    """Profile the app's handler threads (sync routes run in a thread pool): each new thread
    turns the profiler on for itself."""
    from fastapi.testclient import TestClient

    prof = cProfile.Profile()

    def hook(*_: object) -> None:
        sys.setprofile(None)
        prof.enable()

    threading.setprofile(hook)  # type: ignore[arg-type]
    try:
        with TestClient(app) as client:  # a new portal: new worker threads, profiled
            for _ in range(3):  # warm: first requests open connections and fill caches
                client.get(path, headers=headers)
            prof.clear()
            for _ in range(n):
                client.get(path, headers=headers)
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    return prof
