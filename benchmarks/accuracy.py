"""Accuracy against the devices' own totals, over the corpus.

    .venv/bin/python benchmarks/accuracy.py [CORPUS]

1. The pipeline (decode + summarize) on every FIT activity of FIT_TOTALS.csv: distance, moving
   time and ascent must equal the device's session totals wherever the device wrote them.
2. Our own maths on the same FIT sessions with the device totals removed (what a GPX of the
   same run would get): how many land within the bounds of issue #2 (distance 2 %, moving time
   3 %, gain 15 % or 15 m).
The cross-format twins are in tests/ingest/test_twins.py
(`pytest tests/ingest/test_twins.py -s` prints them).
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections import defaultdict
from pathlib import Path

from loadwatch.config import Settings
from loadwatch.errors import LoadwatchError
from loadwatch.ingest.containers.sources import iter_path
from loadwatch.ingest.formats.registry import decode
from loadwatch.ingest.summary.summarise import summarize
from loadwatch.ingest.track import DeviceTotals

FIELDS = {
    "distance_m": ("total_distance_m", 0.02, 0.0),
    "moving_time_s": ("total_timer_time_s", 0.03, 0.0),
    "elevation_gain_m": ("total_ascent_m", 0.15, 15.0),
}


def main(corpus: Path) -> None:
    with (corpus / "FIT_TOTALS.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["file_type"] == "activity"]
    exact: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    own: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: list[str] = []
    settings = Settings()
    for row in rows:
        member = next(iter_path(corpus / row["file"], settings))  # unwraps .fit.gz
        try:
            if member.error is not None or member.data is None:
                raise member.error or LoadwatchError("no data")
            tracks = decode(member.data, member.name.removesuffix(".gz"))
        except LoadwatchError as e:
            misses.append(f"{row['file']}: no activity decoded: {e}")
            continue
        sums = [summarize(t, source_sha256="-") for t in tracks]
        bare = []
        for t in tracks:
            try:
                bare.append(
                    summarize(dataclasses.replace(t, totals=DeviceTotals()), source_sha256="-")
                )
            except LoadwatchError:
                bare.append(None)
        for field, (column, rel, floor) in FIELDS.items():
            if not row[column]:
                continue
            device = float(row[column])
            ours = sum(getattr(s, field) or 0.0 for s in sums)
            exact[field][1] += 1
            exact[field][0] += abs(ours - device) <= 0.01
            if abs(ours - device) > 0.01:
                misses.append(f"{row['file']}: {field} {ours:.2f} != device {device:.2f}")
            if len(tracks) == 1 and bare[0] is not None and getattr(bare[0], field) is not None:
                mine = float(getattr(bare[0], field))
                own[field][1] += 1
                own[field][0] += abs(mine - device) <= max(floor, rel * device)
    print(f"FIT activities in FIT_TOTALS.csv: {len(rows)}")
    print(f"{'field':<18}{'pipeline == device':>22}{'own maths within bounds':>28}")
    for field in FIELDS:
        e, o = exact[field], own[field]
        print(f"{field:<18}{e[0]:>14} / {e[1]:<5}{o[0]:>20} / {o[1]:<5}")
    for m in misses:
        print("  miss:", m)


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
