"""Tests read time through ``loadwatch.clock``: a test that reads the wall clock directly passes
or fails with the weekday (the suite once failed every Monday), and a pinned run
(``LOADWATCH_TEST_NOW``, ``awkward_day``) cannot reach it through the seam."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
WALL_CLOCK = re.compile(r"\b(date\.today|datetime\.(now|utcnow|today))\(")


def test_no_test_reads_the_wall_clock() -> None:
    offenders = [
        f"{path.relative_to(TESTS)}:{n}: {line.strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != Path(__file__).name
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert offenders == []


def test_awkward_day_pins_the_seam(awkward_day: str) -> None:
    from loadwatch.clock import local_today, utcnow
    from support.paths import AWKWARD_DAYS

    expected = AWKWARD_DAYS[awkward_day][:10]
    assert utcnow().date().isoformat() == expected
    assert local_today("UTC").isoformat() == expected
