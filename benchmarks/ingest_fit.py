"""FIT decode speed (issue 20, item 1): loadwatch's FIT decoder against plain fitparse (and
fitdecode when it is installed), all measured in this run over every FIT file of the corpus.

    .venv/bin/python benchmarks/ingest_fit.py [PATH] [--repeat 3] [--per-file]
    .venv/bin/python benchmarks/ingest.py [PATH] --only fit      (the same section)

Every file is read into memory first.  CPU seconds (the machine is shared: wall time counts
other processes), best of ``--repeat`` runs for loadwatch's readers, one run for the plain
libraries (a hundred seconds each).  "ours" is ``ingest.formats.fit.decode``: bytes to Tracks
(samples frame, session windows, device totals), more than the baselines do; "per-message"
is the same decoder with the bulk reader switched off (the reader before it, for scale).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import math
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from loadwatch.ingest.formats import fit

REPO = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))
TARGET = 60.0  # issue 20: at least 60x plain fitparse

Files = list[tuple[str, bytes]]


def fit_files(root: Path) -> Files:
    out = []
    for p in sorted((root / "fit").iterdir()):
        data = p.read_bytes()
        out.append((p.name, gzip.decompress(data) if p.name.endswith(".gz") else data))
    return out


def _plain_fitparse(data: bytes) -> None:
    import fitparse

    for msg in fitparse.FitFile(io.BytesIO(data)).get_messages():
        msg.get_values()


def _fitdecode(data: bytes) -> None:
    import fitdecode  # type: ignore[import-not-found]

    with fitdecode.FitReader(io.BytesIO(data)) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                {f.name: f.value for f in frame.fields}


def _ours(data: bytes, name: str) -> None:
    fit.decode(data, name)


def _per_message(data: bytes, name: str) -> None:
    fit.decode_records(data, name, fast_records=True, bulk=False)


def _per_file(files: Files, fn: Callable[[bytes, str], object], repeat: int) -> list[float]:
    """Best CPU seconds of each file over ``repeat`` runs (failures cost the same both ways)."""
    best = [math.inf] * len(files)
    for _ in range(repeat):
        for i, (name, data) in enumerate(files):
            start = time.process_time()
            with contextlib.suppress(Exception):
                fn(data, name)
            best[i] = min(best[i], time.process_time() - start)
    return best


def bench_fit(root: Path, repeat: int = 3, per_file: bool = False) -> None:
    warnings.simplefilter("ignore")  # fitparse's DeprecationWarnings
    files = fit_files(root)
    ours = _per_file(files, _ours, repeat)
    before = _per_file(files, _per_message, repeat)
    plain = _per_file(files, lambda d, _n: _plain_fitparse(d), 1)
    t_ours, t_before, t_plain = sum(ours), sum(before), sum(plain)
    n = len(files)
    print(f"FIT decode, {n} corpus files ({sum(len(d) for _, d in files) / 1e6:.1f} MB):")
    print(
        f"  loadwatch (bulk reader)       {t_ours:7.2f} CPU-s  "
        f"{t_ours / n * 1000:6.1f} ms/file  median {statistics.median(ours) * 1000:5.1f} ms"
    )
    print(
        f"  loadwatch, per-message reader {t_before:7.2f} CPU-s  "
        f"{t_before / n * 1000:6.1f} ms/file  median {statistics.median(before) * 1000:5.1f} ms"
        f"  ({t_before / t_ours:.1f}x the bulk reader)"
    )
    print(f"  plain fitparse 1.2.0          {t_plain:7.2f} CPU-s  "
          f"{t_plain / n * 1000:6.1f} ms/file")  # fmt: skip
    try:
        import fitdecode  # noqa: F401

        t_fd = sum(_per_file(files, lambda d, _n: _fitdecode(d), 1))
        print(f"  fitdecode                     {t_fd:7.2f} CPU-s  ({t_fd / t_ours:.1f}x ours)")
    except ImportError:
        print("  fitdecode                     not installed")
    ratio = t_plain / t_ours
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"  ratio plain fitparse / loadwatch: {ratio:.1f}x (target >= {TARGET:.0f}x: {verdict}); "
          f"per-message reader {t_plain / t_before:.1f}x")  # fmt: skip
    ratios = sorted((p / o, name) for (name, _), o, p in zip(files, ours, plain, strict=True))
    print(
        f"  per-file ratio: worst {ratios[0][0]:.1f}x ({ratios[0][1]}), "
        f"median {statistics.median(r for r, _ in ratios):.1f}x, best {ratios[-1][0]:.1f}x"
    )
    if per_file:
        print(f"  {'file':<58} {'bulk ms':>8} {'per-msg ms':>10} {'fitparse ms':>11}")
        for (name, _), o, b, p in zip(files, ours, before, plain, strict=True):
            print(f"  {name:<58} {o * 1000:8.1f} {b * 1000:10.1f} {p * 1000:11.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--per-file", action="store_true")
    args = parser.parse_args()
    if not (args.path / "fit").is_dir():
        print(f"error: no fit/ folder in {args.path}", file=sys.stderr)
        return 1
    bench_fit(args.path, args.repeat, args.per_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
