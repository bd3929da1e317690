"""A bounded load against a running loadwatch on 127.0.0.1: concurrent uploads plus readers.

Used by ``tests/e2e/test_load.py`` (correctness under load: no 5xx but a deliberate 503 with
``Retry-After``, nothing lost, nothing duplicated) and ``benchmarks/concurrency.py`` (the same
storm, timed).  Every loop here is bounded in count; every request has a timeout.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from loadwatch.clock import utcnow
from support.api_env import gpx_run

API = "/api/v1"
MAX_TRIES = 20  # per upload, each after the server's Retry-After (capped)
TIMEOUT_S = 60.0


def distinct_runs(n: int, *, km: float = 3.0) -> list[tuple[str, bytes]]:
    """``n`` different GPX runs, one a day going back from yesterday 07:00 UTC."""
    start = utcnow().replace(hour=7, minute=0, second=0, microsecond=0)
    return [
        (f"run-{i:03d}.gpx", gpx_run(start - timedelta(days=i + 1), km + 0.1 * (i % 7)))
        for i in range(n)
    ]


@dataclass
class Call:
    what: str
    status: int  # the final status (after retrying 503s), 0 for a transport error
    seconds: float  # from the first attempt to the final answer
    statuses: list[int] = field(default_factory=list)  # every attempt's status
    retry_after_missing: int = 0  # 503s that came without Retry-After
    error: str | None = None  # the transport error, when status is 0
    body: dict[str, object] | None = None


@dataclass
class Storm:
    uploads: list[Call]
    reads: list[Call]

    def all_statuses(self) -> list[int]:
        return [s for c in self.uploads + self.reads for s in c.statuses]

    def unexpected(self) -> list[str]:
        """Attempts that are neither a success nor the deliberate 503, described."""
        return [
            f"{c.what}: {c.error or s}"
            for c in self.uploads + self.reads
            for s in c.statuses
            if s not in (200, 503)
        ]

    @staticmethod
    def percentiles(calls: Sequence[Call]) -> tuple[float, float]:
        return _p50_p99([c.seconds for c in calls])


def _with_retry(what: str, send: object) -> Call:
    assert callable(send)
    t0 = time.monotonic()
    call = Call(what, 0, 0.0)
    for _ in range(MAX_TRIES):
        try:
            r: httpx.Response = send()
        except httpx.TransportError as e:
            call.statuses.append(0)
            call.error = f"{type(e).__name__}: {e} after {time.monotonic() - t0:.1f} s"
            break
        call.statuses.append(r.status_code)
        if r.status_code != 503:
            call.status = r.status_code
            if r.headers.get("content-type", "").startswith("application/json"):
                call.body = r.json()
            break
        after = r.headers.get("retry-after")
        if after is None:
            call.retry_after_missing += 1
        time.sleep(min(float(after or 1), 2.0))
    call.seconds = time.monotonic() - t0
    return call


def storm(
    bases: Sequence[str],
    headers: dict[str, str],
    athlete_id: int,
    files: Sequence[tuple[str, bytes]],
    *,
    readers: int = 8,
    reads_each: int = 10,
) -> Storm:
    """Upload every file at once (one request each, spread over ``bases``, the API
    processes) while ``readers`` threads read the dashboard and series ``reads_each`` times."""
    uploads: list[Call] = []
    reads: list[Call] = []
    lock = threading.Lock()

    def upload(i: int, name: str, data: bytes) -> None:
        base = bases[i % len(bases)]
        with httpx.Client(base_url=base, timeout=TIMEOUT_S, headers=headers) as c:
            call = _with_retry(
                name,
                lambda: c.post(
                    f"{API}/athletes/{athlete_id}/activities",
                    files=[("files", (name, data, "application/gpx+xml"))],
                ),
            )
        with lock:
            uploads.append(call)

    def read(i: int) -> None:
        base = bases[i % len(bases)]
        paths = (f"{API}/dashboard", f"{API}/athletes/{athlete_id}/series?period=week")
        with httpx.Client(base_url=base, timeout=TIMEOUT_S, headers=headers) as c:
            for k in range(reads_each):
                path = paths[k % 2]
                call = _with_retry(path, lambda p=path: c.get(p))
                with lock:
                    reads.append(call)

    with ThreadPoolExecutor(max_workers=len(files) + readers) as pool:
        futures = [pool.submit(upload, i, n, d) for i, (n, d) in enumerate(files)]
        futures += [pool.submit(read, i) for i in range(readers)]
        for f in futures:
            f.result()
    return Storm(uploads, reads)


def concurrent_gets(bases: Sequence[str], headers: dict[str, str], path: str, n: int) -> Storm:
    """``n`` GETs of ``path`` all at once."""
    calls: list[Call] = []
    lock = threading.Lock()

    def get(i: int) -> None:
        with httpx.Client(base_url=bases[i % len(bases)], timeout=TIMEOUT_S) as c:
            call = _with_retry(path, lambda: c.get(path, headers=headers))
        with lock:
            calls.append(call)

    with ThreadPoolExecutor(max_workers=n) as pool:
        for f in [pool.submit(get, i) for i in range(n)]:
            f.result()
    return Storm([], calls)


# --- open loop: requests on a fixed schedule, whatever the answers ---------------------------
NOT_SENT = -1  # a shot whose slot never came free before its timeout


@dataclass(frozen=True)
class Shot:
    status: int  # HTTP status; 0 a transport error or timeout; NOT_SENT
    seconds: float  # from the *scheduled* send time to the answer (or the give-up)
    # How late the generator itself started the shot (its event loop busy or starved of CPU):
    # not the server's doing, though it counts in ``seconds`` all the same.
    late: float = 0.0


@dataclass
class OpenLoop:
    rate: float  # offered, requests per second
    shots: list[Shot]
    wall: float  # from the first scheduled send to the last answer
    cpu: float = 0.0  # the generator's own CPU seconds (this process) over the run

    def ok(self) -> list[Shot]:
        return [s for s in self.shots if 200 <= s.status < 300]

    def errors(self) -> dict[str, int]:
        """Counts of every outcome that is not a 2xx, by status (``503``, ``timeout``, ...)."""
        out: dict[str, int] = {}
        for s in self.shots:
            if not 200 <= s.status < 300:
                key = {0: "timeout/transport", NOT_SENT: "not sent"}.get(s.status, str(s.status))
                out[key] = out.get(key, 0) + 1
        return out

    def achieved(self) -> float:
        """2xx answers per second of wall time."""
        return len(self.ok()) / self.wall if self.wall > 0 else 0.0

    def percentiles(self) -> tuple[float, float]:
        """p50 and p99 over *every* shot, errors included at the time they took: a timeout
        counts as slow, not as absent (the tail the schedule saw)."""
        return _p50_p99([s.seconds for s in self.shots])

    def lateness(self) -> tuple[float, float]:
        """p50 and p99 of how late the generator started its shots: near zero when it kept
        its schedule; large when the generator, not the server, could not keep up."""
        return _p50_p99([s.late for s in self.shots])


def _p50_p99(seconds: Sequence[float]) -> tuple[float, float]:
    times = sorted(seconds)
    if not times:
        return (0.0, 0.0)
    return (statistics.median(times), times[min(len(times) - 1, round(0.99 * (len(times) - 1)))])


def sequential(
    base: str, headers: dict[str, str], paths: Sequence[str], *, n: int, budget_s: float = 60.0
) -> list[float]:
    """The baseline latencies: ``paths`` in turn, one request at a time on one connection,
    ``n`` of them, or fewer (at least 3) once ``budget_s`` has passed."""
    out: list[float] = []
    t0 = time.perf_counter()
    with httpx.Client(base_url=base, headers=headers, timeout=600) as c:
        for i in range(n):
            if len(out) >= 3 and time.perf_counter() - t0 > budget_s:
                break
            t = time.perf_counter()
            c.get(paths[i % len(paths)]).raise_for_status()
            out.append(time.perf_counter() - t)
    return out


def open_loop(
    bases: Sequence[str],
    headers: dict[str, str],
    paths: Sequence[str],
    *,
    rate: float,
    count: int,
    concurrency: int = 64,
    timeout_s: float = 10.0,
) -> OpenLoop:
    """``count`` GETs, the i-th scheduled at ``i / rate`` s, of ``paths[i % len(paths)]`` on
    ``bases[i % len(bases)]`` (client-side round robin), at most ``concurrency`` in flight.

    Open loop: a slow answer does not delay the next send, so a saturated server shows up as
    latency and errors instead of a politely lower rate (no coordinated omission).  Latency is
    measured from the scheduled time, so time spent waiting for a free slot counts; a shot that
    cannot start within ``timeout_s`` of its schedule is ``NOT_SENT``."""

    async def run() -> OpenLoop:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        slots = asyncio.Semaphore(concurrency)
        clients = [
            httpx.AsyncClient(base_url=b, headers=headers, timeout=timeout_s, limits=limits)
            for b in bases
        ]
        loop = asyncio.get_running_loop()
        t0 = loop.time() + 0.05

        async def shot(i: int, at: float) -> Shot:
            late = loop.time() - at
            try:
                await asyncio.wait_for(
                    slots.acquire(), timeout=max(0.0, at + timeout_s - loop.time())
                )
            except TimeoutError:
                return Shot(NOT_SENT, loop.time() - at, late)
            try:
                left = max(0.001, at + timeout_s - loop.time())
                get = clients[i % len(clients)].get(paths[i % len(paths)])
                status = (await asyncio.wait_for(get, timeout=left)).status_code
            except (httpx.HTTPError, TimeoutError):
                status = 0
            finally:
                slots.release()
            return Shot(status, loop.time() - at, late)

        tasks = []
        cpu = time.process_time()
        try:
            for i in range(count):
                at = t0 + i / rate
                await asyncio.sleep(max(0.0, at - loop.time()))
                tasks.append(asyncio.create_task(shot(i, at)))
            shots = list(await asyncio.gather(*tasks))
        finally:
            for c in clients:
                await c.aclose()
        return OpenLoop(rate, shots, loop.time() - t0, time.process_time() - cpu)

    return asyncio.run(run())
