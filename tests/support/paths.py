"""Where things are (the repository, the corpus) and what every worker shares: paths,
the corpus's manifests, the awkward days, a world built once per run."""

from __future__ import annotations

import csv
import fcntl
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]


CORPUS = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))


HAVE_CORPUS = (CORPUS / "MANIFEST.csv").is_file()


CORPUS_SKIP = (
    f"corpus not found at {CORPUS} (set LOADWATCH_CORPUS or put ../shared beside the repo)"
)


def corpus_manifest() -> list[dict[str, str]]:
    """Rows of MANIFEST.csv; [] when the corpus is absent (parametrised tests then skip)."""
    if not HAVE_CORPUS:
        return []
    with (CORPUS / "MANIFEST.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def fit_totals() -> dict[str, dict[str, str]]:
    if not HAVE_CORPUS:
        return {}
    with (CORPUS / "FIT_TOTALS.csv").open(newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


# Days on which date arithmetic breaks if it is wrong: a Monday and a Sunday (week edges), the
# year's end, and the two European DST changes (a 23 h and a 25 h local day).  All lie after
# every fixed date the tests' data use (the sample history ends 2026-11-15): pinned before
# them, "today" would precede the runs, which the product rightly refuses as future-dated.
AWKWARD_DAYS = {
    "monday": "2026-12-07T09:30:00+00:00",
    "sunday": "2026-12-06T21:30:00+00:00",
    "new-years-eve": "2026-12-31T23:30:00+00:00",
    "dst-spring": "2027-03-28T09:00:00+00:00",
    "dst-autumn": "2027-10-31T09:00:00+00:00",
}


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]
) -> T:
    """``build(dir)`` run once per test run, whatever the number of xdist workers: the first
    worker to ask builds under a directory all workers share (the run's base temp dir) while
    the others wait on a lock, then every worker gets the same (pickled) result.  For
    expensive read-only worlds that tests *copy* before they change anything.  (xdist_group
    would keep such tests on one worker, but it does not work with pytest 9's node ids.)"""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run (pytest-xdist's own recipe)
    done = root / f"{name}.pickle"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            target = root / name
            shutil.rmtree(target, ignore_errors=True)
            done.write_bytes(pickle.dumps(build(target)))
    result: T = pickle.loads(done.read_bytes())
    return result
