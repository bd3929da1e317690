"""GPX decode speed (issue 20, item 2): loadwatch's GPX decoder against gpxpy, and against the
best any reader built on an lxml tree could do, all measured in this run over every GPX file
of the corpus.

    .venv/bin/python benchmarks/ingest_gpx.py [PATH] [--repeat 7] [--per-file] [--stages]
    .venv/bin/python benchmarks/ingest.py [PATH] --only gpx      (the same section)

The machine is shared, so the numbers are CPU seconds and the readers take turns file by
file: in each round every file is decoded once by every reader, the readers' order rotating
from round to round, so a neighbour's load falls on all of them alike.  A warm-up round
(imports, compiled XPaths, first allocations) is not counted.  Before each timed call the
garbage of the previous one is collected, untimed (``gc.freeze`` first keeps that cheap), so
no reader pays for gpxpy's millions of objects.

Readers:

* ``ours``: ``ingest.formats.gpx.decode``, bytes to Tracks (cleaned columns, outings, sport);
* ``gpxpy + totals``: ``gpxpy.parse`` plus a simple loop computing the same totals as the TCX
  baseline (the issue's comparison; gpxpy on the ElementTree backend ``ingest.gpx`` pins);
* ``gpxpy``: ``gpxpy.parse`` alone;
* ``lxml parse``: ``etree.fromstring`` with the decoder's hardened parser and nothing else
  (the tree built and freed): the floor of any reader that builds an lxml tree, so
  ``gpxpy + totals / lxml parse`` is the ratio such a reader could at best reach;
* ``lxml check``: the same options with a parser target that has no callbacks (libxml2 checks
  well-formedness, depth and entities, and builds nothing): the floor of a reader that
  validates with libxml2 and takes its columns from the bytes.  It does not refuse an
  undeclared prefix, as the tree's parse does.

Printed: the sum over files of each reader's best time (the headline ratio), and the ratio of
every round's totals (min / median / max: the spread a single run would show).

``--stages``: where ours spends its time, instead: each stage's CPU ms summed over the files
(best of ``--repeat`` per file and stage), timed by wrapping the decoder's own steps, each
charged its own time only (a wrapped step inside another is the inner one's); "the rest" is
the whole decode less the stages (freeing the tree, the walk over tracks and
segments, the point counts).  The wrapping adds microseconds a call: a guide to where the
time goes, not a figure to compare with the ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import itertools
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from lxml import etree

from loadwatch.ingest.containers.xmlsafe import hardened_parser
from loadwatch.ingest.formats import gpx

REPO = Path(__file__).resolve().parents[1]
DEFAULT = Path(os.environ.get("LOADWATCH_CORPUS", REPO.parent / "shared" / "corpus"))
TARGET = 5.0  # issue 20: GPX at least 5x gpxpy

Files = list[tuple[str, bytes]]
Reader = Callable[[bytes, str], object]


def gpx_files(root: Path) -> Files:
    out = []
    for p in sorted((root / "gpx").iterdir()):
        data = p.read_bytes()
        out.append((p.name, gzip.decompress(data) if p.name.endswith(".gz") else data))
    return out


def plain_gpx(data: bytes) -> None:
    import gpxpy

    gpxpy.parse(data.decode("utf-8", errors="replace"))


def plain_gpx_totals(data: bytes) -> None:
    """gpxpy's parse, then the totals the TCX loop computes, by a simple loop over gpxpy's
    points: duration, distance (the extension's, no haversine: our decode computes none),
    mean heart rate (the extension, matched by local name as ``ingest.gpx`` does) and ascent."""
    import gpxpy

    doc = gpxpy.parse(data.decode("utf-8", errors="replace"))
    for track in doc.tracks:
        stamps: list[datetime] = []
        hr: list[float] = []
        dist: list[float] = []
        alt: list[float] = []
        for segment in track.segments:
            for p in segment.points:
                if p.time is not None:
                    stamps.append(p.time)
                if p.elevation is not None:
                    alt.append(p.elevation)
                for ext in p.extensions:
                    for e in ext.iter():
                        name = e.tag.rpartition("}")[2].lower()
                        if e.text and name in ("hr", "heartrate"):
                            hr.append(float(e.text))
                        elif e.text and name == "distance":
                            dist.append(float(e.text))
        _ = (stamps[-1] - stamps[0]) if stamps else None
        _ = (max(dist) if dist else None, sum(hr) / len(hr) if hr else None)
        _ = sum(max(b - a, 0.0) for a, b in itertools.pairwise(alt))


def _lxml_parse(data: bytes, _name: str) -> None:
    etree.fromstring(data, hardened_parser())


class _NoTree:
    """A parser target without callbacks: libxml2 parses and calls nothing per node."""

    def close(self) -> None:
        return None


def _lxml_check(data: bytes, _name: str) -> None:
    parser = etree.XMLParser(
        target=_NoTree(),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        remove_blank_text=True,
    )
    etree.fromstring(data, parser)


READERS: dict[str, Reader] = {
    "ours": gpx.decode,
    "gpxpy + totals": lambda d, _n: plain_gpx_totals(d),
    "gpxpy": lambda d, _n: plain_gpx(d),
    "lxml parse": _lxml_parse,
    "lxml check": _lxml_check,
}


def _one(fn: Reader, data: bytes, name: str) -> float:
    """CPU seconds of one decode, the collection of its own garbage included (gpxpy's
    document is cyclic: collected here, it is charged to gpxpy, not to the next reader)."""
    gc.collect()
    start = time.process_time()
    with contextlib.suppress(Exception):  # failures cost what they cost, for every reader
        fn(data, name)
    gc.collect()
    return time.process_time() - start


def measure(files: Files, readers: dict[str, Reader], repeat: int) -> dict[str, list[list[float]]]:
    """CPU seconds per reader, round and file: ``repeat`` rounds after an uncounted warm-up,
    readers alternating file by file in an order that rotates each round."""
    labels = list(readers)
    for name, data in files:
        for label in labels:
            _one(readers[label], data, name)
    gc.collect()
    gc.freeze()  # what the imports left behind is never garbage: collections stay cheap
    out: dict[str, list[list[float]]] = {label: [] for label in labels}
    for r in range(repeat):
        order = labels[r % len(labels) :] + labels[: r % len(labels)]
        times: dict[str, list[float]] = {label: [] for label in labels}
        for name, data in files:
            for label in order:
                times[label].append(_one(readers[label], data, name))
        for label in labels:
            out[label].append(times[label])
    return out


def bench_gpx(root: Path, repeat: int = 7, per_file: bool = False) -> None:
    warnings.simplefilter("ignore")
    files = gpx_files(root)
    t = measure(files, READERS, repeat)
    best = {label: [min(f) for f in zip(*rounds, strict=True)] for label, rounds in t.items()}
    total = {label: sum(b) for label, b in best.items()}
    ours, base = "ours", "gpxpy + totals"
    mb = sum(len(d) for _, d in files) / 1e6
    print(f"GPX decode, {len(files)} corpus files ({mb:.1f} MB), CPU-s, sum of per-file best "
          f"of {repeat} rounds (readers alternating file by file):")  # fmt: skip
    for label, seconds in total.items():
        print(f"  {label:<16} {seconds:7.3f} CPU-s  {total[base] / seconds:5.2f}x "
              f"(gpxpy + totals / {label})")  # fmt: skip
    ratio = total[base] / total[ours]
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"  ratio gpxpy + totals / ours: {ratio:.2f}x (target >= {TARGET:.0f}x: {verdict}); "
          f"gpxpy alone / ours {total['gpxpy'] / total[ours]:.2f}x")  # fmt: skip
    rounds = [sum(b) / sum(o) for b, o in zip(t[base], t[ours], strict=True)]
    floor = [sum(b) / sum(o) for b, o in zip(t[base], t["lxml parse"], strict=True)]
    print(f"  per round, gpxpy + totals / ours: min {min(rounds):.2f}x, median "
          f"{statistics.median(rounds):.2f}x, max {max(rounds):.2f}x; ours per round "
          f"{min(map(sum, t[ours])):.3f}-{max(map(sum, t[ours])):.3f} CPU-s")  # fmt: skip
    parse = total["lxml parse"]
    print(f"  ceiling of an lxml-tree reader (gpxpy + totals / bare hardened fromstring): "
          f"{total[base] / parse:.2f}x (per round {min(floor):.2f}-{max(floor):.2f}x); "
          f"ours is {total[ours] / parse:.2f}x the bare parse")  # fmt: skip
    print(f"  a tree-less reader's validation (hardened parse, no tree built): "
          f"{total['lxml check'] * 1e3:.1f} ms, {total['lxml check'] / parse:.2f}x the tree's "
          f"parse")  # fmt: skip
    if per_file:
        print(f"  {'file':<58} {'ours ms':>8} {'gpxpy+tot':>9} {'parse ms':>8} {'ratio':>6}")
        for (name, _), o, b, p in zip(
            files, best[ours], best[base], best["lxml parse"], strict=True
        ):
            print(f"  {name:<58} {o * 1e3:8.2f} {b * 1e3:9.2f} {p * 1e3:8.2f} {b / o:6.2f}")


# (label, module, function) wrapped by ``--stages``; a label may gather several functions.
_STAGES = (
    ("front end (prepare, guard)", "gpx", "_front"),
    ("lxml parse (hardened)", "gpx_stream", "hardened_tree"),
    ("gpxpy checks (namespace, typed values)", "gpx_stream", "check_namespace"),
    ("gpxpy checks (namespace, typed values)", "gpx_stream", "check_typed"),
    ("point XPaths (lat, lon, ele, time, speed)", "gpx_stream", "strings"),
    ("placing core texts some points lack", "gpx_stream", "_core_texts"),
    ("extensions (tag-filtered walk)", "gpx_stream", "extension_texts"),
    ("typing (numbers, timestamps)", "gpx_stream", "columns"),
    ("cleaning and outings", "gpx", "gpx_clean.clean"),
    ("cleaning and outings", "gpx", "gpx_clean.outings"),
    ("track (samples frame, sport)", "gpx", "build_track"),
    ("gpxpy fallback", "gpx", "read"),
)


def bench_stages(root: Path, repeat: int) -> None:
    from loadwatch.ingest.formats import gpx_clean, gpx_stream

    warnings.simplefilter("ignore")
    modules = {"gpx": gpx, "gpx_stream": gpx_stream, "gpx.gpx_clean": gpx_clean}
    spent: dict[str, float] = {}
    nested: list[float] = []  # per open stage, the time of the stages inside it

    def wrap(label: str, owner: object, name: str) -> None:
        fn = getattr(owner, name)

        def timed(*args: object, **kwargs: object) -> object:
            start = time.process_time()
            nested.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.process_time() - start
                spent[label] = spent.get(label, 0.0) + elapsed - nested.pop()
                if nested:
                    nested[-1] += elapsed

        setattr(owner, name, timed)

    for label, module, name in _STAGES:
        owner, _, attr = f"{module}.{name}".rpartition(".")
        wrap(label, modules[owner], attr)
    files = gpx_files(root)
    best: dict[tuple[str, str], float] = {}
    for name, data in files:
        for _ in range(repeat + 1):  # the first call warms up (imports, compiled XPaths)
            spent.clear()
            nested.clear()
            gc.collect()
            start = time.process_time()
            with contextlib.suppress(Exception):
                gpx.decode(data, name)
            spent["whole decode"] = time.process_time() - start
            for label, seconds in spent.items():
                key = (name, label)
                best[key] = min(best.get(key, seconds), seconds)
    totals: dict[str, float] = {}
    for (_, label), seconds in best.items():
        totals[label] = totals.get(label, 0.0) + seconds
    whole = totals.pop("whole decode")
    print(f"GPX decode by stage, {len(files)} corpus files, CPU ms summed over files (best of "
          f"{repeat} per file and stage):")  # fmt: skip
    for label, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<42} {seconds * 1e3:7.1f} ms  {seconds / whole:5.1%}")
    rest = whole - sum(totals.values())
    print(
        f"  {'the rest (tree freed, walk, counts)':<40} {rest * 1e3:7.1f} ms  {rest / whole:5.1%}"
    )
    print(f"  {'whole decode':<40} {whole * 1e3:7.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--per-file", action="store_true")
    parser.add_argument("--stages", action="store_true", help="where ours spends its time")
    args = parser.parse_args()
    if not (args.path / "gpx").is_dir():
        print(f"error: no gpx/ folder in {args.path}", file=sys.stderr)
        return 1
    if args.stages:
        bench_stages(args.path, args.repeat)
    else:
        bench_gpx(args.path, args.repeat, args.per_file)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
