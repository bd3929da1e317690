"""Mutation fuzzing of the FIT, GPX and TCX decoders: ``python scripts/fuzz.py N [--seed S]``.

Runs N mutations per decoder (byte flips, truncation, spliced runs of bytes, numbers replaced
by NaN/inf/huge values) over the corpus files when the corpus is present
(``LOADWATCH_CORPUS``, else ``../shared/corpus`` beside the repo), over generated files
otherwise, and prints the count of outcomes per class: ok, each ``LoadwatchError`` subclass,
``insane`` (a summary with a non-finite or impossible number) and ``crash`` (anything else).
Exit code 1 when any outcome is a crash or insane; the first few are printed with their seeds.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

import support.track_fixtures as tf  # noqa: E402
from support.mutations import mutate, outcome  # noqa: E402

FORMATS = ("fit", "gpx", "tcx")


def _corpus() -> Path | None:
    env = os.environ.get("LOADWATCH_CORPUS")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "corpus"]:
        if candidate.is_dir():
            return candidate
    return None


def _seeds(corpus: Path | None) -> dict[str, list[tuple[str, bytes]]]:
    if corpus is not None:
        found: dict[str, list[tuple[str, bytes]]] = {f: [] for f in FORMATS}
        for p in sorted(corpus.rglob("*")):
            fmt = p.suffix.lower().lstrip(".")
            if fmt in found and p.is_file():
                found[fmt].append((str(p.relative_to(corpus)), p.read_bytes()))
        if all(found.values()):
            return found
    line = tf.Line(n=121, dt_s=5)
    generated = {"fit": tf.fit(line), "gpx": tf.gpx(line), "tcx": tf.tcx(line)}
    return {f: [(f"generated.{f}", data)] for f, data in generated.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="mutations per decoder")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-bytes", type=int, default=400_000, help="skip larger seed files")
    args = parser.parse_args()
    corpus = _corpus()
    seeds = {
        f: [(n, d) for n, d in files if len(d) <= args.max_bytes]
        for f, files in _seeds(corpus).items()
    }
    where = f"corpus {corpus}" if corpus else "generated files"
    print(f"{args.n} mutations per decoder over {where}, seed {args.seed}")
    rng = random.Random(args.seed)
    counts: dict[str, Counter[str]] = {f: Counter() for f in FORMATS}
    bad: list[str] = []
    started = time.perf_counter()
    for fmt in FORMATS:
        for i in range(args.n):
            name, data = seeds[fmt][i % len(seeds[fmt])]
            case_seed = rng.getrandbits(64)
            mutated = mutate(data, fmt, random.Random(case_seed))
            result, detail = outcome(mutated, f"fuzz.{fmt}")
            counts[fmt][result] += 1
            if result in ("crash", "insane") and len(bad) < 20:
                bad.append(f"{fmt} {name} case seed {case_seed}: {result}: {detail}")
    classes = sorted({c for cnt in counts.values() for c in cnt}, key=lambda c: (c != "ok", c))
    width = max(len(c) for c in [*classes, "outcome"])
    print(f"{'outcome':<{width}}  " + "  ".join(f"{f:>7}" for f in FORMATS) + "    total")
    for c in classes:
        row = [counts[f][c] for f in FORMATS]
        print(f"{c:<{width}}  " + "  ".join(f"{v:>7}" for v in row) + f"  {sum(row):>7}")
    print(f"{len(FORMATS) * args.n} mutations in {time.perf_counter() - started:.0f} s")
    for line in bad:
        print(line)
    return 1 if any(cnt["crash"] or cnt["insane"] for cnt in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
