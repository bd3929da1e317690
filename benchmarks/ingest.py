"""Import throughput: the whole pipeline into a temp store, the pure decode+summary step, and
a plain fitparse/gpxpy loop over the same FIT/GPX files for scale; then the issue-9 ratios,
each measured in this run against its baseline:

* ``fit``: our FIT decode against a plain fitparse loop, over every corpus FIT file;
* ``gpx``: our GPX decode against ``gpxpy.parse`` plus a simple loop computing the same totals
  as the TCX baseline, gpxpy alone and a bare hardened lxml parse (``benchmarks/ingest_gpx.py``:
  readers alternating file by file, best of 7 rounds, the rounds' spread);
* ``tcx``: our TCX decode against a simple lxml loop computing the same totals;
* ``mix``: the full import, CPU seconds per file, of 12 FIT + 8 GPX corpus activities,
  against the plain fitparse + gpxpy loop over the same files;
* ``twins``: the same activity as GPX and as FIT (the gpsbabel pairs of tests/ingest/test_twins.py);
* ``archive``: a synthetic Strava-style export of N activities (generated GPX runs, gzipped
  as Strava ships them, with activities.csv) built in a temp dir, imported by the CLI's path
  with 1 worker and with all cores: wall seconds, CPU seconds, peak RSS.

    .venv/bin/python benchmarks/ingest.py [PATH] [--only fit,gpx,tcx,mix,twins,archive,import]
        [--archive-n 2000] [--archive-baseline REV]  (default PATH: the shared corpus)

Every file is read into memory first, so disk reads time nothing here.  "ours" for the ratio is
the full import (raw blob, decode, summary, Parquet stream, database rows) of the FIT and GPX
files only, against fitparse ``get_messages()`` + ``get_values()`` / ``gpxpy.parse`` on them.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import itertools
import logging
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loadwatch.config import Settings
from loadwatch.errors import IngestError
from loadwatch.ingest.containers.sources import iter_path
from loadwatch.ingest.formats import registry, tcx
from loadwatch.services import decode_ahead
from loadwatch.services.importing import analyse, import_members, import_paths
from loadwatch.store import athletes as athlete_store
from loadwatch.store.db import Store

REPO = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))


def _plain_fit(data: bytes) -> None:
    import fitparse

    for msg in fitparse.FitFile(io.BytesIO(data)).get_messages():
        msg.get_values()


def _plain_gpx(data: bytes) -> None:
    """``gpxpy.parse`` on the ElementTree backend (``ingest_gpx`` imports ``ingest.gpx``, which
    pins it); ``benchmarks/`` is on the path: this module runs as a script from there, or is
    imported from there by ``ingest_stages``."""
    from ingest_gpx import plain_gpx

    plain_gpx(data)


def _plain_tcx(data: bytes) -> None:
    """A simple lxml loop computing the totals a TCX decode gives: every trackpoint's time,
    position, altitude, distance, heart rate and cadence, then duration, distance, mean heart
    rate and ascent per activity."""
    from lxml import etree

    root = etree.fromstring(data)
    for activity in root.iter("{*}Activity"):
        stamps: list[datetime] = []
        hr: list[float] = []
        dist: list[float] = []
        alt: list[float] = []
        for tp in activity.iter("{*}Trackpoint"):
            t = tp.findtext("{*}Time")
            if t:
                stamps.append(datetime.fromisoformat(t.strip().replace("Z", "+00:00")))
            for path, into in (
                ("{*}HeartRateBpm/{*}Value", hr),
                ("{*}DistanceMeters", dist),
                ("{*}AltitudeMeters", alt),
            ):
                v = tp.findtext(path)
                if v:
                    into.append(float(v))
            tp.findtext("{*}Position/{*}LatitudeDegrees")
            tp.findtext("{*}Position/{*}LongitudeDegrees")
            tp.findtext("{*}Cadence")
        _ = (stamps[-1] - stamps[0]) if stamps else None
        _ = (max(dist) if dist else None, sum(hr) / len(hr) if hr else None)
        _ = sum(max(b - a, 0.0) for a, b in itertools.pairwise(alt))


PLAIN: dict[str, Callable[[bytes], None]] = {
    ".fit": _plain_fit,
    ".gpx": _plain_gpx,
    ".tcx": _plain_tcx,
}


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


def _cpu(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best CPU seconds of ``repeat`` runs (best-of: the machine is shared)."""
    best = math.inf
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _each(files: list[tuple[str, bytes]], fn: Callable[[bytes, str], object]) -> Callable[[], None]:
    def run() -> None:
        for name, data in files:
            with contextlib.suppress(Exception):  # a benchmark: failures are the same both ways
                fn(data, name)

    return run


