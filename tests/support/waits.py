"""Opt-in plugin: how long each test waits rather than computes, on a busy machine too.

    pytest -p support.waits tests/api            # writes waits.jsonl (LOADWATCH_WAITS_OUT)

Per test (setup, call and teardown): the wall time, this process's CPU (all its threads),
the CPU of the subprocesses it reaped, and the time its main thread sat runnable in the run
queue (``/proc/thread-self/schedstat``: the machine's other load).  What is left, ``wait``, is
time spent blocked: sleeps, polling, sockets, PostgreSQL's server side (including its disk
syncs), processes not yet reaped.  That is what a faster machine does not shorten, and what
the suite's wall time is made of beyond its CPU divided by the cores.  Linux only."""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Generator
from pathlib import Path

import pytest

OUT = os.environ.get("LOADWATCH_WAITS_OUT", "waits.jsonl")


def _now() -> tuple[float, float, float, float]:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    run_queue_ns = int(Path("/proc/thread-self/schedstat").read_text().split()[1])
    return (
        time.perf_counter(),
        time.process_time(),
        kids.ru_utime + kids.ru_stime,
        run_queue_ns / 1e9,
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    before = _now()
    yield
    wall, cpu, children, queued = (b - a for a, b in zip(before, _now(), strict=True))
    row = {
        "test": item.nodeid,
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "-"),
        "wall": round(wall, 3),
        "cpu": round(cpu, 3),
        "children": round(children, 3),
        "run_queue": round(queued, 3),
        "wait": round(wall - cpu - children - queued, 3),
    }
    with Path(OUT).open("a") as f:
        f.write(json.dumps(row) + "\n")
