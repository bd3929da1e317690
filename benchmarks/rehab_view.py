"""Benchmark: what the athlete page's rehab fields cost at evaluation, on the demo's Returning
Rosa (a plan of five weeks, 18 pain entries).

    .venv/bin/python benchmarks/rehab_view.py [--repeat 200]

Builds the demo store (``loadwatch demo``'s import path) in a temporary directory, then times,
in the same run, the whole view of Rosa as evaluation computes it (``services.views.compute``,
the baseline) and the part this adds (``services.rehab_view``: the chart caps per calendar
week and the pain log), and prints the ratio and the bytes they add to the stored summary.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from loadwatch.services.demo import run_demo
from loadwatch.services.inputs import evaluation_inputs
from loadwatch.services.rehab import verdict
from loadwatch.services.rehab_view import pain_log, week_caps
from loadwatch.services.views import compute
from loadwatch.store.db import open_store


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=200)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lw-rehab-") as tmp:
        result = run_demo(Path(tmp) / "demo")
        rosa = next(a.athlete_id for a in result.athletes if a.name == "Returning Rosa")
        store = open_store(result.settings)
        try:
            with store.sessions() as s:
                inp = evaluation_inputs(s, rosa, result.today)
            v = verdict(inp)
            t = time.perf_counter()
            for _ in range(args.repeat):
                week_caps(v.timelines, inp.daily, inp.fast.speed_mps)
                pain_log(inp.rehab.entries, inp.rehab.responses)
            part = (time.perf_counter() - t) / args.repeat
            whole_runs = max(1, args.repeat // 40)
            t = time.perf_counter()
            for _ in range(whole_runs):
                summary = compute(inp).summary
            whole = (time.perf_counter() - t) / whole_runs
        finally:
            store.close()
    assert summary.rehab is not None
    r = summary.rehab.model_dump(mode="json")
    added = len(json.dumps(r["chart_caps"])) + len(json.dumps(r["pain_log"]))
    size = len(json.dumps(summary.model_dump(mode="json")))
    print(
        f"Rosa's view: {whole * 1e3:.0f} ms (baseline); chart caps + pain log "
        f"{part * 1e3:.2f} ms ({part / whole:.1%} of it); stored summary {size:,} B, "
        f"of which they are {added:,} B"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
