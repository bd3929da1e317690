"""The page stylesheets are well formed: an unclosed block does not fail anywhere, it quietly
moves every rule after it inside (a phone ``@media`` block left open by a merge once hid the
desktop calendar), so the braces are counted here without a browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.paths import REPO

STATIC = REPO / "src" / "loadwatch" / "api" / "static"


def unbalanced(css: str) -> str | None:
    """Why the braces of ``css`` do not pair up, or None when they do (comments and strings
    may hold braces of their own, so they are removed first)."""
    code = re.sub(r"/\*.*?\*/|\"(?:\\.|[^\"\\])*\"|'(?:\\.|[^'\\])*'", "", css, flags=re.S)
    depth = 0
    for number, line in enumerate(code.splitlines(), start=1):
        for ch in line:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            if depth < 0:
                return f"line {number}: a }} closes nothing"
    return None if depth == 0 else f"{depth} block(s) never closed"


def test_the_check_finds_a_block_left_open_and_a_stray_close() -> None:
    assert unbalanced("a { b: c; }\n@media (x) {\n  d { e: f; }\n") == "1 block(s) never closed"
    assert unbalanced("a { b: c; }\n}\n") == "line 2: a } closes nothing"
    assert unbalanced('a { content: "}"; } /* { */\n@media (x) { d { e: f; } }') is None


@pytest.mark.parametrize("sheet", sorted(STATIC.glob("*.css")), ids=lambda p: p.name)
def test_every_stylesheet_closes_what_it_opens(sheet: Path) -> None:
    assert unbalanced(sheet.read_text(encoding="utf-8")) is None
