"""A derandomized Hypothesis test draws the same examples whatever modules the process loaded
before it (tests/support/hypothesis_pool.py): under ``--dist worksteal`` that set varies."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st


def _examples() -> list[list[float]]:
    seen: list[list[float]] = []

    @settings(max_examples=40, derandomize=True, database=None)
    @given(st.lists(st.floats(0.0, 1e6), min_size=20, max_size=20))
    def draw(xs: list[float]) -> None:
        seen.append(xs)

    draw()
    return seen


def test_the_examples_do_not_depend_on_the_modules_loaded_before(tmp_path: Path) -> None:
    first = _examples()
    # A module of the project's own loaded in between (as a lazily imported loadwatch module
    # is, by whichever test ran before), with constants a local pool would take up.
    src = tmp_path / "lazily_loaded.py"
    src.write_text("".join(f"C{i} = {1000.0 + i * 7.25}\n" for i in range(200)))
    spec = importlib.util.spec_from_file_location("lazily_loaded_for_pool_test", src)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        assert _examples() == first
    finally:
        del sys.modules[spec.name]
