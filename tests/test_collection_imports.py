"""Every xdist worker imports every test module to collect it: a heavy library that only a
test or two use (an oracle such as acwr, which brings pandas and scipy) is imported inside those
tests, never at a test module's top level, where every worker would pay for it
(docs/scale.md, "The suite's own collection")."""

from __future__ import annotations

import ast
from pathlib import Path

from support.paths import REPO

TESTS = REPO / "tests"
# Top-level packages whose import costs a worker a second or more (pandas and scipy through
# acwr) or that one module uses (schemathesis).
HEAVY = {"acwr", "pandas", "scipy", "schemathesis"}


def _top_level_imports(path: Path) -> set[str]:
    """The top-level packages a module imports when it is imported (not under TYPE_CHECKING,
    not inside functions)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(), str(path)).body:
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def test_no_test_module_imports_a_heavy_oracle_at_collection() -> None:
    modules = sorted(TESTS.rglob("*.py"))
    assert len(modules) > 150  # not vacuous: the whole suite and its support modules
    offenders = {
        str(p.relative_to(TESTS)): sorted(_top_level_imports(p) & HEAVY)
        for p in modules
        if _top_level_imports(p) & HEAVY
    }
    assert offenders == {}


def test_the_oracles_are_still_used() -> None:
    """The rule above has teeth: the tests that use these libraries exist and import them."""
    text = (TESTS / "analytics" / "test_analytics.py").read_text()
    assert "import acwr" in text and "import pandas as pd" in text
    assert "import schemathesis" in (TESTS / "api" / "test_schemathesis.py").read_text()
