"""The summary stage alone (``ingest.summary.summarise.summarize``), CPU milliseconds per track,
over the bench mix of ``benchmarks/ingest.py`` (12 FIT + 8 GPX corpus activities) and the
first 20 generated Strava runs of its archive, decoded once beforehand.

    .venv/bin/python benchmarks/summary_stage.py [PATH] [--repeat 5] [--rounds 3] [--against REV]

``--against REV`` runs the same in fresh processes with another revision's ``src/`` (``git
archive REV src`` into a temp dir), the two alternating ``--rounds`` times so a neighbour's load
falls on both alike, and prints each round's figures, the medians and their ratio.  Each figure
is the best of ``--repeat`` passes.  CPU time (``process_time``): the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))


def measure(root: Path, repeat: int) -> float:
    """Best of ``repeat`` passes, CPU ms per track."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import ingest as bench  # benchmarks/ingest.py: the mix and the archive's runs
    from loadwatch.ingest.formats import registry
    from loadwatch.ingest.summary.summarise import summarize

    warnings.simplefilter("ignore")
    files = bench._activities(bench._corpus_files(root, "fit"), 12)
    files += bench._activities(bench._corpus_files(root, "gpx"), 8)
    start = datetime(2019, 1, 1, 6, tzinfo=UTC)
    files += [
        (f"run{i}.gpx", bench._run_gpx(start + timedelta(hours=14 * i), 30 + (i * 7) % 46, i))
        for i in range(20)
    ]
    tracks = [t for name, data in files for t in registry.decode(data, name)]

    def run() -> None:
        for t in tracks:
            summarize(t, source_sha256="x")

    run()  # warm: imports, caches
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        run()
        best = min(best, time.process_time() - t0)
    return 1000 * best / len(tracks)


def _child(src: Path, root: Path, repeat: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, __file__, str(root), "--repeat", str(repeat)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return float(out.split()[-4])  # "summary: X ms per track"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", help="a git revision to measure alongside")
    args = parser.parse_args()
    if args.against is None:
        print(f"summary: {measure(args.path, args.repeat):.3f} ms per track")
        return 0
    with tempfile.TemporaryDirectory(prefix="lw-bench-summary-") as tmp:
        data = subprocess.run(["git", "-C", str(REPO), "archive", args.against, "src"],
                              capture_output=True, check=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", tmp], input=data, check=True)
        trees = {args.against: Path(tmp) / "src", "this tree": REPO / "src"}
        got: dict[str, list[float]] = {k: [] for k in trees}
        for r in range(args.rounds):
            for label, src in trees.items():
                got[label].append(_child(src, args.path, args.repeat))
            print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} ms" for k, v in got.items()),
                  flush=True)  # fmt: skip
    med = {k: statistics.median(v) for k, v in got.items()}
    ratio = med["this tree"] / med[args.against]
    print(f"summary per track, median of {args.rounds} rounds: "
          + ", ".join(f"{k} {v:.2f} ms" for k, v in med.items())
          + f"; this tree / {args.against}: {ratio:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
