"""A bounded load against a running loadwatch on 127.0.0.1: concurrent uploads plus readers.

Used by ``tests/test_load.py`` (correctness under load: no 5xx but a deliberate 503 with
``Retry-After``, nothing lost, nothing duplicated) and ``benchmarks/concurrency.py`` (the same
storm, timed).  Every loop here is bounded in count; every request has a timeout.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from test_api import gpx_run

API = "/api/v1"
MAX_TRIES = 20  # per upload, each after the server's Retry-After (capped)
TIMEOUT_S = 60.0


def distinct_runs(n: int, *, km: float = 3.0) -> list[tuple[str, bytes]]:
    """``n`` different GPX runs, one a day going back from yesterday 07:00 UTC."""
    start = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
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
        times = sorted(c.seconds for c in calls)
        if not times:
            return (0.0, 0.0)
        p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
        return (statistics.median(times), p99)


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
                call = _with_retry(path, lambda p=path: c.get(p))  # type: ignore[misc]
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
