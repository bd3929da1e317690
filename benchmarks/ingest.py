"""Import throughput: the whole pipeline into a temp store, the pure decode+summary step, and
a plain fitparse/gpxpy loop over the same FIT/GPX files for scale.

    .venv/bin/python benchmarks/ingest.py [PATH]      (default: the shared corpus)

Every file is read into memory first, so disk reads time nothing here.  "ours" for the ratio is
the full import (raw blob, decode, summary, Parquet stream, database rows) of the FIT and GPX
files only, against fitparse ``get_messages()`` + ``get_values()`` / ``gpxpy.parse`` on them.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from loadwatch.config import Settings
from loadwatch.errors import IngestError
from loadwatch.ingest import registry
from loadwatch.ingest.sources import iter_path
from loadwatch.services.importing import analyse, import_members
from loadwatch.store import repo
from loadwatch.store.db import Store

REPO = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))


def _plain_fit(data: bytes) -> None:
    import fitparse

    for msg in fitparse.FitFile(io.BytesIO(data)).get_messages():
        msg.get_values()


def _plain_gpx(data: bytes) -> None:
    import gpxpy

    gpxpy.parse(data.decode("utf-8", errors="replace"))


PLAIN: dict[str, Callable[[bytes], None]] = {".fit": _plain_fit, ".gpx": _plain_gpx}


def _fmt(data: bytes, name: str) -> str | None:
    try:
        return registry.format_of(name, data)
    except IngestError:
        return None


def _line(label: str, n: int, nbytes: int, wall: float, cpu: float) -> str:
    mb = nbytes / 1e6
    return (
        f"{label:<32} {n:>4} files {mb:>6.2f} MB  wall {wall:>7.2f} s  cpu {cpu:>7.2f} s  "
        f"{n / cpu:>6.1f} files/s {mb / cpu:>5.2f} MB/s (per cpu s)"
    )


class _Clock:
    """Wall and CPU time together: on a shared machine the wall clock also counts other
    processes, so rates are given per CPU second (everything here is single-threaded)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    args = parser.parse_args()
    if not args.path.exists():
        print(f"error: {args.path} does not exist", file=sys.stderr)
        return 1
    warnings.simplefilter("ignore")  # fitparse DeprecationWarnings would drown the output
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="lw-bench-")))
    members = [m for m in iter_path(args.path, settings) if m.data is not None]
    total_bytes = sum(len(m.data or b"") for m in members)
    print(f"{args.path}: {len(members)} files, {total_bytes / 1e6:.2f} MB (in memory)")

    # 1. Pure decode + summary (what a process pool would run).
    clock = _Clock()
    for m in members:
        data = m.data or b""
        with contextlib.suppress(IngestError):
            analyse(data, m.name, sha256=hashlib.sha256(data).hexdigest())
    t_analyse = clock.lap()

    # 2. The full import into a fresh SQLite store; per-file times from the progress hook.
    with tempfile.TemporaryDirectory(prefix="lw-bench-store-") as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db", Path(tmp))
        with store.transaction() as s:
            aid = repo.get_or_create_athlete(s, "bench").id
        per_file: list[tuple[float, float]] = []
        file_clock = _Clock()
        clock = _Clock()
        report = import_members(
            store, aid, members, progress=lambda _: per_file.append(file_clock.lap())
        )
        t_import = clock.lap()
        store.close()
    counts = report.counts()

    # 3. Plain library loop over the FIT and GPX files.
    plain_idx: list[int] = []
    t_plain = [0.0, 0.0]
    plain_errors = 0
    for i, m in enumerate(members):
        data = m.data or b""
        fn = PLAIN.get(_fmt(data, m.name) or "")
        if fn is None:
            continue
        plain_idx.append(i)
        clock = _Clock()
        try:
            fn(data)
        except Exception:  # a benchmark of a plain loop: its failures are only counted
            plain_errors += 1
        wall, cpu = clock.lap()
        t_plain[0] += wall
        t_plain[1] += cpu
    ours_same = (sum(per_file[i][0] for i in plain_idx), sum(per_file[i][1] for i in plain_idx))
    plain_bytes = sum(len(members[i].data or b"") for i in plain_idx)

    print(_line("ours: decode+summary only", len(members), total_bytes, *t_analyse))
    print(_line("ours: full import (all files)", len(members), total_bytes, *t_import))
    print(_line("ours: full import (FIT+GPX)", len(plain_idx), plain_bytes, *ours_same))
    print(_line("plain fitparse+gpxpy (FIT+GPX)", len(plain_idx), plain_bytes, *t_plain))
    print(f"outcomes: {counts}; plain loop raised on {plain_errors} files")
    print(
        "ratio ours/plain (FIT+GPX, full import): "
        f"cpu {ours_same[1] / t_plain[1]:.2f}, wall {ours_same[0] / t_plain[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