def _corpus_files(root: Path, folder: str) -> list[tuple[str, bytes]]:
    out = []
    for p in sorted((root / folder).iterdir()):
        data = p.read_bytes()
        out.append((p.name, gzip.decompress(data) if p.name.endswith(".gz") else data))
    return out


def bench_fit(root: Path) -> None:
    """The FIT section lives in ``benchmarks/ingest_fit.py`` (also runnable alone)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ingest_fit import bench_fit as run

    run(root)


def _interleaved(runs: dict[str, Callable[[], None]], repeat: int) -> dict[str, float]:
    """Best CPU seconds of each, the runs interleaved so that a neighbour's load on the
    shared machine falls on all of them alike."""
    best = dict.fromkeys(runs, math.inf)
    for _ in range(repeat):
        for label, run in runs.items():
            best[label] = min(best[label], _cpu(run))
    return best


def bench_gpx(root: Path) -> None:
    """The GPX section lives in ``benchmarks/ingest_gpx.py`` (also runnable alone): ours, gpxpy
    and a bare lxml parse alternating file by file, best of 7 rounds, the spread of the rounds."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ingest_gpx import bench_gpx as run

    run(root)


def bench_tcx(root: Path) -> None:
    files = _corpus_files(root, "tcx")
    t = _interleaved(
        {"ours": _each(files, tcx.decode), "plain": _each(files, lambda d, _n: _plain_tcx(d))},
        5,
    )
    print(f"TCX decode, {len(files)} corpus files: ours {t['ours']:.3f} CPU-s; simple lxml "
          f"loop computing the same totals {t['plain']:.3f} CPU-s: "
          f"{t['plain'] / t['ours']:.2f}x faster (target >= 2x)")  # fmt: skip


def _activities(files: list[tuple[str, bytes]], n: int) -> list[tuple[str, bytes]]:
    picked = []
    for name, data in files:
        try:
            analyse(data, name, sha256="x")
        except IngestError:
            continue
        picked.append((name, data))
        if len(picked) == n:
            break
    return picked


def bench_mix(root: Path) -> None:
    mix = _activities(_corpus_files(root, "fit"), 12) + _activities(_corpus_files(root, "gpx"), 8)
    from loadwatch.ingest.containers.sources import Member

    with tempfile.TemporaryDirectory(prefix="lw-bench-mix-") as tmp:
        store = Store(f"sqlite:///{tmp}/bench.db", Path(tmp))
        with store.transaction() as s:
            aid = athlete_store.get_or_create_athlete(s, "bench").id
        start = time.process_time()
        report = import_members(store, aid, [Member(n, d) for n, d in mix], workers=1)
        cpu = time.process_time() - start
        store.close()
    plain = _cpu(_each(mix, lambda d, n: PLAIN[Path(n).suffix.lower()](d)))
    print(f"full import, bench mix ({len(mix)} files: 12 FIT + 8 GPX): {cpu / len(mix):.3f} "
          f"CPU-s per file (target <= 0.015); plain fitparse+gpxpy loop "
          f"{plain / len(mix):.3f} CPU-s per file: {plain / cpu:.2f}x faster "
          f"({report.counts()})")  # fmt: skip


TWINS = [
    ("gpsbabel_fit-sample.gpx", "gpsbabel_fit-sample.fit"),
    ("gpsbabel_garmin-edge-800-output.gpx", "gpsbabel_garmin-edge-800.fit"),
    ("gpsbabel_garmin-forerunner-10-output.gpx", "gpsbabel_garmin-forerunner-10.fit"),
    ("gpsbabel_garmin-oregon-700-output.gpx", "gpsbabel_garmin-oregon-700.fit"),
    ("gpsbabel_garmin-virb-ultra-30-output.gpx", "gpsbabel_garmin-virb-ultra-30.fit"),
    ("gpsbabel_wahoo-element-bolt.gpx", "gpsbabel_wahoo-element-bolt.fit"),
]


