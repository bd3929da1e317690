"""Concurrency: the load of tests/e2e/test_load.py, timed, on real processes on 127.0.0.1.

    .venv/bin/python benchmarks/concurrency.py [--postgres URL] [--uploads 50] [--series 64]

SQLite: one ``loadwatch serve``; PostgreSQL: two ``serve --no-scheduler`` and one
``loadwatch scheduler``.  Prints, per database, the uploads confirmed / refused / failed, p50 and
p99 of uploads, readers and 64 concurrent series requests, each also as a ratio to the same
request made alone in the same run (the baseline).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.live import cli_env, command, run_cli, scratch_schema, serve
from support.loadgen import API, Storm, concurrent_gets, distinct_runs, storm


def _row(what: str, calls: Storm, kind: str, alone: float) -> str:
    got = calls.uploads if kind == "uploads" else calls.reads
    p50, p99 = Storm.percentiles(got)
    return (
        f"  {what:<22} n={len(got):<4} p50 {p50 * 1000:7.0f} ms  p99 {p99 * 1000:7.0f} ms"
        f"   (alone {alone * 1000:5.0f} ms: p50 ×{p50 / alone:5.1f}, p99 ×{p99 / alone:5.1f})"
    )


def run(label: str, extra: dict[str, str], n_uploads: int, n_series: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        env = cli_env(Path(tmp) / "data", LOADWATCH_EVALUATE_INTERVAL_S="1", **extra)
        token = run_cli("user", "add", "bench", "--role", "admin", env=env).stdout.split()[-1]
        h = {"Authorization": f"Bearer {token}"}
        if "LOADWATCH_DATABASE_URL" in extra:
            bases = [stack.enter_context(serve(env, "--no-scheduler")) for _ in range(2)]
            log = (Path(tmp) / "data" / "scheduler.log").open("w")
            sched = subprocess.Popen([*command(env), "scheduler"], env=env, stdout=log, stderr=log)
            stack.callback(sched.wait, 20)
            stack.callback(sched.terminate)
        else:
            bases = [stack.enter_context(serve(env))]
        aid = httpx.post(f"{bases[0]}{API}/athletes", json={"name": "A"}, headers=h).json()["id"]
        files = distinct_runs(n_uploads + 1)
        # Baselines, measured alone in this run.
        t = time.monotonic()
        one = httpx.post(
            f"{bases[0]}{API}/athletes/{aid}/activities",
            files=[("files", files[-1])],
            headers=h,
            timeout=60,
        )
        upload_alone = time.monotonic() - t
        assert one.status_code == 200, one.text
        series = f"{API}/athletes/{aid}/series?period=week"
        t = time.monotonic()
        httpx.get(bases[0] + series, headers=h, timeout=60).raise_for_status()
        series_alone = time.monotonic() - t

        t = time.monotonic()
        s = storm(bases, h, aid, files[:-1], readers=8, reads_each=10)
        wall = time.monotonic() - t
        gets = concurrent_gets(bases, h, series, n_series)
        confirmed = sum(c.status == 200 for c in s.uploads)
        refused = sum(c.status in (413, 422) for c in s.uploads)
        retried = sum(503 in c.statuses for c in s.uploads + s.reads)
        print(f"{label}: {len(bases)} API process(es)")
        print(
            f"  uploads {len(files) - 1}: confirmed {confirmed}, refused {refused}, "
            f"failed {len(files) - 1 - confirmed - refused}; 503+Retry-After seen by "
            f"{retried} request(s); other 5xx/errors {len(s.unexpected() + gets.unexpected())}"
            f"; storm wall {wall:.1f} s"
        )
        print(_row("uploads", s, "uploads", upload_alone))
        print(_row("readers (dash+series)", s, "reads", series_alone))
        print(_row(f"{n_series} series at once", gets, "reads", series_alone))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--postgres", help="also run on this PostgreSQL URL")
    ap.add_argument("--uploads", type=int, default=50)
    ap.add_argument("--series", type=int, default=64)
    a = ap.parse_args()
    run("SQLite", {}, a.uploads, a.series)
    if a.postgres:
        with scratch_schema(a.postgres) as url:
            run("PostgreSQL", {"LOADWATCH_DATABASE_URL": url}, a.uploads, a.series)


if __name__ == "__main__":
    main()
