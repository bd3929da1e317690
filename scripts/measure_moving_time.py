"""Moving time from the samples against the device's timer, over every FIT activity of the corpus.

Each file is decoded, its session totals removed, and summarised: the moving time is then what
``ingest/summary/motion.py`` computes (elapsed minus recording pauses), compared with the device's
``total_timer_time`` from FIT_TOTALS.csv.  Usage:

    PYTHONPATH=src python scripts/measure_moving_time.py [/path/to/corpus]
"""

from __future__ import annotations

import csv
import dataclasses
import sys
import warnings
from pathlib import Path

import numpy as np

from loadwatch.errors import LoadwatchError
from loadwatch.ingest.formats.registry import decode
from loadwatch.ingest.summary.summarise import summarize
from loadwatch.ingest.track import DeviceTotals

MIN_TIMER_S = 60.0  # shorter recordings (SDK examples) say nothing about pauses


def main(corpus: Path) -> None:
    with (corpus / "FIT_TOTALS.csv").open(newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["file_type"] == "activity"]
    errors: list[tuple[float, str, float, float]] = []
    for r in rows:
        if not r["total_timer_time_s"] or float(r["total_timer_time_s"]) < MIN_TIMER_S:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tracks = decode((corpus / r["file"]).read_bytes(), Path(r["file"]).name)
            if all(t.samples.height < 2 for t in tracks):
                continue  # no records: nothing to measure the timer from
            ours = sum(
                summarize(
                    dataclasses.replace(t, totals=DeviceTotals()), source_sha256="m"
                ).moving_time_s
                for t in tracks
            )
        except LoadwatchError:
            continue
        timer = float(r["total_timer_time_s"])
        errors.append(((ours - timer) / timer * 100, r["file"], ours, timer))
    err = np.abs([e[0] for e in errors])
    print(f"{len(err)} FIT activities with a timer ≥ {MIN_TIMER_S:.0f} s")
    print(
        f"within 1 %: {np.mean(err <= 1):.0%}   within 2 %: {np.mean(err <= 2):.0%}   "
        f"median |error| {np.median(err):.2f} %"
    )
    for e, name, ours, timer in sorted(errors, key=lambda x: -abs(x[0]))[:8]:
        print(f"  {e:+7.2f} %  {name}  ours {ours:.0f} s, timer {timer:.0f} s")


if __name__ == "__main__":
    main(
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).parents[1].parent / "shared" / "corpus"
    )
