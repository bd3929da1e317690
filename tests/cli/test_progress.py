"""Import progress without a terminal (piped, logged): sparse lines with an honest rate, on a
clock the test moves by hand.  Results that arrive in a burst once printed a line per file,
the rate climbing as if elapsed time were stuck."""

from __future__ import annotations

from types import SimpleNamespace

from loadwatch.cli.output import err_console
from loadwatch.cli.progress import ImportPlan, ImportProgress


def _lines(times: list[float], files: int = 40) -> list[str]:
    now = [0.0]
    progress = ImportProgress(ImportPlan(files, 0), clock=lambda: now[0])
    with err_console.capture() as cap, progress:
        for t in times:
            now[0] = t
            progress.advance(SimpleNamespace(size=0))
    return [ln for ln in cap.get().splitlines() if ln.startswith("progress:")]


def test_a_steady_batch_prints_a_line_every_tenth_at_most_every_five_seconds() -> None:
    # 40 files, one a second: due every 4th file, but 5 s apart at least: 8, 16, 24, 32,
    # then the end; each says 1.0 files/s.
    lines = _lines([float(i) for i in range(1, 41)])
    assert [ln.split(",")[0] for ln in lines] == [
        f"progress: {n}/40 files" for n in (8, 16, 24, 32, 40)
    ]
    assert all(" 1.0 files/s, " in ln for ln in lines)
    assert lines[-1].endswith("ETA 0:00")


def test_a_burst_of_results_is_one_line_and_the_end() -> None:
    # Every result at second 20 (a pool's batch): one line, then the end, both at 2.0 files/s
    # (40 files in 20 s), not a line per file with a rising rate.
    lines = _lines([20.0] * 40)
    assert [ln.split(",")[0] for ln in lines] == ["progress: 4/40 files", "progress: 40/40 files"]
    assert " 2.0 files/s, " in lines[-1]


def test_a_short_estimate_ends_with_the_real_count() -> None:
    # The estimate said 10 files (an archive's directory), 25 came: no line per file past the
    # estimate, and the last line counts what was done.
    lines = _lines([float(i) for i in range(1, 26)], files=10)
    assert lines[-1].startswith("progress: 25/25 files, ")
    assert len(lines) <= 4
