"""Where a file's import time goes (issue 20, item 3: one pass per file), on the bench mix of
``benchmarks/ingest.py`` (12 FIT + 8 GPX corpus activities): CPU milliseconds per file of the
whole import and of its stages (FIT decode, GPX decode, summary, the Parquet stream, the rest:
the writer), of decode + summary alone per format, and the polars queries (collects) per file
each module of ``ingest`` runs.

    .venv/bin/python benchmarks/ingest_stages.py [PATH] [--repeat 3] [--against REV]

``--against REV`` measures the same in this run against another revision of ``src/``
(``git archive REV src`` into a temp dir), the two alternating in fresh processes, best of
``--repeat`` each, so a neighbour's load falls on both alike.  Stages are timed by wrapping
entry points that every revision has (``fit.decode``, ``gpx.decode``, ``analysis.summarize``,
``StreamStore.put``); queries are counted by wrapping ``LazyFrame.collect`` (an eager
``DataFrame``/``Series`` operation is a lazy query collected) and charged to the innermost
``loadwatch`` module on the stack.  CPU time, not wall time: the machine is shared.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))
STAGES = ("decode fit", "decode gpx", "summary", "parquet stream")


def _mix(root: Path) -> list[tuple[str, bytes]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import ingest as bench  # benchmarks/ingest.py: the same selection as its "mix" section

    fits = bench._activities(bench._corpus_files(root, "fit"), 12)
    return fits + bench._activities(bench._corpus_files(root, "gpx"), 8)


def _timed(owner: Any, name: str, label: str, spent: dict[str, float]) -> None:
    inner = getattr(owner, name)

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - start

    setattr(owner, name, wrapper)


def _count_queries(counts: dict[str, int]) -> None:
    from polars.lazyframe import frame

    def where() -> str:
        for f in reversed(traceback.extract_stack()[:-3]):
            if "/loadwatch/" in f.filename:
                return f.filename.split("/loadwatch/", 1)[1]
        return "(outside loadwatch)"

    for name in ("collect", "_collect_eager"):
        inner = getattr(frame.LazyFrame, name, None)
        if inner is None:
            continue

        def wrapper(self: Any, *args: Any, _inner: Callable[..., Any] = inner, **kw: Any) -> Any:
            counts[where()] += 1
            return _inner(self, *args, **kw)

        setattr(frame.LazyFrame, name, wrapper)


def measure(root: Path, repeat: int) -> dict[str, Any]:
    """In this process: best-of-``repeat`` stage times (ms per file) and queries per file."""
    from loadwatch.ingest import analysis
    from loadwatch.ingest.containers.sources import Member
    from loadwatch.ingest.formats import fit, gpx
    from loadwatch.services.importing import import_members
    from loadwatch.store import athletes as athlete_store
    from loadwatch.store.db import Store
    from loadwatch.store.streams import StreamStore

    mix = _mix(root)
    spent: dict[str, float] = collections.defaultdict(float)
    for owner, name, label in (
        (fit, "decode", "decode fit"),
        (gpx, "decode", "decode gpx"),
        (analysis, "summarize", "summary"),
        (StreamStore, "put", "parquet stream"),
    ):
        _timed(owner, name, label, spent)

    def run() -> float:
        with tempfile.TemporaryDirectory(prefix="lw-bench-stages-") as tmp:
            store = Store(f"sqlite:///{tmp}/bench.db", Path(tmp))
            with store.transaction() as s:
                aid = athlete_store.get_or_create_athlete(s, "bench").id
            start = time.process_time()
            import_members(store, aid, [Member(n, d) for n, d in mix], workers=1)
            cpu = time.process_time() - start
            store.close()
        return cpu

    run()  # warm: imports, caches
    best: dict[str, float] = {}
    for _ in range(repeat):
        spent.clear()
        total = run()
        if not best or total < best["import"]:
            best = {"import": total, **{k: spent[k] for k in STAGES}}
    n = len(mix)
    ms = {k: v / n * 1000 for k, v in best.items()}
    fits, gpxs = mix[:12], mix[12:]
    ms["analyse fit"] = _best(lambda: _analyse(fits), repeat) / len(fits) * 1000
    ms["analyse gpx"] = _best(lambda: _analyse(gpxs), repeat) / len(gpxs) * 1000
    try:  # FIT definitions forgotten before each file: a device never seen (this tree only)
        from loadwatch.ingest.formats import fit_defcache
    except ImportError:
        ms["analyse fit, cold"] = ms["analyse fit"]
    else:
        cold = lambda: _analyse(fits, before_each=fit_defcache.clear)  # noqa: E731
        ms["analyse fit, cold"] = _best(cold, repeat) / len(fits) * 1000
    counts: dict[str, int] = collections.defaultdict(int)
    _count_queries(counts)
    run()
    return {
        "ms": ms,
        "queries": {k: v / n for k, v in sorted(counts.items(), key=lambda kv: -kv[1])},
        "files": n,
    }


def _analyse(files: list[tuple[str, bytes]], before_each: Callable[[], None] | None = None) -> None:
    from loadwatch.ingest.analysis import analyse

    for name, data in files:
        if before_each is not None:
            before_each()
        analyse(data, name, sha256="x")


def _best(fn: Callable[[], None], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _print(label: str, result: dict[str, Any]) -> None:
    ms = result["ms"]
    rest = ms["import"] - sum(ms[k] for k in STAGES)
    stages = ", ".join(f"{k} {ms[k]:.1f}" for k in STAGES)
    print(f"{label}: full import {ms['import']:.1f} ms CPU per file ({result['files']} files): "
          f"{stages}, the rest (writer) {rest:.1f}")  # fmt: skip
    fit, cold, gpx = (ms[f"analyse {k}"] for k in ("fit", "fit, cold", "gpx"))
    print(f"{label}: decode + summary (analyse) per file: FIT {fit:.1f} "
          f"(definitions cold {cold:.1f}), GPX {gpx:.1f}")  # fmt: skip
    queries = result["queries"]
    top = ", ".join(f"{k} {v:.2f}" for k, v in queries.items() if v >= 0.05)
    print(f"{label}: polars queries per file {sum(queries.values()):.2f} ({top})")


def _child(src: Path, root: Path, repeat: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, __file__, str(root), "--repeat", str(repeat), "--json"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--against", help="a git revision to measure alongside")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.json:
        print(json.dumps(measure(args.path, args.repeat)))
        return 0
    if args.against is None:
        _print("this tree", measure(args.path, args.repeat))
        return 0
    with tempfile.TemporaryDirectory(prefix="lw-bench-rev-") as tmp:
        git = ["git", "-C", str(REPO), "archive", args.against, "src"]
        archive = subprocess.run(git, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        trees = {args.against: Path(tmp) / "src", "this tree": REPO / "src"}
        results: dict[str, list[dict[str, Any]]] = {k: [] for k in trees}
        for _ in range(2):  # alternate, so both see the same neighbours
            for label, src in trees.items():
                results[label].append(_child(src, args.path, args.repeat))
    best = {k: min(v, key=lambda r: r["ms"]["import"]) for k, v in results.items()}
    for label, result in best.items():
        _print(label, result)
    before, after = (best[k]["ms"]["import"] for k in trees)
    print(f"full import per file: {after / before:.2f} of {args.against}'s, measured in this run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