def bench_twins(root: Path) -> None:
    ratios = []
    for g, f in TWINS:
        gdata, fdata = (root / "gpx" / g).read_bytes(), (root / "fit" / f).read_bytes()
        t_gpx = _cpu(lambda d=gdata, n=g: analyse(d, n, sha256="x"), 5)  # type: ignore[misc]
        t_fit = _cpu(lambda d=fdata, n=f: analyse(d, n, sha256="x"), 5)  # type: ignore[misc]
        ratios.append(t_gpx / t_fit)
        print(f"  twin {f}: GPX {t_gpx * 1000:.1f} ms, FIT {t_fit * 1000:.1f} ms: "
              f"GPX/FIT {t_gpx / t_fit:.2f}")  # fmt: skip
    geo = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
    print(f"GPX vs FIT for the same activity (decode+summary): geometric mean {geo:.2f}x, "
          f"worst {max(ratios):.2f}x (target <= 2x)")  # fmt: skip


def _run_gpx(start: datetime, minutes: int, seed: int) -> bytes:
    """A run with heart rate and cadence, one point every 2 s (Strava's smart recording)."""
    pts = []
    lat, lon = 45.0 + (seed % 50) * 0.01, 7.0 + (seed % 37) * 0.01
    for i in range(minutes * 30):
        t = start + timedelta(seconds=2 * i)
        pts.append(
            f'<trkpt lat="{lat + i * 6e-5:.7f}" lon="{lon + math.sin(i / 40) * 1e-4:.7f}">'
            f"<ele>{300 + 20 * math.sin(i / 200):.1f}</ele><time>{t:%Y-%m-%dT%H:%M:%SZ}</time>"
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{140 + i % 20}</gpxtpx:hr>"
            f"<gpxtpx:cad>{85 + i % 5}</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions>"
            "</trkpt>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="StravaGPX" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"<metadata><time>{start:%Y-%m-%dT%H:%M:%SZ}</time></metadata><trk><name>Morning Run"
        f"</name><type>9</type><trkseg>{''.join(pts)}</trkseg></trk></gpx>"
    ).encode()


def build_archive(path: Path, n: int) -> None:
    """A Strava bulk export of ``n`` runs (30-75 min, one a day or two), never committed."""
    start = datetime(2019, 1, 1, 6, tzinfo=UTC)
    rows = ["Activity ID,Activity Date,Activity Name,Activity Type,Filename"]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(n):
            when = start + timedelta(hours=14 * i)
            name = f"activities/{1000 + i}.gpx.gz"
            data = _run_gpx(when, 30 + (i * 7) % 46, i)
            zf.writestr(name, gzip.compress(data, compresslevel=6, mtime=0))
            # Quoted, as Strava writes it: the date holds commas.
            rows.append(f'{1000 + i},"{when:%b %d, %Y, %I:%M:%S %p}",Run {i},Run,{name}')
        zf.writestr("activities.csv", "\n".join(rows) + "\n")


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        if "worker processes" in record.getMessage():
            self.into.append(record.getMessage())


def archive_run(archive: Path, workers: int) -> int:
    """In a fresh process: import the archive as the CLI does and print one result line:
    wall s, CPU s of this process (the writer) and of the workers, peak RSS of each (MB),
    activities imported."""
    with tempfile.TemporaryDirectory(prefix="lw-bench-archive-") as tmp:
        settings = Settings(data_dir=Path(tmp), import_workers=workers)
        store = Store(settings.db_url, settings.data_dir)
        with store.transaction() as s:
            aid = athlete_store.get_or_create_athlete(s, "bench").id
        handed: list[str] = []
        logger = logging.getLogger(decode_ahead.__name__)
        logger.setLevel(logging.DEBUG)
        logger.addHandler(_Collect(handed))
        wall = time.perf_counter()
        report = import_paths(store, settings, aid, [archive])
        wall = time.perf_counter() - wall
        store.close()
    decode_ahead.drop_pool(wait=True)  # reaped workers count in RUSAGE_CHILDREN
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"RESULT {wall:.2f} {own.ru_utime + own.ru_stime:.2f} "
          f"{kids.ru_utime + kids.ru_stime:.2f} {own.ru_maxrss / 1024:.0f} "
          f"{kids.ru_maxrss / 1024:.0f} {report.counts()['imported']}")  # fmt: skip
    print("HANDED", "; ".join(handed) or "no pool")
    return 0


def _checkout(rev: str, into: Path) -> Path:
    """The ``src`` of another revision of this repository (the baseline), extracted."""
    data = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"], capture_output=True,
                          check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=data, check=True)
    return into / "src"


@dataclass(frozen=True)
class _Run:
    wall: float
    parent: float  # CPU s of the importing process: the reader and writer
    kids: float  # CPU s of the worker processes
    rss: str
    kid_rss: str
    imported: str
    handed: str

    @property
    def cpu(self) -> float:
        return self.parent + self.kids


