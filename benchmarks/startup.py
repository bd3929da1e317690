"""CLI start-up: CPU seconds of ``loadwatch --help`` (and of ``inspect --help`` / ``sync --help``,
which build those commands but do no work) beside ``python -c pass``, measured in the same run;
and of the data commands ``athletes``, ``status``, ``flags`` and ``report`` on a small store (one
sample runner, made once before timing) beside the floor a data command cannot go under:
importing the libraries it read its data with (SQLAlchemy's ORM, pydantic, typer) and nothing
of loadwatch.  Beside it: the same with SQLAlchemy Core alone, no ORM, which is all a data
command loads now (``Store.reading``); and with polars and numpy too, what a data command cost
when it loaded them (issue #19: a data command must not).

    PYTHONPATH=src .venv/bin/python benchmarks/startup.py [--repeat 5]

Each command runs ``--repeat`` times in a fresh interpreter; the CPU time (user + system) of the
child is read with ``resource.getrusage(RUSAGE_CHILDREN)`` around each run, and the median is
printed with its excess over the baseline and the ratio.  Targets: < 0.3 s for ``--help``
(issue #9), < 0.5 s for a data command (issue #19).

Two settings, both printed: bytecode cached, as an installed package runs (pip compiles on
install; here a warm-up run writes the cache under a temporary ``PYTHONPYCACHEPREFIX``), and no
bytecode cache at all (``PYTHONDONTWRITEBYTECODE=1``, as a dev shell with that set runs the
source tree: every loadwatch module is compiled on every start).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET_S = 0.3
DATA_TARGET_S = 0.5
BASELINE = "python -c pass (baseline)"
# The floor for a Typer CLI with rich help: what typer, click and rich cost before any of ours.
BARE_TYPER = (
    "import typer\n"
    "app = typer.Typer()\n"
    "@app.command()\n"
    "def a(x: int = 1) -> None: ...\n"
    "@app.command()\n"
    "def b(x: int = 1) -> None: ...\n"
    "app()\n"
)
COMMANDS: dict[str, list[str]] = {
    BASELINE: ["-c", "pass"],
    "bare typer app --help": ["-c", BARE_TYPER, "--help"],
    "loadwatch --help": ["-m", "loadwatch", "--help"],
    "loadwatch inspect --help": ["-m", "loadwatch", "inspect", "--help"],
    "loadwatch sync --help": ["-m", "loadwatch", "sync", "--help"],
}
DATA_FLOOR = "libraries only (data floor)"
DATA_COMMANDS: dict[str, list[str]] = {
    DATA_FLOOR: ["-c", "import sqlalchemy.orm, pydantic, typer"],
    # What the data commands load now: SQLAlchemy Core, no ORM (they read on a plain
    # connection, Store.reading), so they can go under the floor above.
    "  Core only: sqlalchemy, pydantic, typer": ["-c", "import sqlalchemy, pydantic, typer"],
    "  + polars, numpy (not a target)": [
        "-c",
        "import polars, numpy, sqlalchemy.orm, pydantic, typer",
    ],
    "loadwatch athletes": ["-m", "loadwatch", "athletes"],
    "loadwatch status": ["-m", "loadwatch", "status", "--athlete", "Sara"],
    "loadwatch flags": ["-m", "loadwatch", "flags", "--athlete", "Sara"],
    "loadwatch report": ["-m", "loadwatch", "report", "--athlete", "Sara"],
}
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "spiky-sara"


def cpu_seconds(args: list[str], env: dict[str, str]) -> float:
    """CPU (user + system) of one child process running ``python args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *args], check=True, stdout=subprocess.DEVNULL, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(
    env: dict[str, str], repeat: int, commands: dict[str, list[str]] = COMMANDS
) -> dict[str, float]:
    for args in commands.values():
        cpu_seconds(args, env)  # warm-up: the file cache, and the bytecode cache when on
    return {
        name: statistics.median(cpu_seconds(args, env) for _ in range(repeat))
        for name, args in commands.items()
    }


def show(
    title: str, results: dict[str, float], baseline: str = BASELINE, target: float = TARGET_S
) -> None:
    base = results[baseline]
    print(title)
    for name, s in results.items():
        line = f"  {name:<34} {s:6.3f} s"
        if name != baseline:
            line += f"  +{s - base:.3f} s over {baseline.split(' (')[0]}, ×{s / base:.2f}"
            if name.startswith("loadwatch"):
                line += f"  (< {target} s: {'met' if s < target else 'missed'})"
        print(line)


def data_commands(env: dict[str, str], repeat: int) -> None:
    """The data commands on a store of one sample runner, made once before timing (its view
    is evaluated as of today, so status and report read the stored one)."""
    with tempfile.TemporaryDirectory() as data:
        store_env = {**env, "LOADWATCH_DATA_DIR": data}
        subprocess.run(
            [sys.executable, "-m", "loadwatch", "import", "--athlete", "Sara", str(SAMPLE)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=store_env,
        )
        show(
            "data commands on a store at the newest schema (bytecode cached):",
            measure(store_env, repeat, DATA_COMMANDS),
            DATA_FLOOR,
            DATA_TARGET_S,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()
    env = {**os.environ, "COLUMNS": "100"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    print(f"CPU seconds, median of {ns.repeat} fresh processes ({sys.executable})")
    with tempfile.TemporaryDirectory() as cache:
        show(
            "bytecode cached (as installed):",
            measure({**env, "PYTHONPYCACHEPREFIX": cache}, ns.repeat),
        )
    show(
        "no bytecode cache (PYTHONDONTWRITEBYTECODE=1):",
        measure({**env, "PYTHONDONTWRITEBYTECODE": "1"}, ns.repeat),
    )
    data_commands(env, ns.repeat)


if __name__ == "__main__":
    main()