def _archive_once(archive: Path, workers: int, src: Path | None) -> _Run:
    env = dict(os.environ)
    if src is not None:  # the baseline's code, this script's harness
        env["PYTHONPATH"] = str(src)
    cmd = [sys.executable, __file__, "--archive-run", str(archive), "--workers", str(workers)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    wall, parent, kids, rss, kid_rss, imported = line.split()[1:]
    handed = next(x for x in out.splitlines() if x.startswith("HANDED "))[7:]
    return _Run(float(wall), float(parent), float(kids), rss, kid_rss, imported, handed)


def bench_archive(n: int, baseline: str | None = None) -> None:
    """The archive at 1 and all workers, with this tree's code and (``baseline``: a git
    revision) the baseline's, interleaved so that the shared machine's load falls on both."""
    with tempfile.TemporaryDirectory(prefix="lw-bench-export-") as tmp:
        archive = Path(tmp) / "export_strava.zip"
        build_archive(archive, n)
        size = archive.stat().st_size / 1e6
        codes: dict[str, Path | None] = {"ours": None}
        if baseline is not None:
            codes[f"baseline {baseline}"] = _checkout(baseline, Path(tmp))
        results: dict[tuple[str, int], _Run] = {}
        for workers in sorted({1, os.cpu_count() or 1}):
            for label, src in codes.items():
                r = results[label, workers] = _archive_once(archive, workers, src)
                print(f"archive of {n} activities ({size:.0f} MB), {label}, {workers} worker(s): "
                      f"wall {r.wall:.1f} s, CPU {r.cpu:.1f} s (writer {r.parent:.1f} s = "
                      f"{1000 * r.parent / n:.1f} ms per activity, workers {r.kids:.1f} s), "
                      f"peak RSS {r.rss} MB (largest worker {r.kid_rss} MB), {r.imported} "
                      f"imported ({r.handed})", flush=True)  # fmt: skip
        most = max(w for _, w in results)
        for label in codes:
            one, many = results[label, 1], results[label, most]
            print(f"{label}: {most} workers {one.wall / many.wall:.2f}x the wall of 1 (target: "
                  f"2,000 activities < 30 s wall on 2 cores, peak RSS < 500 MB)")  # fmt: skip
        if baseline is not None:
            for workers in sorted({1, most}):
                ours, base = results["ours", workers], results[f"baseline {baseline}", workers]
                print(f"{workers} worker(s), baseline / ours: writer CPU "
                      f"{base.parent / ours.parent:.2f}x, total CPU {base.cpu / ours.cpu:.2f}x, "
                      f"wall {base.wall / ours.wall:.2f}x")  # fmt: skip


# Sections over the corpus, in print order.  A FIT-vs-fitparse section from the bulk decoder
# (engineer ``fitbulk``) replaces "fit" here, from its own function or module.
SECTIONS: dict[str, Callable[[Path], None]] = {
    "fit": bench_fit,
    "gpx": bench_gpx,
    "tcx": bench_tcx,
    "mix": bench_mix,
    "twins": bench_twins,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--only", default="import,fit,gpx,tcx,mix,twins,archive")
    parser.add_argument("--archive-n", type=int, default=2000)
    parser.add_argument("--archive-baseline", metavar="REV",
                        help="also run the archive with this git revision's code")  # fmt: skip
    parser.add_argument("--archive-run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # fitparse DeprecationWarnings would drown the output
    if args.archive_run is not None:
        return archive_run(args.archive_run, args.workers)
    if not args.path.exists():
        print(f"error: {args.path} does not exist", file=sys.stderr)
        return 1
    only = set(args.only.split(","))
    if "import" in only:
        bench_import(args.path)
    for section, run in SECTIONS.items():
        if section in only:
            run(args.path)
    if "archive" in only:
        bench_archive(args.archive_n, args.archive_baseline)
    return 0


def bench_import(root: Path) -> None:
    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="lw-bench-")))
    members = [m for m in iter_path(root, settings) if m.data is not None]
    total_bytes = sum(len(m.data or b"") for m in members)
    print(f"{root}: {len(members)} files, {total_bytes / 1e6:.2f} MB (in memory)")
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
            aid = athlete_store.get_or_create_athlete(s, "bench").id
        per_file: list[tuple[float, float]] = []
        file_clock = _Clock()
        clock = _Clock()
        # One worker: this process's clock must see all the work (see ``archive`` for the pool).
        report = import_members(
            store, aid, members, progress=lambda _: per_file.append(file_clock.lap()), workers=1
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


if __name__ == "__main__":
    raise SystemExit(main())
